//! `POST /bali-zero/chat(-stream)` bodies, validated before anything runs.

use serde::Deserialize;

use crate::error::ApiError;
use crate::ids::EntityId;
use crate::llm::{ChatMessage, Lang};

pub const MAX_QUERY_CHARS: usize = 4_000;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChatInput {
    pub query: String,
    #[serde(default)]
    pub session_id: Option<String>,
    #[serde(default)]
    pub conversation_id: Option<String>,
    #[serde(default)]
    pub collections: Option<Vec<String>>,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ValidChat {
    pub query: String,
    pub session_id: Option<String>,
    pub conversation_id: Option<EntityId>,
    pub collections: Option<Vec<String>>,
    /// Asked for, or detected from the question.
    pub language: Lang,
    /// A provider name or model the caller insists on (must be configured).
    pub model: Option<String>,
    /// Context the caller sends along (the OpenAI API's system prompt and earlier turns), oldest first.
    pub context: Vec<ChatMessage>,
    pub generation: Generation,
}

/// Generation limits the caller asks for (the OpenAI API's); `None` or empty means the defaults.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Generation {
    pub max_tokens: Option<u32>,
    pub temperature: Option<f32>,
    pub top_p: Option<f32>,
    pub stop: Vec<String>,
}

impl ChatInput {
    /// `models`: the names and model ids the router can use.
    pub fn validate(self, models: &[&str]) -> Result<ValidChat, ApiError> {
        let query = self.query.trim().to_string();
        if query.is_empty() {
            return Err(ApiError::validation("query must not be empty"));
        }
        let n = query.chars().count();
        if n > MAX_QUERY_CHARS {
            return Err(ApiError::validation(format!(
                "query is {n} characters; the limit is {MAX_QUERY_CHARS}"
            )));
        }
        let session_id = match self.session_id {
            Some(s)
                if s.len() > 128
                    || !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                    || s.is_empty() =>
            {
                return Err(ApiError::validation(
                    "session_id must be 1-128 characters of letters, digits, '-' or '_'",
                ))
            }
            other => other,
        };
        let conversation_id = self.conversation_id.as_deref().map(EntityId::parse).transpose()?;
        let language = match self.language.as_deref() {
            None => Lang::detect(&query),
            Some(code) => Lang::from_code(code).ok_or_else(|| ApiError::validation("language must be en, id or it"))?,
        };
        if let Some(m) = &self.model {
            if !models.contains(&m.as_str()) {
                let shown: String = m.chars().take(60).collect();
                return Err(ApiError::validation(format!(
                    "unknown model {shown:?}; available: {}",
                    models.join(", ")
                )));
            }
        }
        Ok(ValidChat {
            query,
            session_id,
            conversation_id,
            collections: self.collections,
            language,
            model: self.model,
            context: Vec::new(),
            generation: Generation::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(json: &str) -> Result<ValidChat, ApiError> {
        serde_json::from_str::<ChatInput>(json)
            .unwrap()
            .validate(&["offline", "offline-extractive"])
    }

    #[test]
    fn valid_requests_detect_the_language() {
        let c = v(r#"{"query":"Quanto costa il visto C1?"}"#).unwrap();
        assert_eq!(c.language, Lang::It);
        assert_eq!(v(r#"{"query":"Berapa harga visa C1?"}"#).unwrap().language, Lang::Id);
        assert_eq!(v(r#"{"query":"hi","language":"it"}"#).unwrap().language, Lang::It);
    }

    #[test]
    fn bad_requests_are_422() {
        for bad in [
            r#"{"query":"  "}"#,
            r#"{"query":"x","model":"gpt-9"}"#,
            r#"{"query":"x","session_id":"a b"}"#,
            r#"{"query":"x","conversation_id":"../x"}"#,
            r#"{"query":"x","language":"fr"}"#,
        ] {
            assert_eq!(v(bad).unwrap_err().status(), 422, "{bad}");
        }
        let huge = format!(r#"{{"query":"{}"}}"#, "a".repeat(20_000));
        assert!(v(&huge).unwrap_err().message.contains("limit"));
    }
}
