//! HTTP policy shared by every route: security headers, CORS, and request body checks.

use crate::config::Config;
use crate::error::{ApiError, ErrorCode};

/// Headers on every response. The CSP allows the PWA's own scripts and styles only.
pub const SECURITY_HEADERS: &[(&str, &str)] = &[
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    (
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; manifest-src 'self'; worker-src 'self'; frame-ancestors 'none'; \
         base-uri 'self'; form-action 'self'; object-src 'none'",
    ),
];

/// CORS headers for a request from `origin`, or none when the origin is not allowed.
pub fn cors_headers(config: &Config, origin: Option<&str>) -> Vec<(&'static str, String)> {
    let Some(origin) = origin else { return Vec::new() };
    if !config.cors_allows(origin) {
        return Vec::new();
    }
    vec![
        ("Access-Control-Allow-Origin", origin.to_string()),
        ("Vary", "Origin".to_string()),
        ("Access-Control-Allow-Credentials", "true".to_string()),
        (
            "Access-Control-Expose-Headers",
            "X-Request-Id, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset".to_string(),
        ),
    ]
}

/// Extra headers for a CORS preflight answer.
pub fn preflight_headers() -> Vec<(&'static str, String)> {
    vec![
        (
            "Access-Control-Allow-Methods",
            "GET, POST, PUT, PATCH, DELETE, OPTIONS".to_string(),
        ),
        (
            "Access-Control-Allow-Headers",
            "Authorization, Content-Type, X-Request-Id, Last-Event-ID".to_string(),
        ),
        ("Access-Control-Max-Age", "600".to_string()),
    ]
}

/// Checks a JSON request body before parsing: content type first (415), then size (413).
pub fn check_json_body(content_type: Option<&str>, body: &[u8], max_bytes: usize) -> Result<(), ApiError> {
    let is_json = content_type
        .map(|ct| {
            ct.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case("application/json")
        })
        .unwrap_or(false);
    if !is_json {
        return Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "send the body as application/json",
        ));
    }
    check_size(body.len(), max_bytes)
}

pub fn check_size(len: usize, max_bytes: usize) -> Result<(), ApiError> {
    if len > max_bytes {
        return Err(ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("request body is {len} bytes; the limit is {max_bytes}"),
        ));
    }
    Ok(())
}

/// Parses a JSON body into `T`, mapping syntax errors to 400 and shape errors to 422 with serde's
/// message (it names the field, never internals).
pub fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        use serde_json::error::Category;
        match e.classify() {
            Category::Syntax | Category::Eof | Category::Io => {
                ApiError::new(ErrorCode::InvalidJson, format!("malformed JSON: {e}"))
            }
            Category::Data => ApiError::validation(format!("invalid request: {e}")),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(origins: &str) -> Config {
        Config::from_lookup(|k| match k {
            "CORS_ORIGINS" => Some(origins.to_string()),
            "JWT_SECRET" => Some("x".repeat(32)),
            _ => None,
        })
        .unwrap()
    }

    #[test]
    fn cors_echoes_only_allowed_origins() {
        let c = config("https://app.example");
        assert!(cors_headers(&c, Some("https://evil.example")).is_empty());
        assert!(cors_headers(&c, None).is_empty());
        let h = cors_headers(&c, Some("https://app.example"));
        assert_eq!(h[0], ("Access-Control-Allow-Origin", "https://app.example".to_string()));
    }

    #[test]
    fn body_checks_give_415_then_413() {
        assert_eq!(
            check_json_body(Some("text/plain"), b"{}", 10).unwrap_err().status(),
            415
        );
        assert_eq!(check_json_body(None, b"{}", 10).unwrap_err().status(), 415);
        assert!(check_json_body(Some("application/json; charset=utf-8"), b"{}", 10).is_ok());
        assert_eq!(
            check_json_body(Some("application/json"), &[b' '; 11], 10)
                .unwrap_err()
                .status(),
            413
        );
    }

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Q {
        query: String,
    }

    #[test]
    fn json_errors_are_400_for_syntax_and_422_for_shape() {
        assert_eq!(parse_json::<Q>(b"{\"query\":").unwrap_err().status(), 400);
        assert_eq!(parse_json::<Q>(b"not json").unwrap_err().status(), 400);
        let e = parse_json::<Q>(b"{\"query\": 5}").unwrap_err();
        assert_eq!(e.status(), 422);
        assert!(e.message.contains("invalid type"), "{}", e.message);
        assert!(parse_json::<Q>(b"{\"query\":\"x\"}").is_ok());
    }
}
