//! The OpenAPI 3.1 description of the API, generated from the route table so that it cannot miss a
//! route: every [`Route`] must have a [`spec`] (the match is exhaustive).

use serde_json::{json, Map, Value};

use crate::auth::Access;
use crate::routes::{Route, ROUTES};

pub mod schema;
pub use schema::Spec;
use schema::{obj, open_obj, s};

fn chat_body() -> Value {
    obj(
        &["query"],
        json!({
            "query": s(1, 4000),
            "session_id": { "type": "string", "pattern": "^[A-Za-z0-9_-]{1,128}$" },
            "conversation_id": { "type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$" },
            "collections": { "type": "array", "maxItems": 20, "items": { "type": "string" } },
            "language": { "enum": ["en", "id", "it"] },
            "model": s(1, 100)
        }),
    )
}

/// The documentation of one route.
pub fn spec(route: Route) -> Spec {
    let base = |summary, tag| Spec {
        summary,
        tag,
        request: None,
        body_optional: false,
        query: Vec::new(),
        success: 200,
        response: open_obj(&[]),
        response_type: "application/json",
        request_types: &[],
        required_query: &[],
    };
    let login = obj(
        &["email", "password"],
        json!({ "email": s(1, 254), "password": s(1, 256) }),
    );
    let tokens = open_obj(&["access_token", "token_type", "expires_in", "refresh_token", "user"]);
    match route {
        Route::Health => Spec {
            response: open_obj(&["status"]),
            ..base("Liveness (touches no store)", "ops")
        },
        Route::HealthDetailed => Spec {
            response: open_obj(&["status", "stores", "search", "model"]),
            ..base(
                "Each store and provider with latency and mode (503 when a store is down)",
                "ops",
            )
        },
        Route::Metrics => Spec {
            response: json!({ "type": "string" }),
            response_type: "text/plain",
            ..base("Prometheus metrics of this isolate", "ops")
        },
        Route::OpenApi => Spec {
            response: open_obj(&["openapi", "paths"]),
            ..base("This document", "ops")
        },
        Route::Search => Spec {
            request: Some(obj(
                &["query"],
                json!({
                    "query": s(1, 2000),
                    "collections": { "type": "array", "items": { "type": "string" }, "maxItems": 20 },
                    "top_k": { "type": "integer", "minimum": 1, "maximum": 50 },
                    "mode": { "enum": ["hybrid", "keyword", "vector"] },
                    "rerank": { "type": "boolean" }
                }),
            )),
            response: open_obj(&["query", "mode", "results"]),
            ..base("Hybrid search over the knowledge base, with citations", "knowledge")
        },
        Route::Collections => Spec {
            response: open_obj(&["collections"]),
            ..base("Collections with counts", "knowledge")
        },
        Route::KbDocument => Spec {
            query: vec![("raw", json!({ "type": "string", "enum": ["0", "1", "true", "false"] }))],
            response: json!({}),
            response_type: "*/*",
            ..base(
                "A knowledge-base document (JSON), or its source file with ?raw=1",
                "knowledge",
            )
        },
        Route::TeamLogin => Spec {
            request: Some(login),
            response: tokens,
            ..base("Team login (e-mail + password or PIN)", "auth")
        },
        Route::ClientLogin => Spec {
            request: Some(obj(
                &["email", "password"],
                json!({ "email": s(1, 254), "password": s(1, 256) }),
            )),
            response: open_obj(&["access_token", "refresh_token"]),
            ..base("Client login", "auth")
        },
        Route::Refresh => Spec {
            request: Some(obj(&["refresh_token"], json!({ "refresh_token": s(1, 512) }))),
            response: open_obj(&["access_token", "refresh_token"]),
            ..base("Rotate a refresh token (one-time use)", "auth")
        },
        Route::Logout => Spec {
            request: Some(obj(&[], json!({ "refresh_token": s(1, 512) }))),
            body_optional: true,
            response: open_obj(&["ok"]),
            ..base("Revoke this access token (and a refresh token)", "auth")
        },
        Route::Me => Spec {
            response: open_obj(&["id", "role"]),
            ..base("The caller", "auth")
        },
        Route::ChangePassword => Spec {
            request: Some(obj(
                &["current_password", "new_password"],
                json!({ "current_password": s(1, 256), "new_password": s(1, 256) }),
            )),
            response: open_obj(&["ok"]),
            ..base("Change the caller's password (ends other sessions)", "auth")
        },
        Route::AdminCreateUser => Spec {
            request: Some(obj(
                &["email", "name", "role"],
                json!({
                    "email": s(3, 254), "name": s(1, 120),
                    "role": { "enum": ["admin", "consultant", "client"] },
                    "password": s(6, 256), "client_id": s(1, 64),
                    "language": { "enum": ["en", "id", "it"] }
                }),
            )),
            success: 201,
            response: open_obj(&["id", "email", "role"]),
            ..base("Add a user (a password is generated when none is given)", "admin")
        },
        Route::AdminListUsers => Spec {
            response: open_obj(&["users"]),
            ..base("List users", "admin")
        },
        Route::AdminUpdateUser => Spec {
            request: Some(obj(
                &[],
                json!({ "role": { "enum": ["admin", "consultant", "client"] }, "disabled": { "type": "boolean" }, "name": s(1, 120) }),
            )),
            response: open_obj(&["id", "role"]),
            ..base("Change a user's role, name, or disable them", "admin")
        },
        Route::AdminCreateApiKey => Spec {
            request: Some(obj(
                &["name", "scopes"],
                json!({
                    "name": s(1, 80),
                    "scopes": { "type": "array", "minItems": 1, "maxItems": 6,
                                "items": { "enum": crate::auth::roles::SCOPES } }
                }),
            )),
            success: 201,
            response: open_obj(&["id", "key", "prefix", "scopes"]),
            ..base("Create an API key (shown once)", "admin")
        },
        Route::AdminListApiKeys => Spec {
            response: open_obj(&["api_keys"]),
            ..base("List API keys (never the keys)", "admin")
        },
        Route::AdminRevokeApiKey => Spec {
            response: open_obj(&["id", "revoked"]),
            ..base("Revoke an API key", "admin")
        },
        Route::ChatStream | Route::Chat => {
            let stream = route == Route::ChatStream;
            Spec {
                request: Some(chat_body()),
                // Each SSE event's data is a JSON object whose shape depends on the event name.
                response: if stream {
                    json!({})
                } else {
                    open_obj(&["conversation_id", "message_id", "answer", "sources"])
                },
                response_type: if stream {
                    "text/event-stream"
                } else {
                    "application/json"
                },
                ..base(
                    if stream {
                        "Ask: a grounded, cited answer streamed as SSE (meta, tool, token, sources, done | error); Last-Event-ID resumes"
                    } else {
                        "Ask: the same pipeline, answered as one JSON document"
                    },
                    "chat",
                )
            }
        }
        Route::ChatCompletions => Spec {
            request: Some(json!({
                "type": "object", "required": ["model", "messages"],
                "properties": {
                    "model": s(1, 100),
                    "messages": { "type": "array", "minItems": 1, "maxItems": 100, "items": {
                        "type": "object", "required": ["role"],
                        "properties": { "role": { "enum": ["system", "developer", "user", "assistant", "tool", "function"] }, "content": {} } } },
                    "stream": { "type": "boolean" },
                    // Used as the session when it is 1-128 letters, digits, '-' or '_'; otherwise ignored.
                    "user": { "type": "string" },
                    "stream_options": { "type": "object", "properties": { "include_usage": { "type": "boolean" } } },
                    "max_tokens": { "type": "integer", "minimum": 1, "maximum": 4096 },
                    "max_completion_tokens": { "type": "integer", "minimum": 1, "maximum": 4096 },
                    "temperature": { "type": "number", "minimum": 0, "maximum": 2 },
                    "top_p": { "type": "number", "minimum": 0, "maximum": 1 },
                    "stop": { "oneOf": [s(1, 100), { "type": "array", "maxItems": 4, "items": s(1, 100) }] },
                    "n": { "const": 1 }
                }
            })),
            response: json!({}),
            response_type: "*/*",
            ..base(
                "OpenAI-compatible chat completions (retrieval and tools included; system prompt and earlier turns as \
                 context; stream or not, with stream_options.include_usage). Errors in OpenAI's shape",
                "chat",
            )
        },
        Route::Models => Spec {
            response: open_obj(&["object", "data"]),
            ..base(
                "OpenAI-compatible model list (chat models and the embedding model)",
                "chat",
            )
        },
        Route::Embeddings => Spec {
            request: Some(json!({
                "type": "object", "required": ["model", "input"],
                "properties": {
                    "model": s(1, 100),
                    "input": { "oneOf": [s(1, 4000), { "type": "array", "minItems": 1, "maxItems": 32, "items": s(1, 4000) }] },
                    "encoding_format": { "enum": ["float", "base64"] },
                    "dimensions": { "type": "integer", "minimum": 1 },
                    "input_type": { "enum": ["query", "passage", "document"] },
                    "user": { "type": "string" }
                }
            })),
            response: open_obj(&["object", "data", "model", "usage"]),
            ..base(
                "OpenAI-compatible embeddings from the configured embedder (404 model_not_found when none is)",
                "chat",
            )
        },
        Route::Tools => Spec {
            response: open_obj(&["tools"]),
            ..base(
                "The tools this caller may use, with their JSON-Schema parameters",
                "tools",
            )
        },
        Route::RunTool => Spec {
            request: Some(json!({ "type": "object" })),
            response: open_obj(&["name", "summary", "value"]),
            ..base(
                "Run one tool directly (the body is its arguments, validated against its schema)",
                "tools",
            )
        },
        Route::ConfirmEmail => Spec {
            request: Some(json!({
                "type": "object", "required": ["confirmation_token"], "additionalProperties": false,
                "properties": { "confirmation_token": { "type": "string", "pattern": "^emc_[0-9a-f]{32}$" } }
            })),
            response: open_obj(&["sent", "message_id", "interaction_id"]),
            ..base(
                "Send an e-mail prepared by the send_email tool: the person who prepared it confirms it, once, within 10 minutes",
                "tools",
            )
        },
        Route::Conversations => Spec {
            query: vec![
                ("q", json!({ "type": "string", "maxLength": 200 })),
                ("limit", json!({ "type": "string", "pattern": "^[0-9]{1,3}$" })),
                ("before", json!({ "type": "string", "pattern": "^[0-9]{1,18}$" })),
            ],
            response: open_obj(&["conversations"]),
            ..base(
                "The caller's conversations, newest first; q searches titles and messages",
                "memory",
            )
        },
        Route::Conversation => Spec {
            response: open_obj(&["id", "messages"]),
            ..base("One conversation with its messages", "memory")
        },
        Route::ConversationExport => Spec {
            query: vec![("format", json!({ "enum": ["json", "md", "markdown"] }))],
            response: json!({}),
            response_type: "*/*",
            ..base("Export a conversation as JSON or Markdown", "memory")
        },
        Route::DeleteConversation => Spec {
            response: open_obj(&["id", "deleted"]),
            ..base("Delete a conversation", "memory")
        },
        Route::MessageFeedback => Spec {
            request: Some(obj(&["value"], json!({ "value": { "enum": [1, -1] } }))),
            response: open_obj(&["id", "feedback"]),
            ..base("👍 (1) or 👎 (-1) on an answer", "memory")
        },
        Route::MemoryFacts => Spec {
            query: vec![
                ("q", json!({ "type": "string", "maxLength": 200 })),
                ("limit", json!({ "type": "string", "pattern": "^[0-9]{1,3}$" })),
            ],
            response: open_obj(&["facts"]),
            ..base("The caller's remembered facts", "memory")
        },
        Route::AddMemoryFact => Spec {
            request: Some(obj(&["content"], json!({ "content": s(3, 500) }))),
            success: 201,
            response: open_obj(&["id", "content"]),
            ..base("Remember a fact", "memory")
        },
        Route::EditMemoryFact => Spec {
            request: Some(obj(&["content"], json!({ "content": s(3, 500) }))),
            response: open_obj(&["id", "content"]),
            ..base("Edit a remembered fact", "memory")
        },
        Route::DeleteMemoryFact => Spec {
            response: open_obj(&["id", "deleted"]),
            ..base("Forget a fact", "memory")
        },
        Route::Crm(r) => crate::crm::openapi::spec(r),
        Route::WhatsApp(r) => crate::whatsapp::openapi::spec(r),
        Route::AdminAudit => Spec {
            query: vec![
                ("limit", json!({ "type": "string", "pattern": "^[0-9]{1,3}$" })),
                ("before", json!({ "type": "string", "pattern": "^[0-9]{1,18}$" })),
                ("action", json!({ "type": "string", "maxLength": 64 })),
            ],
            response: open_obj(&["entries"]),
            ..base("The audit log, newest first", "admin")
        },
    }
}

/// Builds the whole document.
pub fn document() -> Value {
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
        // The OpenAI-compatible routes answer errors in OpenAI's shape.
        let error_schema = if pattern.starts_with("/v1/") {
            "#/components/schemas/OpenAiError"
        } else {
            "#/components/schemas/Error"
        };
        op.insert(
            "responses".into(),
            json!({
                sp.success.to_string(): { "description": "Success", "content": { sp.response_type: { "schema": sp.response } } },
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
        "paths": paths,
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer", "description": "An access token (JWT) or an API key (nzk_…); /metrics and /health/detailed also take the METRICS_TOKEN" } },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": { "error": {
                        "type": "object",
                        "required": ["code", "message", "request_id"],
                        "properties": { "code": { "type": "string" }, "message": { "type": "string" }, "request_id": { "type": "string" } }
                    } }
                },
                "OpenAiError": {
                    "type": "object",
                    "required": ["error"],
                    "properties": { "error": {
                        "type": "object",
                        "required": ["message", "type", "param", "code"],
                        "properties": { "message": { "type": "string" }, "type": { "type": "string" },
                                        "param": { "type": ["string", "null"] }, "code": { "type": ["string", "null"] } }
                    } }
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_documented_with_its_method_and_parameters() {
        let doc = document();
        for (method, pattern, _, _) in ROUTES {
            let op = &doc["paths"][*pattern][method.as_str().to_ascii_lowercase()];
            assert!(op.is_object(), "{method:?} {pattern}");
            assert!(op["responses"]["default"].is_object());
            let n_params = pattern.matches('{').count();
            let path_params = op["parameters"]
                .as_array()
                .map(|p| p.iter().filter(|p| p["in"] == "path").count())
                .unwrap_or(0);
            assert_eq!(path_params, n_params, "{pattern}");
        }
        assert_eq!(
            doc["paths"]["/api/search"]["post"]["requestBody"]["content"]["application/json"]["schema"]["required"],
            json!(["query"])
        );
        assert_eq!(
            doc["paths"]["/api/admin/users"]["get"]["security"],
            json!([{ "bearer": [] }])
        );
    }
}
