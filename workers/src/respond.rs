//! Building responses: JSON bodies and the one mapping from `ApiError` to HTTP.

use nuzantara_shared::error::ApiError;
use nuzantara_shared::openai_api;
use serde::Serialize;
use worker::{Headers, Response};

pub type HandlerResult = Result<Response, ApiError>;

pub fn json<T: Serialize>(status: u16, value: &T) -> HandlerResult {
    let body = serde_json::to_string(value).map_err(|e| ApiError::internal(format!("serialise: {e}")))?;
    text(status, "application/json; charset=utf-8", body)
}

pub fn text(status: u16, content_type: &str, body: String) -> HandlerResult {
    let headers = Headers::new();
    headers.set("Content-Type", content_type).map_err(internal)?;
    Ok(Response::ok(body)
        .map_err(internal)?
        .with_status(status)
        .with_headers(headers))
}

/// The error response: `{"error":{"code","message","request_id"}}` plus any headers the error carries.
pub fn error(err: &ApiError, request_id: &str) -> Response {
    let headers = Headers::new();
    let _ = headers.set("Content-Type", "application/json; charset=utf-8");
    for (k, v) in &err.headers {
        let _ = headers.set(k, v);
    }
    Response::ok(err.body(request_id).to_string())
        .map(|r| r.with_status(err.status()).with_headers(headers))
        .unwrap_or_else(|_| Response::empty().expect("empty response").with_status(500))
}

/// The error response of the `/v1/*` routes: OpenAI's `{"error":{"message","type","param","code"}}` and
/// status (see [`nuzantara_shared::openai_api::errors`]); the request id stays in `X-Request-Id`.
pub fn openai_error(err: &ApiError) -> Response {
    let headers = Headers::new();
    let _ = headers.set("Content-Type", "application/json; charset=utf-8");
    for (k, v) in &err.headers {
        let _ = headers.set(k, v);
    }
    Response::ok(openai_api::errors::body(err).to_string())
        .map(|r| r.with_status(openai_api::errors::status(err)).with_headers(headers))
        .unwrap_or_else(|_| Response::empty().expect("empty response").with_status(500))
}

/// Wraps a runtime error (D1, KV, R2, JS) as an internal error; its text is logged, not shown.
pub fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::internal(e.to_string())
}

/// Wraps a failure of an outside service (embeddings, rerank, LLM) as 503; the text is logged, not shown.
pub fn upstream(e: impl std::fmt::Display) -> ApiError {
    ApiError::upstream(e.to_string())
}
