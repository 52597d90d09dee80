//! When a provider continues another's cut-off answer, models often restate the last words, or the
//! whole answer, before going on. This filter holds back the start of the continuation until it can
//! tell, then drops what the client already has.

/// Below this many characters a match with the answer's tail is taken for coincidence.
const MIN_OVERLAP: usize = 12;
/// Characters held back (at most) before deciding, unless the continuation is replaying the answer.
const HOLD: usize = 40;

pub(crate) struct Overlap {
    /// The text the client already has; `None` once decided (or when not continuing).
    prior: Option<String>,
    pending: String,
}

impl Overlap {
    pub fn new(prior: Option<&str>) -> Self {
        Self {
            prior: prior.map(|p| p.trim_end().to_string()).filter(|p| !p.is_empty()),
            pending: String::new(),
        }
    }

    /// The part of `text` (with what was held before) to send now.
    pub fn push(&mut self, text: &str) -> String {
        let Some(prior) = &self.prior else {
            return text.to_string();
        };
        self.pending.push_str(text);
        let p = self.pending.trim_start();
        let replaying = prior.starts_with(p);
        if replaying || p.chars().count() < HOLD {
            return String::new();
        }
        self.resolve()
    }

    /// End of the continuation: whatever is still held, minus any overlap.
    pub fn finish(&mut self) -> String {
        if self.prior.is_none() {
            return String::new();
        }
        self.resolve()
    }

    fn resolve(&mut self) -> String {
        let prior = self.prior.take().unwrap_or_default();
        let pending = std::mem::take(&mut self.pending);
        let p = pending.trim_start();
        if p.is_empty() {
            return String::new();
        }
        let longest = (MIN_OVERLAP..=p.len().min(prior.len()))
            .rev()
            .find(|&k| p.is_char_boundary(k) && prior.ends_with(&p[..k]));
        match longest {
            Some(k) => p[k..].to_string(),
            None => {
                // A model continuing a trimmed answer tends to start without the space it needs.
                let glue = pending.starts_with(|c: char| c.is_alphanumeric())
                    && prior.ends_with(|c: char| c.is_alphanumeric() || ".,;:!?)".contains(c));
                if glue {
                    format!(" {pending}")
                } else {
                    pending
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(prior: &str, pieces: &[&str]) -> String {
        let mut o = Overlap::new(Some(prior));
        let mut out: String = pieces.iter().map(|p| o.push(p)).collect();
        out.push_str(&o.finish());
        out
    }

    #[test]
    fn drops_a_restated_tail() {
        let prior = "The C1 visa costs IDR 2,300,000 for";
        let got = run(prior, &["IDR 2,300,000 for", " 60 days and can be extended", " once."]);
        assert_eq!(got, " 60 days and can be extended once.");
    }

    #[test]
    fn drops_a_full_replay() {
        let prior = "Line one.\nLine two is here";
        assert_eq!(
            run(prior, &["Line one.\n", "Line two is here", ", and three."]),
            ", and three."
        );
    }

    #[test]
    fn keeps_a_clean_continuation_adding_a_missing_space() {
        assert_eq!(
            run("The fee is", &["IDR 1,700,000 per extension of thirty days."]),
            " IDR 1,700,000 per extension of thirty days."
        );
        assert_eq!(run("The fee is", &[" IDR 1,700,000"]), " IDR 1,700,000");
        assert_eq!(run("Done.", &["\n\n- extract [1]"]), "\n\n- extract [1]");
        assert_eq!(run("The fee is", &[", roughly,", " IDR 1.7m"]), ", roughly, IDR 1.7m");
    }

    #[test]
    fn short_coincidences_are_not_overlaps_and_passthrough_without_prior() {
        assert_eq!(
            run("It is valid for 30 days", &["days later you must leave the country."]),
            " days later you must leave the country."
        );
        let mut o = Overlap::new(None);
        assert_eq!(o.push("abc"), "abc");
        assert_eq!(o.finish(), "");
    }
}
