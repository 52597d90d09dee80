//! The Graph API port: `POST {WHATSAPP_API_BASE}/{phone-number-id}/messages` with a bearer token. The
//! message shapes (a text, or an approved template with body parameters, which the renewal reminders send),
//! how a response is read (accepted with Meta's `wamid`, worth retrying, or refused for good), and the
//! retry delays. The worker implements [`GraphApi`] over `fetch`; [`fake::FakeGraph`] serves native tests.
#![allow(async_fn_in_trait)] // single-threaded WASM: the futures need not be Send.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// A message to send. Stored as JSON in the outbox until Meta accepts it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OutgoingMessage {
    Text {
        /// The recipient's digits (`wa_id`, or an [`super::E164`]'s `digits()`).
        to: String,
        body: String,
    },
    /// An approved template: the only kind of message allowed outside the 24-hour window after the
    /// client's last message (renewal reminders). `params` fill the body's `{{1}}`, `{{2}}`…
    Template {
        to: String,
        name: String,
        language: String,
        params: Vec<String>,
    },
}

impl OutgoingMessage {
    pub fn to(&self) -> &str {
        match self {
            Self::Text { to, .. } | Self::Template { to, .. } => to,
        }
    }

    /// The request body of `POST /{phone-number-id}/messages`.
    pub fn to_graph_json(&self) -> Value {
        match self {
            Self::Text { to, body } => json!({
                "messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
                "type": "text", "text": { "preview_url": false, "body": body }
            }),
            Self::Template {
                to,
                name,
                language,
                params,
            } => {
                let mut template = json!({ "name": name, "language": { "code": language } });
                if !params.is_empty() {
                    let parameters: Vec<Value> = params.iter().map(|p| json!({ "type": "text", "text": p })).collect();
                    template["components"] = json!([{ "type": "body", "parameters": parameters }]);
                }
                json!({ "messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
                        "type": "template", "template": template })
            }
        }
    }
}

/// Meta accepted the message; `wamid` is the id its status callbacks will name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub wamid: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// 429, 5xx, Meta's throttling codes, a timeout or a connection failure: the queue tries again later.
    Retryable {
        status: Option<u16>,
        retry_after_secs: Option<u32>,
        detail: String,
    },
    /// Refused for good (a bad recipient, a token without permission): retrying cannot help.
    Permanent { status: u16, detail: String },
}

impl SendError {
    pub fn retryable(detail: impl Into<String>) -> Self {
        Self::Retryable {
            status: None,
            retry_after_secs: None,
            detail: detail.into(),
        }
    }

    pub fn detail(&self) -> String {
        match self {
            Self::Retryable {
                status: Some(s),
                detail,
                ..
            }
            | Self::Permanent { status: s, detail } => format!("HTTP {s}: {detail}"),
            Self::Retryable { detail, .. } => detail.clone(),
        }
    }
}

/// Meta's error codes that mean "later" even when the HTTP status is 400: rate limits (130429, 131056),
/// temporary failures (131000, 131016, 133004).
const RETRYABLE_CODES: &[i64] = &[130429, 131056, 131000, 131016, 133004];
const MAX_DETAIL: usize = 300;

/// Reads a Graph API response.
pub fn read_response(status: u16, retry_after: Option<&str>, body: &str) -> Result<Accepted, SendError> {
    let json: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    if (200..300).contains(&status) {
        return Ok(Accepted {
            wamid: json["messages"][0]["id"].as_str().map(str::to_string),
        });
    }
    let code = json["error"]["code"].as_i64();
    let message = json["error"]["message"].as_str().unwrap_or(body);
    let detail: String = match code {
        Some(c) => format!("{c} {message}"),
        None => message.to_string(),
    }
    .chars()
    .take(MAX_DETAIL)
    .collect();
    if status == 429 || status == 408 || status >= 500 || code.is_some_and(|c| RETRYABLE_CODES.contains(&c)) {
        Err(SendError::Retryable {
            status: Some(status),
            retry_after_secs: retry_after.and_then(|v| v.trim().parse().ok()),
            detail,
        })
    } else {
        Err(SendError::Permanent { status, detail })
    }
}

/// Sends messages to WhatsApp.
pub trait GraphApi {
    async fn send(&self, message: &OutgoingMessage) -> Result<Accepted, SendError>;
}

/// How long the queue waits before the next try: `base` doubled per failed attempt (1st retry: `base`),
/// at least what a `Retry-After` asked, at most 15 minutes.
pub fn retry_delay_secs(attempts: u32, base_secs: u32, retry_after_secs: Option<u32>) -> u32 {
    const MAX: u32 = 900;
    let exp = attempts.saturating_sub(1).min(16);
    let backoff = base_secs.saturating_mul(1u32 << exp).min(MAX);
    backoff.max(retry_after_secs.unwrap_or(0).min(MAX))
}

/// Sends `pending` in order, reporting each result to `record`. Stops at the first retryable failure (the
/// rest waits for the retry, so the parts of an answer arrive in order); a permanent failure is recorded
/// and the next part still goes out.
pub async fn deliver<G: GraphApi, K>(
    graph: &G,
    pending: &[(K, OutgoingMessage)],
    mut record: impl AsyncFnMut(&K, &Result<Accepted, SendError>),
) -> Result<(), SendError> {
    for (key, message) in pending {
        let result = graph.send(message).await;
        record(key, &result).await;
        if let Err(e @ SendError::Retryable { .. }) = result {
            return Err(e);
        }
    }
    Ok(())
}

/// An in-memory Graph API for native tests: records what it was asked to send and answers from a script.
pub mod fake {
    use std::cell::RefCell;

    use super::*;

    #[derive(Default)]
    pub struct FakeGraph {
        pub sent: RefCell<Vec<OutgoingMessage>>,
        /// Answers for the next calls, in order; when empty, the message is accepted.
        pub script: RefCell<Vec<Result<Accepted, SendError>>>,
    }

    impl GraphApi for FakeGraph {
        async fn send(&self, message: &OutgoingMessage) -> Result<Accepted, SendError> {
            self.sent.borrow_mut().push(message.clone());
            let mut script = self.script.borrow_mut();
            if script.is_empty() {
                let n = self.sent.borrow().len();
                Ok(Accepted {
                    wamid: Some(format!("wamid.fake{n}")),
                })
            } else {
                script.remove(0)
            }
        }
    }
}

#[cfg(test)]
#[path = "graph_tests.rs"]
mod tests;
