//! Answers from the knowledge base without a model: what was retrieved, split into statements
//! ([`units`]), the ones that carry the answer quoted and cited in the reader's language ([`compose`]),
//! and the judgement of whether the sources answer the question at all ([`assess`]), which every answer
//! reports (`answerable`, `confidence`), whichever provider wrote it.

mod asked;
pub mod assess;
pub mod compose;
mod phrases;
pub mod units;

use serde::{Deserialize, Serialize};

use crate::lang::Lang;
use crate::search::words::{for_each_word, Bits};

/// A retrieved passage. Its position in the list is its citation number, from 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Passage {
    pub title: String,
    /// How the source is cited, e.g. `PP 28/2025 Pasal 211`.
    pub label: String,
    pub text: String,
}

/// A tool's output: `summary` is shown as is; without one, `value` is rendered (prices formatted).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolResult {
    pub name: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub value: serde_json::Value,
}

impl ToolResult {
    /// How many matches a lookup returned (prices, KBLI codes); `None` for a tool that is not a lookup, or a
    /// value without its list.
    pub fn lookup_matches(&self) -> Option<usize> {
        let list = match self.name.as_str() {
            "get_pricing" => "services",
            "kbli_lookup" => "codes",
            _ => return None,
        };
        self.value[list].as_array().map(Vec::len)
    }

    /// A lookup that matched nothing (no price, no KBLI code): its line says so, and it answers nothing.
    pub fn found_nothing(&self) -> bool {
        self.lookup_matches() == Some(0)
    }
}

/// What an answer is composed from.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AnswerContext {
    /// The user's question; empty means the last user turn of the request.
    pub query: String,
    pub lang: Lang,
    pub passages: Vec<Passage>,
    pub tool_results: Vec<ToolResult>,
    /// The assessment's verdict: `Some(false)` makes the composer abstain (unless a tool answered).
    #[serde(default)]
    pub answerable: Option<bool>,
    #[serde(default)]
    pub confidence: Option<f64>,
}

pub(crate) use crate::search::words::words;

/// A word matches a term exactly, as a prefix (4+ letters: "visa"/"visas"), or with a shared stem of 6+
/// letters ("categorie"/"categoria").
pub(crate) fn stem_match(term: &str, word: &str) -> bool {
    if term == word {
        return true;
    }
    // Every other way to match starts both with the same character (most pairs differ there).
    if term.as_bytes().first() != word.as_bytes().first() {
        return false;
    }
    let (tl, wl) = (term.chars().count(), word.chars().count());
    if (tl >= 4 && word.starts_with(term)) || (wl >= 5 && term.starts_with(word)) {
        return true;
    }
    let common = term.chars().zip(word.chars()).take_while(|(a, b)| a == b).count();
    common >= 6 && common * 10 >= tl.min(wl) * 8
}

/// Which of a fixed list of terms a text's words match ([`stem_match`]), remembered per distinct word: the
/// composer asks about the same few hundred words for every statement of every passage, and the pairwise
/// comparison was its largest cost.
pub(crate) struct TermMatcher<'t> {
    terms: &'t [String],
    seen: rustc_hash::FxHashMap<String, Bits>,
}

impl<'t> TermMatcher<'t> {
    pub(crate) fn new(terms: &'t [String]) -> Self {
        Self {
            terms,
            seen: Default::default(),
        }
    }

    /// The terms any word of `text` matches (bit `i` for `terms[i]`).
    pub(crate) fn matches(&mut self, text: &str) -> Bits {
        let mut set = Bits::new(self.terms.len());
        let (terms, seen) = (self.terms, &mut self.seen);
        for_each_word(text, |w| {
            let bits = match seen.get(w) {
                Some(bits) => bits,
                None => {
                    let mut bits = Bits::new(terms.len());
                    for (i, t) in terms.iter().enumerate() {
                        if stem_match(t, w) {
                            bits.set(i);
                        }
                    }
                    seen.entry(w.to_string()).or_insert(bits)
                }
            };
            set.add(bits);
        });
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each term is found as `stem_match` finds it, the same on a second look (from the remembered words), and
    /// terms past the 64th get their own bits.
    #[test]
    fn the_matcher_finds_what_stem_match_finds() {
        let mut terms: Vec<String> = (0..70).map(|i| format!("filler{i:02}x")).collect();
        terms[3] = "visa".into();
        terms[65] = "categoria".into();
        terms[66] = "pt".into();
        let mut m = TermMatcher::new(&terms);
        let text = "Le VISAS e le categorie della PT";
        for _ in 0..2 {
            let set = m.matches(text);
            for (i, t) in terms.iter().enumerate() {
                let expected = words(text).iter().any(|w| stem_match(t, w));
                assert_eq!(set.has(i), expected, "{t}");
            }
            assert!(set.has(3) && set.has(65) && set.has(66) && !set.has(0));
        }
        assert!(!m.matches("nothing here").has(3));
        assert!(!m.matches(text).has(70), "out of range is not a member");
    }
}
