//! Answers from the knowledge base without a model: what was retrieved, split into statements
//! ([`units`]), the ones that carry the answer quoted and cited in the reader's language ([`compose`]),
//! and the judgement of whether the sources answer the question at all ([`assess`]), which every answer
//! reports (`answerable`, `confidence`), whichever provider wrote it.

mod asked;
pub mod assess;
pub mod compose;
pub mod courtesy;
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

/// Whether a word matches a term: exactly, as a prefix (4+ letters: "visa"/"visas"), or with a shared stem of
/// 6+ letters ("categorie"/"categoria"). Every way to match needs the same first character, which the caller
/// has checked; `tl` and `wl` are the lengths in characters.
fn stem_match_counted(term: &str, tl: usize, word: &str, wl: usize) -> bool {
    if term == word || (tl >= 4 && word.starts_with(term)) || (wl >= 5 && term.starts_with(word)) {
        return true;
    }
    let common = term.chars().zip(word.chars()).take_while(|(a, b)| a == b).count();
    common >= 6 && common * 10 >= tl.min(wl) * 8
}

/// Which of a fixed list of terms a text's words match ([`stem_match_counted`]). The composer and the verdict ask
/// about every word of every passage and statement: a word is compared only with the terms that start with
/// its first byte (usually none or one), as the reranker's needles are.
pub(crate) struct TermMatcher<'t> {
    terms: &'t [String],
    /// Each term's length in characters.
    lens: Vec<usize>,
    /// The terms by their first byte.
    by_first: Vec<Vec<usize>>,
}

impl<'t> TermMatcher<'t> {
    pub(crate) fn new(terms: &'t [String]) -> Self {
        let mut by_first = vec![Vec::new(); 256];
        for (i, t) in terms.iter().enumerate() {
            // An empty term matches no word (words are never empty).
            if let Some(&b) = t.as_bytes().first() {
                by_first[usize::from(b)].push(i);
            }
        }
        Self {
            terms,
            lens: terms.iter().map(|t| t.chars().count()).collect(),
            by_first,
        }
    }

    /// The terms any word of `text` matches (bit `i` for `terms[i]`).
    pub(crate) fn matches(&self, text: &str) -> Bits {
        let mut set = Bits::new(self.terms.len());
        for_each_word(text, |w| {
            let near = &self.by_first[usize::from(w.as_bytes()[0])];
            if near.is_empty() {
                return;
            }
            let wl = w.chars().count();
            for &i in near {
                if stem_match_counted(&self.terms[i], self.lens[i], w, wl) {
                    set.set(i);
                }
            }
        });
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::words::words;

    /// The rule pair by pair, as the matcher applied it before it grouped the terms by first byte.
    fn stem_match(term: &str, word: &str) -> bool {
        if term == word {
            return true;
        }
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

    /// Each term is found as the pairwise rule finds it (terms sharing a first byte, accented first letters,
    /// prefixes both ways, shared stems), and terms past the 64th get their own bits.
    #[test]
    fn the_matcher_finds_what_stem_match_finds() {
        let mut terms: Vec<String> = (0..70).map(|i| format!("filler{i:02}x")).collect();
        for (i, t) in [
            (3, "visa"),
            (4, "visto"),
            (5, "vis"),
            (6, "società"),
            (7, "élite"),
            (8, "categ"),
            (9, "eta"),
            (65, "categoria"),
            (66, "pt"),
            (67, "permesso"),
        ] {
            terms[i] = t.into();
        }
        let m = TermMatcher::new(&terms);
        let text = "Le VISAS e le categorie della PT: visti, società, èlite, Élite, eta' permessi filler03xyz permes";
        let set = m.matches(text);
        for (i, t) in terms.iter().enumerate() {
            let expected = words(text).iter().any(|w| stem_match(t, w));
            assert_eq!(set.has(i), expected, "{t}");
        }
        assert!(set.has(3) && set.has(65) && set.has(66) && set.has(67) && !set.has(0) && !set.has(5));
        assert!(!m.matches("nothing here").has(3));
        assert!(!m.matches(text).has(70), "out of range is not a member");
    }
}
