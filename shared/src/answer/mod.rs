//! Answers from the knowledge base without a model: what was retrieved, split into statements
//! ([`units`]), the ones that carry the answer quoted and cited in the reader's language ([`compose`]),
//! and the judgement of whether the sources answer the question at all ([`assess`]), which every answer
//! reports (`answerable`, `confidence`), whichever provider wrote it.

pub mod assess;
pub mod compose;
mod phrases;
pub mod units;

use serde::{Deserialize, Serialize};

use crate::lang::Lang;
use crate::search::analyze::normalise;

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

/// Normalised words of a text (lowercase, no diacritics).
pub(crate) fn words(text: &str) -> Vec<String> {
    normalise(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// A word matches a term exactly, as a prefix (4+ letters: "visa"/"visas"), or with a shared stem of 6+
/// letters ("categorie"/"categoria").
pub(crate) fn stem_match(term: &str, word: &str) -> bool {
    if term == word {
        return true;
    }
    let (tl, wl) = (term.chars().count(), word.chars().count());
    if (tl >= 4 && word.starts_with(term)) || (wl >= 5 && term.starts_with(word)) {
        return true;
    }
    let common = term.chars().zip(word.chars()).take_while(|(a, b)| a == b).count();
    common >= 6 && common * 10 >= tl.min(wl) * 8
}
