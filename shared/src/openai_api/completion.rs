//! `POST /v1/chat/completions` bodies: parsed leniently (clients send fields we do not use), validated
//! strictly where a value would change the answer, and turned into a [`ValidChat`] whose last user message
//! is the question and whose earlier messages (system ones included) are context.

use serde::Deserialize;
use serde_json::Value;

use super::AUTO;
use crate::chat::{ChatInput, Generation, ValidChat};
use crate::error::{ApiError, ErrorCode};
use crate::llm::ChatMessage;

/// The most a caller may ask a model to write in one answer.
pub const MAX_COMPLETION_TOKENS: u32 = 4_096;
pub const MAX_MESSAGES: usize = 100;
pub const MAX_STOP: usize = 4;

#[derive(Debug, Deserialize)]
pub struct InMessage {
    pub role: String,
    #[serde(default)]
    pub content: Value,
}

#[derive(Debug, Default, Deserialize)]
pub struct StreamOptions {
    #[serde(default)]
    pub include_usage: bool,
}

/// The body as sent. Numbers are kept as JSON values so a wrong type is a 400 naming the field.
#[derive(Debug, Deserialize)]
pub struct CompletionRequest {
    pub model: String,
    pub messages: Vec<InMessage>,
    #[serde(default)]
    pub stream: bool,
    #[serde(default)]
    pub stream_options: Option<StreamOptions>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub max_tokens: Option<Value>,
    #[serde(default)]
    pub max_completion_tokens: Option<Value>,
    #[serde(default)]
    pub temperature: Option<Value>,
    #[serde(default)]
    pub top_p: Option<Value>,
    #[serde(default)]
    pub stop: Option<Value>,
    #[serde(default)]
    pub n: Option<Value>,
}

/// A request ready to run.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    pub chat: ValidChat,
    /// The model name as asked (echoed in the response).
    pub model: String,
    pub stream: bool,
    pub include_usage: bool,
}

fn invalid(param: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::BadRequest, message).with_param(param)
}

/// The text of a message's `content`: a string, or the array form's `text` parts. Other parts (images,
/// audio) are refused rather than silently dropped.
fn text_of(content: &Value, param: &str) -> Result<String, ApiError> {
    match content {
        Value::String(s) => Ok(s.clone()),
        Value::Null => Ok(String::new()),
        Value::Array(parts) => parts
            .iter()
            .map(|p| match (p["type"].as_str(), p["text"].as_str()) {
                (Some("text") | None, Some(t)) => Ok(t),
                _ => Err(invalid(param, "only text content parts are supported")),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(|t| t.join("\n")),
        _ => Err(invalid(param, "content must be a string or an array of text parts")),
    }
}

fn number(v: &Option<Value>, param: &str, lo: f64, hi: f64) -> Result<Option<f32>, ApiError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(x) => match x.as_f64().filter(|f| (lo..=hi).contains(f)) {
            Some(f) => Ok(Some(f as f32)),
            None => Err(invalid(param, format!("{param} must be a number from {lo} to {hi}"))),
        },
    }
}

fn max_tokens(r: &CompletionRequest) -> Result<Option<u32>, ApiError> {
    let (param, v) = match (&r.max_completion_tokens, &r.max_tokens) {
        (Some(v), _) if !v.is_null() => ("max_completion_tokens", v),
        (_, Some(v)) if !v.is_null() => ("max_tokens", v),
        _ => return Ok(None),
    };
    v.as_u64()
        .filter(|n| (1..=MAX_COMPLETION_TOKENS as u64).contains(n))
        .map(|n| Some(n as u32))
        .ok_or_else(|| {
            invalid(
                param,
                format!("{param} must be an integer from 1 to {MAX_COMPLETION_TOKENS}"),
            )
        })
}

fn stop(v: &Option<Value>) -> Result<Vec<String>, ApiError> {
    let list: Vec<String> = match v {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .map(|s| s.as_str().map(String::from))
            .collect::<Option<_>>()
            .ok_or_else(|| invalid("stop", "stop must be a string or an array of strings"))?,
        Some(_) => return Err(invalid("stop", "stop must be a string or an array of strings")),
    };
    if list.len() > MAX_STOP || list.iter().any(|s| s.is_empty() || s.chars().count() > 100) {
        return Err(invalid(
            "stop",
            format!("stop takes at most {MAX_STOP} non-empty sequences of up to 100 characters"),
        ));
    }
    Ok(list)
}

impl CompletionRequest {
    /// `models`: the provider names and models configured (besides [`AUTO`]).
    pub fn validate(self, models: &[&str]) -> Result<Completion, ApiError> {
        if self.model != AUTO && !models.contains(&self.model.as_str()) {
            let shown: String = self.model.chars().take(60).collect();
            return Err(ApiError::new(
                ErrorCode::ModelNotFound,
                format!("The model `{shown}` does not exist; see GET /v1/models"),
            )
            .with_param("model"));
        }
        if self.n.as_ref().is_some_and(|n| !n.is_null() && n.as_u64() != Some(1)) {
            return Err(invalid("n", "only n = 1 is supported"));
        }
        if self.stream_options.is_some() && !self.stream {
            return Err(invalid(
                "stream_options",
                "stream_options is only allowed when stream is true",
            ));
        }
        if self.messages.is_empty() || self.messages.len() > MAX_MESSAGES {
            return Err(invalid(
                "messages",
                format!("messages must hold 1 to {MAX_MESSAGES} messages"),
            ));
        }
        let generation = Generation {
            max_tokens: max_tokens(&self)?,
            temperature: number(&self.temperature, "temperature", 0.0, 2.0)?,
            top_p: number(&self.top_p, "top_p", 0.0, 1.0)?,
            stop: stop(&self.stop)?,
        };
        let mut turns = Vec::new();
        for (i, m) in self.messages.iter().enumerate() {
            let param = format!("messages[{i}].content");
            let text = text_of(&m.content, &param)?;
            turns.push(match m.role.as_str() {
                "system" | "developer" => ChatMessage::system(text),
                "user" => ChatMessage::user(text),
                "assistant" => ChatMessage::assistant(text),
                // Results of tools the client ran: context the model can read.
                "tool" | "function" => ChatMessage::user(format!("Tool result:\n{text}")),
                other => {
                    let shown: String = other.chars().take(30).collect();
                    return Err(invalid(
                        &format!("messages[{i}].role"),
                        format!("unknown role {shown:?}"),
                    ));
                }
            });
        }
        // The question is the last user message; what follows it (an assistant prefill) is not used.
        let last = self
            .messages
            .iter()
            .rposition(|m| m.role == "user")
            .filter(|&i| !turns[i].content.trim().is_empty())
            .ok_or_else(|| invalid("messages", "messages must include a non-empty user message"))?;
        let query = turns[last].content.clone();
        turns.truncate(last);
        turns.retain(|m| !m.content.trim().is_empty());
        // A stable `user` maps to a session, so follow-up calls from one end user share a session.
        let session_id = self.user.filter(|u| {
            !u.is_empty() && u.len() <= 128 && u.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
        let model = (self.model != AUTO).then(|| self.model.clone());
        let mut chat = ChatInput {
            query,
            session_id,
            conversation_id: None,
            collections: None,
            language: None,
            model,
        }
        .validate(models)
        .map_err(|e| ApiError {
            code: ErrorCode::BadRequest,
            param: Some("messages".into()),
            ..e
        })?;
        chat.context = turns;
        chat.generation = generation;
        Ok(Completion {
            chat,
            include_usage: self.stream_options.is_some_and(|o| o.include_usage),
            model: self.model,
            stream: self.stream,
        })
    }
}

#[cfg(test)]
#[path = "completion_tests.rs"]
mod tests;
