//! The one error type that crosses the API boundary, and its HTTP mapping.

use serde::Serialize;

/// Machine-readable error codes. Clients switch on these, so they never change meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    InvalidJson,
    ValidationFailed,
    UnsupportedMediaType,
    PayloadTooLarge,
    Unauthorized,
    Forbidden,
    NotFound,
    /// A model name no provider or embedder here serves (the OpenAI API's `model_not_found`).
    ModelNotFound,
    MethodNotAllowed,
    Conflict,
    RateLimited,
    UpstreamUnavailable,
    Internal,
}

impl ErrorCode {
    pub fn status(self) -> u16 {
        match self {
            Self::BadRequest | Self::InvalidJson => 400,
            Self::ValidationFailed => 422,
            Self::UnsupportedMediaType => 415,
            Self::PayloadTooLarge => 413,
            Self::Unauthorized => 401,
            Self::Forbidden => 403,
            Self::NotFound | Self::ModelNotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::Conflict => 409,
            Self::RateLimited => 429,
            Self::UpstreamUnavailable => 503,
            Self::Internal => 500,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "bad_request",
            Self::InvalidJson => "invalid_json",
            Self::ValidationFailed => "validation_failed",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::PayloadTooLarge => "payload_too_large",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::ModelNotFound => "model_not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Conflict => "conflict",
            Self::RateLimited => "rate_limited",
            Self::UpstreamUnavailable => "upstream_unavailable",
            Self::Internal => "internal",
        }
    }
}

/// An error a handler returns. `message` is safe to show to the caller; internals go to `detail`,
/// which is logged and never serialised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub detail: Option<String>,
    /// The request field at fault, when one is (the OpenAI error shape's `param`).
    pub param: Option<String>,
    /// Extra response headers (e.g. `Allow` on 405, `Retry-After` on 429).
    pub headers: Vec<(String, String)>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            detail: None,
            param: None,
            headers: Vec::new(),
        }
    }
    pub fn bad_request(m: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, m)
    }
    pub fn validation(m: impl Into<String>) -> Self {
        Self::new(ErrorCode::ValidationFailed, m)
    }
    pub fn not_found(m: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, m)
    }
    pub fn unauthorized(m: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unauthorized, m)
    }
    pub fn forbidden(m: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, m)
    }
    pub fn conflict(m: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, m)
    }
    /// An unexpected failure: the caller sees a generic message, the log sees `detail`.
    pub fn internal(detail: impl Into<String>) -> Self {
        Self {
            detail: Some(detail.into()),
            ..Self::new(ErrorCode::Internal, "internal error")
        }
    }
    pub fn upstream(detail: impl Into<String>) -> Self {
        Self {
            detail: Some(detail.into()),
            ..Self::new(
                ErrorCode::UpstreamUnavailable,
                "a backing service is unavailable, try again",
            )
        }
    }
    /// Names the request field at fault (shown as `param` by the OpenAI-compatible routes).
    pub fn with_param(mut self, param: impl Into<String>) -> Self {
        self.param = Some(param.into());
        self
    }
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }
    pub fn status(&self) -> u16 {
        self.code.status()
    }

    /// The JSON body every error response carries.
    pub fn body(&self, request_id: &str) -> serde_json::Value {
        serde_json::json!({
            "error": { "code": self.code.as_str(), "message": self.message, "request_id": request_id }
        })
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_hide_their_detail() {
        let e = ApiError::internal("D1_ERROR: no such table: users");
        let body = e.body("rid-1").to_string();
        assert_eq!(e.status(), 500);
        assert!(!body.contains("no such table"), "{body}");
        assert!(body.contains("\"code\":\"internal\""));
        assert!(body.contains("rid-1"));
    }

    #[test]
    fn every_code_has_a_distinct_name_and_a_4xx_or_5xx_status() {
        use ErrorCode::*;
        let all = [
            BadRequest,
            InvalidJson,
            ValidationFailed,
            UnsupportedMediaType,
            PayloadTooLarge,
            Unauthorized,
            Forbidden,
            NotFound,
            ModelNotFound,
            MethodNotAllowed,
            Conflict,
            RateLimited,
            UpstreamUnavailable,
            Internal,
        ];
        let mut names: Vec<_> = all.iter().map(|c| c.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), all.len());
        assert!(all.iter().all(|c| (400..600).contains(&c.status())));
        let ser = serde_json::to_string(&MethodNotAllowed).unwrap();
        assert_eq!(ser, "\"method_not_allowed\"");
    }
}
