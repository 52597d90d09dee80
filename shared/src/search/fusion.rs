//! Reciprocal rank fusion (Cormack et al., 2009): merges ranked lists without comparing their scores.

use rustc_hash::FxHashMap as HashMap;

/// Damps the head of each list so one list cannot dominate: the paper's constant, used when every list is
/// lexical (keyword search alone: the main list, the routed lists and the bridged one agree often, and a flat
/// fusion lets a routed collection's best reach the top).
pub const RRF_K: f64 = 60.0;
/// With an independent vector list, trusting the head of each list more measured better on both the domain
/// questions and SciFact (`make eval`; the README's figures).
pub const RRF_K_HYBRID: f64 = 20.0;

/// Fuses ranked lists of ids into one list of (id, score), best first. Ties keep first-seen order,
/// so the result is deterministic.
pub fn rrf(lists: &[Vec<String>]) -> Vec<(String, f64)> {
    let weighted: Vec<(&[String], f64)> = lists.iter().map(|l| (l.as_slice(), 1.0)).collect();
    rrf_weighted(&weighted, RRF_K)
}

/// [`rrf`] with a weight per list: a list's vote for its item at rank r is `weight / (k + r)`.
pub fn rrf_weighted(lists: &[(&[String], f64)], k: f64) -> Vec<(String, f64)> {
    let mut scores: HashMap<&str, (f64, usize)> = HashMap::default();
    let mut order = 0usize;
    for (list, weight) in lists {
        for (rank, id) in list.iter().enumerate() {
            let e = scores.entry(id.as_str()).or_insert_with(|| {
                order += 1;
                (0.0, order)
            });
            e.0 += weight / (k + rank as f64 + 1.0);
        }
    }
    let mut out: Vec<(String, f64, usize)> = scores.into_iter().map(|(id, (s, o))| (id.to_string(), s, o)).collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.2.cmp(&b.2)));
    out.into_iter().map(|(id, s, _)| (id, s)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn items_in_both_lists_rise_to_the_top() {
        let fused = rrf(&[ids(&["a", "b", "c"]), ids(&["c", "d", "a"])]);
        let order: Vec<&str> = fused.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(order, ["a", "c", "b", "d"]);
        assert!((fused[0].1 - (1.0 / (RRF_K + 1.0) + 1.0 / (RRF_K + 3.0))).abs() < 1e-12);
    }

    #[test]
    fn a_heavier_list_wins_disagreements() {
        let a = ids(&["a", "b"]);
        let b = ids(&["b", "a"]);
        let fused = rrf_weighted(&[(&a, 1.0), (&b, 2.0)], RRF_K_HYBRID);
        assert_eq!(fused[0].0, "b");
        assert!((fused[0].1 - (1.0 / (RRF_K_HYBRID + 2.0) + 2.0 / (RRF_K_HYBRID + 1.0))).abs() < 1e-12);
    }

    #[test]
    fn a_single_list_keeps_its_order() {
        let fused = rrf(&[ids(&["x", "y", "z"])]);
        assert_eq!(
            fused.iter().map(|(i, _)| i.as_str()).collect::<Vec<_>>(),
            ["x", "y", "z"]
        );
        assert!(rrf(&[]).is_empty());
    }
}
