//! The building blocks of a route's documentation: [`Spec`] and the JSON-Schema helpers every spec uses.

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
    /// The success response's schema, for `response_type`.
    pub response: Value,
    pub response_type: &'static str,
    /// Further media types of the same response, with their schemas (SSE beside JSON, Markdown export).
    pub also: Vec<(&'static str, Value)>,
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
pub(crate) fn s(min: usize, max: usize) -> Value {
    json!({ "type": "string", "minLength": min, "maxLength": max })
}

// Response schemas. Objects are closed (`additionalProperties: false`) so that a field the handler adds
// without documenting it fails the conformance test, and generated clients get exact types.

/// A response object: every field it can carry in `props`, the ones always present in `required`.
pub(crate) fn res(required: &[&str], props: Value) -> Value {
    json!({ "type": "object", "required": required, "properties": props, "additionalProperties": false })
}
/// A response object whose fields are all always present.
pub(crate) fn all(props: Value) -> Value {
    let required: Vec<String> = props
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    json!({ "type": "object", "required": required, "properties": props, "additionalProperties": false })
}
/// A schema that also admits `null` (an SQL NULL, an `Option` serialised as `null`).
pub(crate) fn nullable(v: Value) -> Value {
    match v.get("type").and_then(Value::as_str) {
        Some(t) if v.as_object().is_some_and(|m| m.len() == 1) => json!({ "type": [t, "null"] }),
        _ => json!({ "anyOf": [v, { "type": "null" }] }),
    }
}
pub(crate) fn string() -> Value {
    json!({ "type": "string" })
}
pub(crate) fn int() -> Value {
    json!({ "type": "integer" })
}
pub(crate) fn number() -> Value {
    json!({ "type": "number" })
}
pub(crate) fn boolean() -> Value {
    json!({ "type": "boolean" })
}
pub(crate) fn array(items: Value) -> Value {
    json!({ "type": "array", "items": items })
}
/// A map from names to values of one schema (e.g. counts by status).
pub(crate) fn map_of(v: Value) -> Value {
    json!({ "type": "object", "additionalProperties": v })
}
/// A reference to a named schema of the document's components (see `openapi::components`).
pub(crate) fn named(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}
/// A body that is not JSON (CSV, Markdown, SSE, a file).
pub(crate) fn text_body() -> Value {
    string()
}
/// A `text/event-stream` body, described per event (`id`, `event`, `data`) as OpenAPI 3.2's `itemSchema` and
/// schemathesis read it: `events` names the event types, `data` says what each one's JSON carries.
pub(crate) fn sse(events: &[&str], data: &str) -> Value {
    json!({
        "type": "object",
        "description": "One server-sent event of the stream",
        "required": ["data"],
        "properties": {
            "id": { "type": "string" },
            "event": { "type": "string", "enum": events },
            "data": { "type": "string", "contentMediaType": "application/json", "description": data },
            "retry": { "type": "integer" }
        }
    })
}
pub(crate) fn binary() -> Value {
    json!({ "type": "string", "format": "binary" })
}
