//! The provider that needs nothing: an extractive answer from the retrieved passages and tool results,
//! streamed through the same path as a model's, so chat always answers.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use super::error::ProviderError;
use super::extract;
use super::provider::{DeltaStream, LlmProvider};
use super::types::{ChatRequest, Delta, StopReason, Usage};

pub const NAME: &str = "offline";
pub const MODEL: &str = "offline-extractive";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    Id,
    It,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Id => "id",
            Self::It => "it",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code.trim().to_ascii_lowercase().get(..2)? {
            "en" => Some(Self::En),
            "id" | "in" => Some(Self::Id),
            "it" => Some(Self::It),
            _ => None,
        }
    }

    /// Best guess from function words, for when the client did not say; English on a tie.
    pub fn detect(text: &str) -> Self {
        let words = extract::words(text);
        let count = |list: &[&str]| words.iter().filter(|w| list.contains(&w.as_str())).count();
        let (id, it) = (count(extract::STOP_ID), count(extract::STOP_IT));
        let en = count(extract::STOP_EN);
        if id > en && id >= it {
            Self::Id
        } else if it > en && it > id {
            Self::It
        } else {
            Self::En
        }
    }
}

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

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct OfflineContext {
    /// The user's question; empty means the last user turn of the request.
    pub query: String,
    pub lang: Lang,
    pub passages: Vec<Passage>,
    pub tool_results: Vec<ToolResult>,
}

/// Built per request, since it answers from that request's retrieval results.
#[derive(Debug, Clone)]
pub struct OfflineProvider {
    ctx: OfflineContext,
}

impl OfflineProvider {
    pub fn new(ctx: OfflineContext) -> Self {
        Self { ctx }
    }

    /// The whole answer, as it will be streamed. When `continuing`, a model's partial answer is already
    /// on screen: no lead sentence, just a paragraph break and the extract.
    pub fn answer(&self, req: &ChatRequest) -> String {
        let mut ctx = self.ctx.clone();
        if ctx.query.trim().is_empty() {
            ctx.query = req.last_user_text().unwrap_or("").to_string();
        }
        extract::compose(&ctx, req.continue_from.is_some())
    }
}

impl LlmProvider for OfflineProvider {
    type Stream = OfflineStream;

    fn name(&self) -> &str {
        NAME
    }

    fn model(&self) -> &str {
        MODEL
    }

    async fn start(&self, req: &ChatRequest) -> Result<OfflineStream, ProviderError> {
        let answer = self.answer(req);
        let source_chars: usize =
            self.ctx.passages.iter().map(|p| p.text.chars().count()).sum::<usize>() + self.ctx.query.chars().count();
        let usage = Usage::new(
            (source_chars.div_ceil(4) as u64).max(req.estimated_input_tokens()),
            answer.chars().count().div_ceil(4) as u64,
        );
        let mut queue: VecDeque<Delta> = word_groups(&answer, WORDS_PER_DELTA)
            .map(|g| Delta::Text(g.to_string()))
            .collect();
        queue.push_back(Delta::Usage(usage));
        queue.push_back(Delta::Done {
            stop_reason: StopReason::EndTurn,
        });
        Ok(OfflineStream { queue })
    }
}

const WORDS_PER_DELTA: usize = 6;

/// Splits `text` into pieces of `n` words each (whitespace kept with the word it precedes), so the
/// pieces concatenate back to `text` exactly.
pub fn word_groups(text: &str, n: usize) -> impl Iterator<Item = &str> {
    let mut cuts = Vec::new();
    let mut words = 0;
    let mut prev_space = true;
    for (i, c) in text.char_indices() {
        let space = c.is_whitespace();
        if prev_space && !space {
            if words > 0 && words % n.max(1) == 0 {
                // Cut before the whitespace preceding this word, so each piece starts with its space.
                let cut = text[..i].trim_end().len();
                cuts.push(cut);
            }
            words += 1;
        }
        prev_space = space;
    }
    cuts.push(text.len());
    let mut start = 0;
    cuts.into_iter().filter(|&c| c > 0).map(move |end| {
        let piece = &text[start..end];
        start = end;
        piece
    })
}

pub struct OfflineStream {
    queue: VecDeque<Delta>,
}

impl DeltaStream for OfflineStream {
    async fn next(&mut self) -> Option<Result<Delta, ProviderError>> {
        self.queue.pop_front().map(Ok)
    }
}

#[cfg(test)]
#[path = "offline_tests.rs"]
mod tests;
