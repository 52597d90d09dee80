//! `POST /v1/embeddings` bodies and responses. `input` is a string or an array of strings (token arrays are
//! refused: the embedders here take text); `encoding_format` is `float` or `base64` (little-endian f32, as
//! OpenAI sends it); `dimensions` is accepted only when it equals the model's size (the embedders cannot
//! shorten vectors). `input_type` (`query`, default, or `passage`/`document`) is an extension for asymmetric
//! models such as E5; symmetric ones (bge-m3) ignore it.

use base64::Engine as _;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::{ApiError, ErrorCode};
use crate::search::EmbedRole;

/// Per request: a full batch of the longest inputs still fits the request body limit (`MAX_BODY_BYTES`,
/// 256 KiB by default), and 4,000 characters is past what the models read (E5: 512 tokens).
pub const MAX_INPUTS: usize = 32;
pub const MAX_INPUT_CHARS: usize = 4_000;

#[derive(Debug, Deserialize)]
pub struct EmbeddingsRequest {
    pub model: String,
    pub input: Value,
    #[serde(default)]
    pub encoding_format: Option<String>,
    #[serde(default)]
    pub dimensions: Option<Value>,
    #[serde(default)]
    pub input_type: Option<String>,
    #[serde(default)]
    pub user: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ValidEmbeddings {
    /// As asked (echoed in the response).
    pub model: String,
    pub texts: Vec<String>,
    pub base64: bool,
    pub role: EmbedRole,
    pub dimensions: Option<usize>,
}

fn invalid(param: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::BadRequest, message).with_param(param)
}

fn texts(input: &Value) -> Result<Vec<String>, ApiError> {
    let tokens = || invalid("input", "token arrays are not supported: send the text");
    let list = match input {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) if a.iter().any(|v| v.is_number() || v.is_array()) => return Err(tokens()),
        Value::Array(a) => a
            .iter()
            .map(|v| v.as_str().map(String::from))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| invalid("input", "input must be a string or an array of strings"))?,
        _ => return Err(invalid("input", "input must be a string or an array of strings")),
    };
    if list.is_empty() || list.len() > MAX_INPUTS {
        return Err(invalid("input", format!("input must hold 1 to {MAX_INPUTS} strings")));
    }
    if list.iter().any(|t| t.trim().is_empty()) {
        return Err(invalid("input", "input strings must not be empty"));
    }
    if list.iter().any(|t| t.chars().count() > MAX_INPUT_CHARS) {
        return Err(invalid(
            "input",
            format!("each input may hold at most {MAX_INPUT_CHARS} characters"),
        ));
    }
    Ok(list)
}

impl EmbeddingsRequest {
    /// `served`: the model names accepted (empty when no embedder is configured); `dims`: its vector size
    /// when known from the configuration.
    pub fn validate(self, served: &[&str], dims: Option<usize>) -> Result<ValidEmbeddings, ApiError> {
        if !served.contains(&self.model.as_str()) {
            let shown: String = self.model.chars().take(60).collect();
            let why = if served.is_empty() {
                "no embedding model is configured here".to_string()
            } else {
                format!("embedding models: {}", served.join(", "))
            };
            return Err(ApiError::new(
                ErrorCode::ModelNotFound,
                format!("The model `{shown}` does not exist ({why})"),
            )
            .with_param("model"));
        }
        let texts = texts(&self.input)?;
        let base64 = match self.encoding_format.as_deref() {
            None | Some("float") => false,
            Some("base64") => true,
            Some(_) => return Err(invalid("encoding_format", "encoding_format must be float or base64")),
        };
        let dimensions = match &self.dimensions {
            None | Some(Value::Null) => None,
            Some(v) => {
                let d = v
                    .as_u64()
                    .filter(|d| *d > 0)
                    .ok_or_else(|| invalid("dimensions", "dimensions must be a positive integer"))?
                    as usize;
                check_dimensions(Some(d), dims)?;
                Some(d)
            }
        };
        let role = match self.input_type.as_deref() {
            None | Some("query") => EmbedRole::Query,
            Some("passage" | "document") => EmbedRole::Passage,
            Some(_) => return Err(invalid("input_type", "input_type must be query or passage")),
        };
        Ok(ValidEmbeddings {
            model: self.model,
            texts,
            base64,
            role,
            dimensions,
        })
    }
}

/// `dimensions` is honoured only when it is the model's own size.
pub fn check_dimensions(asked: Option<usize>, actual: Option<usize>) -> Result<(), ApiError> {
    match (asked, actual) {
        (Some(a), Some(m)) if a != m => Err(invalid(
            "dimensions",
            format!("this model makes {m}-dimension vectors and cannot shorten them; omit dimensions or send {m}"),
        )),
        _ => Ok(()),
    }
}

/// Tokens when the service does not count them: about four characters a token, as the chat estimates.
pub fn estimate_tokens(texts: &[String]) -> u64 {
    texts.iter().map(|t| t.chars().count().div_ceil(4) as u64).sum()
}

fn encode(v: &[f32]) -> String {
    let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub fn response(model: &str, vectors: &[Vec<f32>], base64: bool, tokens: u64) -> Value {
    let data: Vec<Value> = vectors
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let embedding = if base64 { json!(encode(v)) } else { json!(v) };
            json!({ "object": "embedding", "index": i, "embedding": embedding })
        })
        .collect();
    json!({ "object": "list", "data": data, "model": model,
            "usage": { "prompt_tokens": tokens, "total_tokens": tokens } })
}

#[cfg(test)]
#[path = "embeddings_tests.rs"]
mod tests;
