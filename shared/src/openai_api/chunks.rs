//! The chat completion as OpenAI clients read it: a `chat.completion` document, or a stream of
//! `chat.completion.chunk`s in OpenAI's order: a first chunk with `delta.role`, the content chunks, a chunk
//! with `finish_reason`, with `stream_options.include_usage` a usage chunk with empty `choices`, then
//! `data: [DONE]`. Built from the turn's [`ChatEvent`]s, so the worker only forwards frames.

use serde_json::{json, Value};

use super::errors;
use crate::chat::events::TokenUsage;
use crate::chat::ChatEvent;
use crate::error::{ApiError, ErrorCode};
use crate::llm::StopReason;
use crate::sse;

/// OpenAI's `finish_reason` for a provider's stop reason. Tool calls are run by this service, not
/// returned to the client, so a turn that ends on one still reads as `stop`.
pub fn finish_reason(r: &StopReason) -> &'static str {
    match r {
        StopReason::MaxTokens => "length",
        StopReason::ContentFilter => "content_filter",
        StopReason::EndTurn | StopReason::StopSequence | StopReason::ToolUse | StopReason::Other(_) => "stop",
    }
}

pub fn usage(u: &TokenUsage) -> Value {
    json!({
        "prompt_tokens": u.input_tokens,
        "completion_tokens": u.output_tokens,
        "total_tokens": u.input_tokens + u.output_tokens,
    })
}

/// Who the completion is: its id, model (as asked) and creation time (Unix seconds).
#[derive(Debug, Clone)]
pub struct Header {
    pub id: String,
    pub model: String,
    pub created: u64,
}

/// The non-streaming response. `extra` is this service's own data (sources, tools, provider), kept under
/// a `nuzantara` key that OpenAI clients ignore.
pub fn completion(h: &Header, answer: &str, stop: &StopReason, u: &TokenUsage, extra: Value) -> Value {
    json!({
        "id": h.id, "object": "chat.completion", "created": h.created, "model": h.model,
        "choices": [{ "index": 0, "message": { "role": "assistant", "content": answer },
                      "finish_reason": finish_reason(stop), "logprobs": null }],
        "usage": usage(u),
        "nuzantara": extra,
    })
}

/// Turns a turn's events into SSE frames of chunks.
#[derive(Debug)]
pub struct ChunkWriter {
    header: Header,
    include_usage: bool,
    started: bool,
    ended: bool,
}

impl ChunkWriter {
    pub fn new(header: Header, include_usage: bool) -> Self {
        Self {
            header,
            include_usage,
            started: false,
            ended: false,
        }
    }

    fn chunk(&self, choices: Value, usage: Value) -> Value {
        let mut c = json!({ "id": self.header.id, "object": "chat.completion.chunk",
                            "created": self.header.created, "model": self.header.model, "choices": choices });
        // With include_usage every chunk has the key, null until the last one (as OpenAI sends it).
        if self.include_usage {
            c["usage"] = usage;
        }
        c
    }

    fn delta(&self, delta: Value, finish: Option<&str>) -> Value {
        self.chunk(
            json!([{ "index": 0, "delta": delta, "finish_reason": finish, "logprobs": null }]),
            Value::Null,
        )
    }

    /// The `data:` payloads (JSON text, or `[DONE]`) this event adds to the stream, in order.
    pub fn payloads(&mut self, e: &ChatEvent) -> Vec<String> {
        if self.ended {
            return Vec::new();
        }
        let mut out = Vec::new();
        if !self.started && matches!(e, ChatEvent::Meta(_) | ChatEvent::Token { .. } | ChatEvent::Done(_)) {
            self.started = true;
            out.push(self.delta(json!({ "role": "assistant", "content": "" }), None));
        }
        match e {
            ChatEvent::Token { text, .. } => out.push(self.delta(json!({ "content": text }), None)),
            ChatEvent::Done(d) => {
                out.push(self.delta(json!({}), Some(finish_reason(&d.stop_reason))));
                if self.include_usage {
                    out.push(self.chunk(json!([]), usage(&d.usage)));
                }
            }
            ChatEvent::Error { code, message } => {
                let code = match code.as_str() {
                    "upstream_unavailable" => ErrorCode::UpstreamUnavailable,
                    _ => ErrorCode::Internal,
                };
                out.push(errors::body(&ApiError::new(code, message.clone())));
            }
            _ => {}
        }
        let mut texts: Vec<String> = out.iter().map(Value::to_string).collect();
        if e.is_terminal() {
            self.ended = true;
            texts.push("[DONE]".into());
        }
        texts
    }

    /// The same, framed for the wire.
    pub fn frames(&mut self, e: &ChatEvent) -> Vec<String> {
        self.payloads(e).iter().map(|p| sse::frame(None, None, p)).collect()
    }
}

#[cfg(test)]
#[path = "chunks_tests.rs"]
mod tests;
