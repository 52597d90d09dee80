//! The pieces the OpenAPI description is built from: a route's [`Spec`] and the schema helpers. Apart
//! from [`crate::openapi`] so that the per-domain descriptions (`crm::openapi`) use them without
//! importing the module that calls them.

use serde_json::{json, Map, Value};

#[derive(Default)]
pub struct Spec {
    pub summary: &'static str,
    pub tag: &'static str,
    pub request: Option<Value>,
    /// The request body may be left out entirely.
    pub body_optional: bool,
    pub query: Vec<(&'static str, Value)>,
    pub success: u16,
    pub response: Value,
    pub response_type: &'static str,
    /// Media types of the request body (empty: `application/json`), e.g. raw file uploads.
    pub request_types: &'static [&'static str],
    /// Query parameters that must be present.
    pub required_query: &'static [&'static str],
}

/// A request object. Optional fields also accept `null` (they are `Option`s on the server, and serde
/// reads `null` as absent), so the schema says so.
pub(crate) fn obj(required: &[&str], props: Value) -> Value {
    let props: Map<String, Value> = props
        .as_object()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| {
            let v = if required.contains(&k.as_str()) {
                v
            } else {
                json!({ "anyOf": [v, { "type": "null" }] })
            };
            (k, v)
        })
        .collect();
    json!({ "type": "object", "required": required, "properties": props, "additionalProperties": false })
}
pub(crate) fn open_obj(required: &[&str]) -> Value {
    json!({ "type": "object", "required": required })
}
pub(crate) fn s(min: usize, max: usize) -> Value {
    json!({ "type": "string", "minLength": min, "maxLength": max })
}
