//! OpenAI's error shape, `{"error":{"message","type","param","code"}}`, and its statuses, for `/v1/*` only
//! (the rest of the API keeps `{"error":{"code","message","request_id"}}`). OpenAI answers a bad parameter
//! with 400 where this API says 422, and a model it does not serve with 404 `model_not_found`; the SDKs
//! pick their exception class from the status.

use serde_json::{json, Value};

use crate::error::{ApiError, ErrorCode};

/// The status an OpenAI client expects for this error.
pub fn status(e: &ApiError) -> u16 {
    match e.code {
        ErrorCode::ValidationFailed | ErrorCode::InvalidJson => 400,
        _ => e.status(),
    }
}

/// OpenAI's `type` and `code` for this error.
fn kind(e: &ApiError) -> (&'static str, Option<&'static str>) {
    match e.code {
        ErrorCode::Unauthorized => ("invalid_request_error", Some("invalid_api_key")),
        ErrorCode::Forbidden => ("invalid_request_error", Some("insufficient_permissions")),
        ErrorCode::ModelNotFound => ("invalid_request_error", Some("model_not_found")),
        ErrorCode::NotFound => ("invalid_request_error", Some("not_found")),
        ErrorCode::RateLimited => ("requests", Some("rate_limit_exceeded")),
        ErrorCode::UpstreamUnavailable => ("server_error", Some("service_unavailable")),
        ErrorCode::Internal => ("server_error", None),
        ErrorCode::InvalidJson => ("invalid_request_error", Some("invalid_json")),
        ErrorCode::ValidationFailed | ErrorCode::BadRequest => ("invalid_request_error", Some("invalid_value")),
        ErrorCode::UnsupportedMediaType => ("invalid_request_error", Some("unsupported_media_type")),
        ErrorCode::PayloadTooLarge => ("invalid_request_error", Some("payload_too_large")),
        ErrorCode::MethodNotAllowed => ("invalid_request_error", Some("method_not_allowed")),
        ErrorCode::Conflict => ("invalid_request_error", Some("conflict")),
    }
}

/// The body. The message is the one the rest of the API shows (never internals); the request id is in
/// the `X-Request-Id` header.
pub fn body(e: &ApiError) -> Value {
    let (ty, code) = kind(e);
    json!({ "error": { "message": e.message, "type": ty, "param": e.param, "code": code } })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_take_openai_statuses_and_shape_without_internals() {
        let e = ApiError::validation("invalid request: missing field `model`");
        assert_eq!(status(&e), 400);
        assert_eq!(
            body(&e),
            json!({"error": {"message": "invalid request: missing field `model`", "type": "invalid_request_error",
                             "param": null, "code": "invalid_value"}})
        );
        let e = ApiError::new(ErrorCode::ModelNotFound, "no such model").with_param("model");
        assert_eq!(
            (status(&e), &body(&e)["error"]["code"], &body(&e)["error"]["param"]),
            (404, &json!("model_not_found"), &json!("model"))
        );
        assert_eq!(status(&ApiError::unauthorized("bad key")), 401);
        assert_eq!(
            body(&ApiError::unauthorized("bad key"))["error"]["code"],
            "invalid_api_key"
        );
        assert_eq!(status(&ApiError::forbidden("scope")), 403);
        assert_eq!(status(&ApiError::new(ErrorCode::RateLimited, "slow")), 429);
        let internal = body(&ApiError::internal("D1_ERROR: no such table"));
        assert!(!internal.to_string().contains("D1_ERROR"), "{internal}");
        assert_eq!(internal["error"]["type"], "server_error");
        let keys: Vec<&String> = internal["error"].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["code", "message", "param", "type"]);
    }
}
