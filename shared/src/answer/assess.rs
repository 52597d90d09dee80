//! Does what was retrieved answer the question? A search always returns *something*; this judges whether
//! it is about the question, from signals every deployment has: how much of the question the best passages
//! cover (with the glossary's cross-language equivalents), how close the nearest passage is in embedding
//! space (when there are vectors), and whether both retrievers agree on the best passage. The signals are
//! combined by a logistic model whose weights were fitted on the project's eval set (`make eval` reports
//! abstention precision and recall); a tool that found the exact figures makes a question answerable.

use serde::Serialize;

use super::{stem_match, words};
use crate::search::analyze::analyze;
use crate::search::glossary;
use crate::search::SearchHit;

/// How many of the top hits are looked at.
const TOP: usize = 5;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Signals {
    /// Weighted share of the question's terms found in the single best-covering passage (0–1).
    pub coverage: f64,
    /// Weighted share of the question's terms found anywhere in the top passages (0–1).
    pub union_coverage: f64,
    /// Like `coverage`, with each term weighted by its rarity in the knowledge base (IDF): a question whose rare
    /// words ("custody", "bitcoin") are in no passage is about something else, however many common words match.
    pub idf_coverage: Option<f64>,
    /// Share of the question's IDF weight carried by words the knowledge base does not contain at all.
    pub unknown_share: Option<f64>,
    /// The rarity (IDF scaled to 0–1) of the rarest question word that no top passage contains: a rare, specific
    /// word left unanswered ("custody", "bitcoin") marks a question about something else.
    pub uncovered_rarity: Option<f64>,
    /// Cosine similarity of the nearest passage in the whole index (hybrid and vector search only).
    pub vector: Option<f32>,
    /// The top passage was ranked high by both keyword and vector search.
    pub agreement: bool,
    /// The best BM25 score among the hits per question term (FTS5 bm25 is negative: its magnitude is used).
    pub bm25_per_term: Option<f64>,
    /// The question's content terms.
    pub terms: usize,
    /// A tool (price list, KBLI lookup) answered with data.
    pub tool: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Assessment {
    pub answerable: bool,
    /// The model's probability that the sources answer the question, rounded to 2 decimals.
    pub confidence: f64,
    pub signals: Signals,
}

/// How often each question term occurs in the knowledge base (chunks containing any of its forms), from the
/// keyword index: `df` is in the order of [`terms`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermStats {
    pub chunks: u64,
    pub df: Vec<u64>,
}

/// Everything the verdict is based on.
pub struct Evidence<'a> {
    pub query: &'a str,
    /// The hits the answer is composed from, best first.
    pub hits: &'a [SearchHit],
    /// The best cosine similarity of the whole vector search (not only of the hits kept).
    pub vector_top: Option<f32>,
    pub term_stats: Option<&'a TermStats>,
    pub tool_answered: bool,
}

/// A question term with its weight and the forms that count as finding it (the term and its glossary
/// equivalents in the other languages).
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    pub weight: f64,
    pub forms: Vec<String>,
}

/// The question's terms, as [`TermStats::df`] must be counted.
pub fn terms(query: &str) -> Vec<Term> {
    let a = analyze(query, true);
    a.terms
        .iter()
        .map(|t| {
            let weight = if a.codes.contains(t) {
                2.0
            } else if t.chars().count() <= 2 {
                0.3
            } else {
                1.0
            };
            let mut forms = vec![t.clone()];
            forms.extend(glossary::expansions(t).into_iter().map(str::to_string));
            Term { weight, forms }
        })
        .collect()
}

/// Logistic weights, fitted on the eval set with 10-fold cross-validation (see the module doc): the intercept,
/// then one per signal. Signals a deployment lacks (no vectors, no term statistics) fall back to the neutral
/// values below, so keyword-only search still gets a calibrated verdict.
const W: Weights = Weights {
    bias: -3.0,
    coverage: 2.0,
    idf_coverage: 3.0,
    unknown_share: -3.0,
    vector_center: 0.85,
    vector: 0.6,
    bm25: 0.4,
    agreement: 0.3,
};

struct Weights {
    bias: f64,
    coverage: f64,
    idf_coverage: f64,
    unknown_share: f64,
    vector_center: f64,
    /// Per 0.01 of cosine similarity.
    vector: f64,
    bm25: f64,
    agreement: f64,
}

/// Answerable when the confidence reaches this.
pub const THRESHOLD: f64 = 0.5;

pub fn assess(e: &Evidence) -> Assessment {
    let s = signals(e);
    let z = W.bias
        + W.coverage * s.coverage
        + W.idf_coverage * s.idf_coverage.unwrap_or(s.coverage)
        + W.unknown_share * s.unknown_share.unwrap_or(0.0)
        + W.vector * s.vector.map_or(0.0, |v| (f64::from(v) - W.vector_center) * 100.0)
        + W.bm25 * s.bm25_per_term.unwrap_or(0.0).min(8.0)
        + if s.agreement { W.agreement } else { 0.0 };
    let mut confidence = 1.0 / (1.0 + (-z).exp());
    if s.tool {
        confidence = confidence.max(0.9);
    }
    let confidence = (confidence * 100.0).round() / 100.0;
    Assessment {
        answerable: confidence >= THRESHOLD,
        confidence,
        signals: s,
    }
}

pub fn signals(e: &Evidence) -> Signals {
    let terms = terms(e.query);
    let total: f64 = terms.iter().map(|t| t.weight).sum();
    let top: Vec<&SearchHit> = e.hits.iter().take(TOP).collect();
    let found: Vec<Vec<bool>> = top
        .iter()
        .map(|h| {
            let words = words(&format!(
                "{} {} {} {}",
                h.citation.title, h.citation.section, h.text, h.collection
            ));
            terms
                .iter()
                .map(|t| t.forms.iter().any(|f| words.iter().any(|w| stem_match(f, w))))
                .collect()
        })
        .collect();
    let share = |weights: &[f64], hit: &dyn Fn(usize) -> bool| -> f64 {
        let total: f64 = weights.iter().sum();
        if total <= 0.0 {
            return 0.0;
        }
        weights
            .iter()
            .enumerate()
            .filter(|(i, _)| hit(*i))
            .map(|(_, w)| w)
            .sum::<f64>()
            / total
    };
    let plain: Vec<f64> = terms.iter().map(|t| t.weight).collect();
    let coverage = found.iter().map(|f| share(&plain, &|i| f[i])).fold(0.0, f64::max);
    let union_coverage = share(&plain, &|i| found.iter().any(|f| f[i]));
    let (idf_coverage, unknown_share, uncovered_rarity) =
        match e.term_stats.filter(|s| s.df.len() == terms.len() && total > 0.0) {
            Some(stats) => {
                let n = stats.chunks.max(1) as f64;
                let idf: Vec<f64> = terms
                    .iter()
                    .zip(&stats.df)
                    .map(|(t, &df)| t.weight * ((n + 1.0) / (df as f64 + 1.0)).ln().max(0.0))
                    .collect();
                let best = found.iter().map(|f| share(&idf, &|i| f[i])).fold(0.0, f64::max);
                let unknown = share(&idf, &|i| stats.df[i] == 0);
                let max_idf = ((n + 1.0).ln()).max(1e-9);
                let uncovered = terms
                    .iter()
                    .enumerate()
                    .filter(|(i, t)| t.weight >= 1.0 && !found.iter().any(|f| f[*i]))
                    .map(|(i, _)| ((n + 1.0) / (stats.df[i] as f64 + 1.0)).ln() / max_idf)
                    .fold(0.0, f64::max);
                (Some(best), Some(unknown), Some(uncovered))
            }
            None => (None, None, None),
        };
    let vector = e
        .vector_top
        .or_else(|| top.iter().filter_map(|h| h.scores.vector).reduce(f32::max));
    let agreement = top
        .first()
        .is_some_and(|h| h.scores.keyword_rank.is_some_and(|r| r <= 5) && h.scores.vector_rank.is_some_and(|r| r <= 5));
    let bm25_per_term = top
        .iter()
        .filter_map(|h| h.scores.bm25)
        .map(f64::abs)
        .reduce(f64::max)
        .map(|b| b / terms.len().max(1) as f64);
    Signals {
        coverage,
        union_coverage,
        idf_coverage,
        unknown_share,
        uncovered_rarity,
        vector,
        agreement,
        bm25_per_term,
        terms: terms.len(),
        tool: e.tool_answered,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::pipeline::{Citation, ScoreDetail};
    use crate::search::snippet::Snippet;

    fn hit(title: &str, text: &str, vector: Option<f32>, keyword_rank: Option<usize>) -> SearchHit {
        SearchHit {
            chunk_id: "c".into(),
            collection: "legal_architect".into(),
            text: text.into(),
            snippet: Snippet {
                text: String::new(),
                highlights: vec![],
            },
            score: 1.0,
            scores: ScoreDetail {
                fused: 1.0,
                bm25: None,
                keyword_rank,
                vector,
                vector_rank: vector.map(|_| 1),
                rerank: None,
            },
            citation: Citation {
                label: title.into(),
                title: title.into(),
                section: String::new(),
                page: None,
                url: None,
                r2_key: None,
                document_id: "d".into(),
                document_link: String::new(),
            },
        }
    }

    #[test]
    fn coverage_counts_cross_language_equivalents() {
        let hits = [hit(
            "PP 28/2025 Pasal 128",
            "tingkat Risiko rendah, menengah dan tinggi",
            None,
            Some(1),
        )];
        let ev = |q| Evidence {
            query: q,
            hits: &hits,
            vector_top: None,
            term_stats: None,
            tool_answered: false,
        };
        let s = signals(&ev("livelli di rischio"));
        assert!((s.coverage - 1.0).abs() < 1e-9, "{s:?}");
        let none = signals(&ev("custodia dei figli dopo il divorzio"));
        assert_eq!(none.coverage, 0.0);
    }

    fn verdict(q: &str, hits: &[SearchHit], stats: Option<&TermStats>, tool: bool) -> Assessment {
        assess(&Evidence {
            query: q,
            hits,
            vector_top: None,
            term_stats: stats,
            tool_answered: tool,
        })
    }

    #[test]
    fn closer_vectors_and_better_coverage_mean_more_confidence() {
        let q = "What is the minimum paid-up capital of a PT PMA?";
        let text = "The minimum paid-up capital of a PT PMA is IDR 2.5 billion.";
        let near = verdict(q, &[hit("PT PMA capital", text, Some(0.90), Some(1))], None, false);
        let far = verdict(q, &[hit("PT PMA capital", text, Some(0.80), Some(1))], None, false);
        assert!(near.confidence > far.confidence, "{near:?} {far:?}");
        let off = verdict(
            q,
            &[hit("Nyepi", "The day of silence closes the airport.", Some(0.80), None)],
            None,
            false,
        );
        assert!(!off.answerable && off.confidence < far.confidence, "{off:?}");
        assert!(near.answerable, "{near:?}");
    }

    #[test]
    fn rare_words_no_passage_contains_weigh_more_than_common_ones_that_match() {
        // "custody" and "divorce" are rare in the knowledge base; "indonesia" and "children" are everywhere.
        let q = "custody children divorce Indonesia";
        let hits = [hit(
            "Family KITAS",
            "Children and spouses in Indonesia get a family KITAS.",
            Some(0.86),
            Some(1),
        )];
        let n = terms(q).len();
        assert_eq!(n, 4);
        let stats = TermStats {
            chunks: 3_000,
            df: vec![0, 400, 3, 2_500],
        };
        let with = verdict(q, &hits, Some(&stats), false);
        let without = verdict(q, &hits, None, false);
        assert!(with.signals.idf_coverage.unwrap() < with.signals.coverage, "{with:?}");
        assert!(with.signals.unknown_share.unwrap() > 0.3, "{with:?}");
        assert!(with.confidence < without.confidence);
        assert!(!with.answerable, "{with:?}");
    }

    #[test]
    fn a_tool_with_data_makes_a_question_answerable() {
        let off = verdict("harga visa C1?", &[], None, true);
        assert!(off.answerable && off.confidence >= 0.9);
        assert!(!verdict("harga visa C1?", &[], None, false).answerable);
    }
}
