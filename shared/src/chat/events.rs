//! Chat SSE events and the per-answer event log. Every event of an answer gets the id
//! `<message_id>:<n>`, so a client that reconnects with `Last-Event-ID` gets exactly what follows.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::sse;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatEvent {
    pub name: String,
    pub data: Value,
}

impl ChatEvent {
    pub fn new(name: &str, data: Value) -> Self {
        Self {
            name: name.to_string(),
            data,
        }
    }
    pub fn is_terminal(&self) -> bool {
        self.name == "done" || self.name == "error"
    }
}

/// The events of one answer, in order, as stored for resumption.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AnswerLog {
    pub message_id: String,
    pub events: Vec<ChatEvent>,
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
    pub fn push(&mut self, event: ChatEvent) -> String {
        let n = self.events.len();
        self.finished |= event.is_terminal();
        let frame = sse::frame(
            Some(&format!("{}:{n}", self.message_id)),
            Some(&event.name),
            &event.data.to_string(),
        );
        self.events.push(event);
        frame
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
            .map(|(n, e)| {
                sse::frame(
                    Some(&format!("{}:{n}", self.message_id)),
                    Some(&e.name),
                    &e.data.to_string(),
                )
            })
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
    use serde_json::json;

    #[test]
    fn resume_returns_exactly_what_follows_the_last_event() {
        let mut log = AnswerLog::new("m1");
        let first = log.push(ChatEvent::new("meta", json!({ "model": "offline" })));
        assert!(first.starts_with("id: m1:0\nevent: meta\n"));
        for t in ["Hello", " world"] {
            log.push(ChatEvent::new("token", json!({ "text": t })));
        }
        log.push(ChatEvent::new("done", json!({})));
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
