//! The one error type of a provider call, classified so the router can decide: retry, fail over, or trip
//! the circuit breaker.

use std::fmt;

use crate::error::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A non-2xx HTTP status, or an in-stream error event mapped to the status it stands for.
    Status(u16),
    Timeout,
    /// Connection refused or reset, DNS failure, a binding that threw.
    Connection,
    /// The provider sent something we cannot parse: not worth retrying, fail over.
    Malformed,
    /// The stream ended before the provider said it was done.
    Truncated,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Status(s) => write!(f, "http_{s}"),
            Self::Timeout => f.write_str("timeout"),
            Self::Connection => f.write_str("connection"),
            Self::Malformed => f.write_str("malformed"),
            Self::Truncated => f.write_str("truncated"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct ProviderError {
    pub kind: ErrorKind,
    /// For logs only: may contain the provider's own error text.
    pub message: String,
    /// From `Retry-After` (or `retry-after-ms`), already in milliseconds.
    pub retry_after_ms: Option<u64>,
}

impl ProviderError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            retry_after_ms: None,
        }
    }
    pub fn status(status: u16, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Status(status), message)
    }
    pub fn timeout(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Timeout, message)
    }
    pub fn connection(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Connection, message)
    }
    pub fn malformed(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Malformed, message)
    }
    pub fn truncated(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Truncated, message)
    }
    pub fn with_retry_after_ms(mut self, ms: Option<u64>) -> Self {
        self.retry_after_ms = ms;
        self
    }

    /// Builds the error for a non-2xx response. `header` looks up a response header case-insensitively;
    /// the body (the provider's error JSON) is kept, shortened, for the log.
    pub fn from_http(status: u16, header: impl Fn(&str) -> Option<String>, body: &str) -> Self {
        let retry_after = header("retry-after-ms")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .or_else(|| header("retry-after").and_then(|v| parse_retry_after(&v)));
        let mut message: String = body.chars().take(300).collect();
        if message.is_empty() {
            message = format!("HTTP {status}");
        }
        Self::status(status, message).with_retry_after_ms(retry_after)
    }

    /// Worth trying the same provider again: rate limits, server errors, timeouts, dropped connections.
    /// Not 400/401/403/404 (the same request fails the same way) and not 501.
    pub fn is_retryable(&self) -> bool {
        match self.kind {
            ErrorKind::Status(s) => matches!(s, 408 | 425 | 429) || (s >= 500 && s != 501),
            ErrorKind::Timeout | ErrorKind::Connection | ErrorKind::Truncated => true,
            ErrorKind::Malformed => false,
        }
    }

    /// Whether this says something about the provider's health (and so feeds its circuit breaker).
    /// A request the provider rejects as invalid or too large says something about the request.
    pub fn counts_against_provider(&self) -> bool {
        !matches!(self.kind, ErrorKind::Status(400 | 413 | 422))
    }

    /// A short stable label for logs and client notices, e.g. `http_503`.
    pub fn code(&self) -> String {
        self.kind.to_string()
    }
}

impl From<ProviderError> for ApiError {
    fn from(e: ProviderError) -> Self {
        ApiError::upstream(e.to_string())
    }
}

/// `Retry-After` in seconds (decimals tolerated), as milliseconds. An HTTP date yields `None`: we then
/// back off as if no header had been sent.
pub fn parse_retry_after(value: &str) -> Option<u64> {
    let secs: f64 = value.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| (secs * 1000.0).round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_parsing() {
        assert_eq!(parse_retry_after("2"), Some(2_000));
        assert_eq!(parse_retry_after(" 1.5 "), Some(1_500));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("-1"), None);
    }

    #[test]
    fn classification() {
        for s in [408, 429, 500, 502, 503, 529] {
            assert!(ProviderError::status(s, "").is_retryable(), "{s}");
        }
        for s in [400, 401, 403, 404, 422, 501] {
            assert!(!ProviderError::status(s, "").is_retryable(), "{s}");
        }
        assert!(ProviderError::timeout("t").is_retryable());
        assert!(ProviderError::connection("reset").is_retryable());
        assert!(!ProviderError::malformed("x").is_retryable());
        assert!(!ProviderError::status(400, "").counts_against_provider());
        assert!(ProviderError::status(401, "").counts_against_provider());
        assert_eq!(ProviderError::status(503, "").code(), "http_503");
    }

    #[test]
    fn from_http_reads_retry_after_headers() {
        let h = |name: &str| (name == "retry-after").then(|| " 7 ".to_string());
        let e = ProviderError::from_http(429, h, "{\"error\":\"slow down\"}");
        assert_eq!(e.retry_after_ms, Some(7_000));
        assert!(e.message.contains("slow down"));
        let ms = |name: &str| (name == "retry-after-ms").then(|| "1500".to_string());
        assert_eq!(ProviderError::from_http(429, ms, "").retry_after_ms, Some(1_500));
        assert_eq!(ProviderError::from_http(503, |_| None, "").message, "HTTP 503");
        let api: ApiError = ProviderError::status(503, "down").into();
        assert_eq!(api.status(), 503);
    }
}
