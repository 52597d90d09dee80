//! The OpenAPI 3.1 description of the API (`GET /openapi.json`), generated from the route table so that
//! it cannot miss a route: every [`Route`] must have a [`spec`] (the match is exhaustive), and every
//! success response must have a schema (the tests below fail otherwise). The worker serves it as rendered
//! at build time (`workers/build.rs`), with [`servers`] filled in per request.
//!
//! Adding a route (e.g. `POST /v1/embeddings`):
//! 1. Add its row to `routes::ROUTES` and its arm to [`paths::spec`] (or `crm::openapi::spec` for `/crm/...`):
//!    summary, tag, request body schema, query parameters, `success` status and `response` schema.
//! 2. The response schema mirrors what the handler serialises. Build it with the helpers of [`schema`]:
//!    `all(json!({...}))` for an object whose fields are always there, `res(&[required], json!({...}))` when
//!    some are optional, `nullable(..)` for a nullable field, `array(..)`, `named("Name")` for a schema of
//!    [`components`] (add one there when several routes return it). Objects are closed
//!    (`additionalProperties: false`), so an undocumented field is caught. A non-JSON body (CSV, SSE, a file)
//!    is `text_body()`/`binary()` with its `response_type`; a second media type of the same response goes in
//!    `also` (e.g. `text/event-stream` beside JSON).
//! 3. Add one happy-path call to `exercise()` in `tests/python/test_openapi_conformance.py`: it validates the
//!    real response against this document and fails for any route it has not called (or listed, with the
//!    reason, in its `UNEXERCISED`). `OPENAPI_DUMP=file OPENAPI_DUMP_ONLY=1` there writes the real responses
//!    out, to write a schema from.

use serde_json::{json, Map, Value};

use crate::auth::Access;
use crate::routes::{Route, ROUTES};

pub mod components;
pub mod paths;
pub mod schema;
#[cfg(test)]
mod tests;

pub use paths::spec;
pub use schema::Spec;

/// The `servers` of the document: the server that answered (`origin`, when known), the local dev server,
/// and the deployed API (`PUBLIC_URL`, else a placeholder to replace).
pub fn servers(origin: Option<&str>, public_url: Option<&str>) -> Value {
    let mut out: Vec<Value> = Vec::new();
    let mut add = |url: &str, description: &str| {
        if !out.iter().any(|s| s["url"] == url) {
            out.push(json!({ "url": url, "description": description }));
        }
    };
    if let Some(o) = origin {
        add(o, "The server that served this document");
    }
    add("http://127.0.0.1:8787", "Local development (make dev)");
    match public_url {
        Some(u) => add(u, "Deployed API (PUBLIC_URL)"),
        None => add(
            "https://nuzantara.example.com",
            "Deployed API: a placeholder (set PUBLIC_URL)",
        ),
    }
    Value::Array(out)
}

/// The document with the default servers (see [`document_for`]).
pub fn document() -> Value {
    document_for(None, None)
}

/// Builds the whole document; `origin` is the URL the request reached, `public_url` the configured one.
pub fn document_for(origin: Option<&str>, public_url: Option<&str>) -> Value {
    let mut paths = Map::new();
    for (method, pattern, route, access) in ROUTES {
        let sp = spec(*route);
        let mut op = Map::new();
        let operation_id = match route {
            Route::Crm(r) => format!("Crm{r:?}"),
            Route::WhatsApp(r) => format!("WhatsApp{r:?}"),
            r => format!("{r:?}"),
        };
        op.insert("operationId".into(), json!(operation_id));
        op.insert("summary".into(), json!(sp.summary));
        op.insert("tags".into(), json!([sp.tag]));
        // Knowledge-base document ids are paths (`kbli/56101`); every other id is an `EntityId`.
        let id_schema = if *route == Route::KbDocument {
            json!({ "type": "string", "minLength": 1, "maxLength": 300 })
        } else {
            json!({ "type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$" })
        };
        let mut params: Vec<Value> = pattern
            .split('/')
            .filter(|seg| seg.starts_with('{'))
            .map(|seg| json!({ "name": &seg[1..seg.len() - 1], "in": "path", "required": true, "schema": id_schema }))
            .collect();
        params.extend(sp.query.iter().map(|(n, schema)| {
            json!({ "name": n, "in": "query", "required": sp.required_query.contains(n), "schema": schema })
        }));
        if !params.is_empty() {
            op.insert("parameters".into(), json!(params));
        }
        if let Some(body) = sp.request {
            let types: &[&str] = if sp.request_types.is_empty() {
                &["application/json"]
            } else {
                sp.request_types
            };
            let content: Map<String, Value> = types
                .iter()
                .map(|t| (t.to_string(), json!({ "schema": body })))
                .collect();
            op.insert(
                "requestBody".into(),
                json!({ "required": !sp.body_optional, "content": content }),
            );
        }
        let mut content = Map::new();
        content.insert(sp.response_type.into(), json!({ "schema": sp.response }));
        for (media, schema) in sp.also {
            content.insert(media.into(), json!({ "schema": schema }));
        }
        // The OpenAI-compatible routes answer errors in OpenAI's shape.
        let error_schema = if pattern.starts_with("/v1/") {
            "#/components/schemas/OpenAiError"
        } else {
            "#/components/schemas/Error"
        };
        op.insert(
            "responses".into(),
            json!({
                sp.success.to_string(): { "description": "Success", "content": content },
                "default": { "description": "Error", "content": { "application/json": { "schema": { "$ref": error_schema } } } }
            }),
        );
        match access {
            Access::Public => op.insert("security".into(), json!([])),
            Access::Optional { .. } => op.insert("security".into(), json!([{}, { "bearer": [] }])),
            Access::Roles { .. } | Access::Operator => op.insert("security".into(), json!([{ "bearer": [] }])),
        };
        let entry = paths.entry(pattern.to_string()).or_insert_with(|| json!({}));
        entry[method.as_str().to_ascii_lowercase()] = Value::Object(op);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Nuzantara API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Bali Zero's assistant: knowledge-base search, chat, CRM. Errors are {\"error\":{\"code\",\"message\",\"request_id\"}}, except on /v1/* where they take OpenAI's shape {\"error\":{\"message\",\"type\",\"param\",\"code\"}}."
        },
        "servers": servers(origin, public_url),
        "paths": paths,
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer", "description": "An access token (JWT) or an API key (nzk_…); /metrics and /health/detailed also take the METRICS_TOKEN" } },
            "schemas": components::schemas(),
        }
    })
}
