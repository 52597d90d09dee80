//! The provider that needs nothing: an extractive answer from the retrieved passages and tool results
//! (composed by [`crate::answer::compose`]), streamed through the same path as a model's, so chat always answers.

use std::collections::VecDeque;

use crate::answer::compose;
pub use crate::answer::{AnswerContext, Passage, ToolResult};
pub use crate::lang::Lang;

use super::error::ProviderError;
use super::provider::{DeltaStream, LlmProvider};
use super::types::{ChatRequest, Delta, StopReason, Usage};

pub const NAME: &str = "offline";
pub const MODEL: &str = "offline-extractive";

/// The offline provider answers from this: the question, its language, the retrieved passages, the tools'
/// results and the answerability verdict.
pub type OfflineContext = AnswerContext;

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
        compose::compose(&ctx, req.continue_from.is_some())
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
        let (answer, stop_reason) = limited(self.answer(req), req.max_tokens, &req.stop);
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
        queue.push_back(Delta::Done { stop_reason });
        Ok(OfflineStream { queue })
    }
}

/// The limits a model would apply, so callers of the OpenAI API see the same behaviour offline: the answer
/// ends before the first stop sequence, and after about `max_tokens` tokens (≈ 4 characters each, cut at a
/// word boundary) with [`StopReason::MaxTokens`].
pub fn limited(mut answer: String, max_tokens: u32, stop: &[String]) -> (String, StopReason) {
    let mut reason = StopReason::EndTurn;
    if let Some(at) = stop
        .iter()
        .filter(|s| !s.is_empty())
        .filter_map(|s| answer.find(s.as_str()))
        .min()
    {
        answer.truncate(at);
        reason = StopReason::StopSequence;
    }
    let max_chars = (max_tokens as usize).saturating_mul(4);
    if answer.chars().count() > max_chars {
        let end = answer.char_indices().nth(max_chars).map_or(answer.len(), |(i, _)| i);
        let cut = answer[..end]
            .rfind(char::is_whitespace)
            .filter(|&i| i > 0)
            .unwrap_or(end);
        answer.truncate(cut);
        reason = StopReason::MaxTokens;
    }
    (answer, reason)
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
