//! Chat SSE events and the per-answer event log. Every event of an answer gets the id
//! `<message_id>:<n>`, so a client that reconnects with `Last-Event-ID` gets exactly what follows.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::llm::{FallbackNotice, StopReason};
use crate::sse;

/// An event of the chat stream. Its SSE form (name and JSON data) is made in one place, [`AnswerLog::push`]
/// over [`sse::frame`]; the data's keys come out sorted, as the PWA and the stored logs have them.
#[derive(Debug, Clone, PartialEq)]
pub enum ChatEvent {
    /// `meta`: the turn's ids, the planned model and how retrieval went.
    Meta(Meta),
    /// `meta` with `{"fallback": …}`: a provider failed and another takes over.
    Fallback(FallbackNotice),
    /// `tool`: a tool ran (or failed).
    Tool(ToolEvent),
    /// `token`: a piece of the answer, numbered from 0.
    Token { text: String, seq: u64 },
    /// `sources`: the numbered citations.
    Sources { sources: Vec<Value> },
    /// `done`: the answer is complete and stored.
    Done(Done),
    /// `error`: the turn failed (what was said is stored).
    Error { code: String, message: String },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Meta {
    pub conversation_id: String,
    pub session_id: String,
    pub message_id: String,
    pub model: Option<String>,
    pub provider: Option<String>,
    pub query_class: &'static str,
    pub retrieval_mode: &'static str,
    pub retrieval_notice: Option<String>,
    pub routed_to: Vec<String>,
    pub language: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolEvent {
    pub name: String,
    pub arguments: Value,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ToolError>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolError {
    pub code: String,
    pub message: String,
}

impl ToolEvent {
    pub fn ok(name: &str, arguments: &Value, summary: &str, result: Value) -> Self {
        Self {
            name: name.to_string(),
            arguments: arguments.clone(),
            ok: true,
            summary: Some(summary.to_string()),
            result: Some(result),
            error: None,
        }
    }
    pub fn failed(name: &str, arguments: &Value, code: &str, message: &str) -> Self {
        Self {
            name: name.to_string(),
            arguments: arguments.clone(),
            ok: false,
            summary: None,
            result: None,
            error: Some(ToolError {
                code: code.to_string(),
                message: message.to_string(),
            }),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TokenUsage {
    pub input_tokens: u64,
    pub output_tokens: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Done {
    pub usage: TokenUsage,
    pub latency_ms: u64,
    pub model: String,
    pub provider: String,
    pub fallbacks: u32,
    pub cost_usd: f64,
    pub message_id: String,
    pub conversation_id: String,
    pub finished_at: u64,
    pub answerable: bool,
    pub confidence: f64,
    /// Why the answer ended: `end_turn`, `max_tokens` (cut by the limit), `stop_sequence`, ...
    pub stop_reason: StopReason,
}

impl ChatEvent {
    /// The SSE event name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Meta(_) | Self::Fallback(_) => "meta",
            Self::Tool(_) => "tool",
            Self::Token { .. } => "token",
            Self::Sources { .. } => "sources",
            Self::Done(_) => "done",
            Self::Error { .. } => "error",
        }
    }

    /// The SSE data, as JSON (object keys sorted: `serde_json` without `preserve_order`).
    pub fn data(&self) -> Value {
        let v = match self {
            Self::Meta(m) => serde_json::to_value(m),
            Self::Fallback(n) => Ok(json!({ "fallback": n })),
            Self::Tool(t) => serde_json::to_value(t),
            Self::Token { text, seq } => Ok(json!({ "text": text, "seq": seq })),
            Self::Sources { sources } => Ok(json!({ "sources": sources })),
            Self::Done(d) => serde_json::to_value(d),
            Self::Error { code, message } => Ok(json!({ "code": code, "message": message })),
        };
        v.unwrap_or(Value::Null)
    }

    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Done(_) | Self::Error { .. })
    }
}

/// An event as kept in the stored log (the shape logs have always been stored in).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredEvent {
    pub name: String,
    pub data: Value,
}

/// The events of one answer, in order, as stored for resumption.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AnswerLog {
    pub message_id: String,
    pub events: Vec<StoredEvent>,
    pub finished: bool,
}

impl AnswerLog {
    pub fn new(message_id: &str) -> Self {
        Self {
            message_id: message_id.to_string(),
            events: Vec::new(),
            finished: false,
        }
    }

    /// Appends an event and returns its SSE frame.
    pub fn push(&mut self, event: &ChatEvent) -> String {
        self.finished |= event.is_terminal();
        self.events.push(StoredEvent {
            name: event.name().to_string(),
            data: event.data(),
        });
        self.frame(self.events.len() - 1)
    }

    /// The SSE frame of the `n`th event: the one place chat events become bytes.
    fn frame(&self, n: usize) -> String {
        let e = &self.events[n];
        sse::frame(
            Some(&format!("{}:{n}", self.message_id)),
            Some(&e.name),
            &e.data.to_string(),
        )
    }

    /// Frames of the events after `last_event_id` (all of them for an id of another answer or none).
    pub fn frames_after(&self, last_event_id: Option<&str>) -> Vec<String> {
        let start = last_event_id
            .and_then(|id| id.rsplit_once(':'))
            .filter(|(msg, _)| *msg == self.message_id)
            .and_then(|(_, n)| n.parse::<usize>().ok())
            .map(|n| n + 1)
            .unwrap_or(0);
        self.events
            .iter()
            .enumerate()
            .skip(start)
            .map(|(n, _)| self.frame(n))
            .collect()
    }
}

/// The message id named by a `Last-Event-ID` value.
pub fn message_of(last_event_id: &str) -> Option<&str> {
    last_event_id.rsplit_once(':').map(|(m, _)| m).filter(|m| !m.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resume_returns_exactly_what_follows_the_last_event() {
        let mut log = AnswerLog::new("m1");
        let first = log.push(&ChatEvent::Error {
            code: "x".into(),
            message: "y".into(),
        });
        log.finished = false;
        assert!(first.starts_with("id: m1:0\nevent: error\n"));
        for t in ["Hello", " world"] {
            log.push(&ChatEvent::Token { text: t.into(), seq: 0 });
        }
        log.push(&ChatEvent::Sources { sources: vec![] });
        log.finished = true;
        assert!(log.finished);
        let rest = log.frames_after(Some("m1:1"));
        assert_eq!(rest.len(), 2);
        assert!(rest[0].starts_with("id: m1:2\nevent: token\n") && rest[0].contains("world"));
        assert_eq!(log.frames_after(None).len(), 4);
        assert_eq!(log.frames_after(Some("other:1")).len(), 4);
        assert!(log.frames_after(Some("m1:3")).is_empty());
        assert_eq!(message_of("m1:3"), Some("m1"));
        assert_eq!(message_of("nonsense"), None);
    }
}
