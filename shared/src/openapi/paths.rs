//! The documentation of each route outside the CRM: summary, tag, request body, query parameters and
//! the success response's schema (see the module doc of `openapi` for how to add a route).

use serde_json::{json, Value};

use super::components::{
    admin_user, any_json, chat_answer, chat_completion, deleted, health_detailed, kb_document, me, search_response,
    this_document,
};
use super::schema::{
    all, array, binary, boolean, int, named, nullable, number, obj, res, s, sse, string, text_body, Spec,
};
use crate::routes::Route;

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
        response: Value::Null,
        response_type: "application/json",
        also: Vec::new(),
        request_types: &[],
        required_query: &[],
    };
    let login = obj(
        &["email", "password"],
        json!({ "email": s(1, 254), "password": s(1, 256) }),
    );
    match route {
        Route::Health => Spec {
            response: all(json!({ "status": { "const": "ok" }, "service": string(), "request_id": string() })),
            ..base("Liveness (touches no store)", "ops")
        },
        Route::HealthDetailed => Spec {
            response: health_detailed(),
            ..base(
                "Each store and provider with latency and mode (503 when a store is down)",
                "ops",
            )
        },
        Route::Metrics => Spec {
            response: text_body(),
            response_type: "text/plain",
            ..base("Prometheus metrics of this isolate", "ops")
        },
        Route::OpenApi => Spec {
            response: this_document(),
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
            response: search_response(),
            ..base("Hybrid search over the knowledge base, with citations", "knowledge")
        },
        Route::Collections => Spec {
            response: all(json!({ "collections": array(all(json!({
                "name": string(), "description": string(), "documents": int(), "chunks": int(), "updated_at": int()
            }))) })),
            ..base("Collections with counts", "knowledge")
        },
        Route::KbDocument => Spec {
            query: vec![("raw", json!({ "type": "string", "enum": ["0", "1", "true", "false"] }))],
            response: kb_document(),
            also: vec![("*/*", binary())],
            ..base(
                "A knowledge-base document (JSON), or its source file with ?raw=1 (in its own media type)",
                "knowledge",
            )
        },
        Route::TeamLogin => Spec {
            request: Some(login),
            response: named("Tokens"),
            ..base("Team login (e-mail + password or PIN)", "auth")
        },
        Route::ClientLogin => Spec {
            request: Some(obj(
                &["email", "password"],
                json!({ "email": s(1, 254), "password": s(1, 256) }),
            )),
            response: named("Tokens"),
            ..base("Client login", "auth")
        },
        Route::Refresh => Spec {
            request: Some(obj(&["refresh_token"], json!({ "refresh_token": s(1, 512) }))),
            response: named("Tokens"),
            ..base("Rotate a refresh token (one-time use)", "auth")
        },
        Route::Logout => Spec {
            request: Some(obj(&[], json!({ "refresh_token": s(1, 512) }))),
            body_optional: true,
            response: all(json!({ "ok": boolean() })),
            ..base("Revoke this access token (and a refresh token)", "auth")
        },
        Route::Me => Spec {
            response: me(),
            ..base("The caller", "auth")
        },
        Route::ChangePassword => Spec {
            request: Some(obj(
                &["current_password", "new_password"],
                json!({ "current_password": s(1, 256), "new_password": s(1, 256) }),
            )),
            response: named("Tokens"),
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
            response: admin_user(&[("generated_password", string())]),
            ..base("Add a user (a password is generated when none is given)", "admin")
        },
        Route::AdminListUsers => Spec {
            response: all(json!({ "users": array(admin_user(&[("created_at", int()), ("updated_at", int())])) })),
            ..base("List users", "admin")
        },
        Route::AdminUpdateUser => Spec {
            request: Some(obj(
                &[],
                json!({ "role": { "enum": ["admin", "consultant", "client"] }, "disabled": { "type": "boolean" }, "name": s(1, 120) }),
            )),
            response: admin_user(&[]),
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
            response: all(json!({
                "id": string(), "name": string(), "prefix": string(), "scopes": array(string()),
                "expires_at": nullable(int()), "key": string()
            })),
            ..base("Create an API key (shown once)", "admin")
        },
        Route::AdminListApiKeys => Spec {
            response: all(json!({ "api_keys": array(all(json!({
                "id": string(), "name": string(), "prefix": string(), "scopes": array(string()),
                "created_by": nullable(string()), "created_at": int(), "last_used_at": nullable(int()),
                "expires_at": nullable(int()), "revoked_at": nullable(int())
            }))) })),
            ..base("List API keys (never the keys)", "admin")
        },
        Route::AdminRevokeApiKey => Spec {
            response: all(json!({ "id": string(), "revoked": boolean() })),
            ..base("Revoke an API key", "admin")
        },
        Route::ChatStream | Route::Chat => {
            let stream = route == Route::ChatStream;
            Spec {
                request: Some(chat_body()),
                // Each SSE event's data is a JSON object whose shape depends on the event name.
                response: if stream {
                    sse(
                        &["meta", "tool", "token", "sources", "done", "error"],
                        "meta: the turn's ids, model and retrieval mode; tool: a ToolCall; token: {seq, text}; \
                         sources: {sources: [Source]}; done: usage, latency, answerable, confidence; error: {code, message}",
                    )
                } else {
                    chat_answer()
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
            response: chat_completion(),
            also: vec![(
                "text/event-stream",
                sse(
                    &["message"],
                    "a chat.completion.chunk object (choices[0].delta), then the literal [DONE]",
                ),
            )],
            ..base(
                "OpenAI-compatible chat completions (retrieval and tools included; system prompt and earlier turns as \
                 context; stream or not, with stream_options.include_usage). Errors in OpenAI's shape",
                "chat",
            )
        },
        Route::Models => Spec {
            response: all(json!({ "object": { "const": "list" }, "data": array(all(json!({
                "id": string(), "object": { "const": "model" }, "created": int(), "owned_by": string()
            }))) })),
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
            response: all(json!({
                "object": { "const": "list" },
                "data": array(all(json!({
                    "object": { "const": "embedding" }, "index": int(),
                    "embedding": { "oneOf": [array(number()), { "type": "string", "description": "base64 of little-endian f32" }] }
                }))),
                "model": string(),
                "usage": all(json!({ "prompt_tokens": int(), "total_tokens": int() })),
            })),
            ..base(
                "OpenAI-compatible embeddings from the configured embedder (404 model_not_found when none is)",
                "chat",
            )
        },
        Route::Tools => Spec {
            response: all(
                json!({ "tools": array(res(&["name", "description", "parameters"], json!({
                "name": string(), "description": string(),
                "parameters": { "type": "object", "description": "the JSON Schema of the tool's arguments" },
                "permission": string()
            }))) }),
            ),
            ..base(
                "The tools this caller may use, with their JSON-Schema parameters",
                "tools",
            )
        },
        Route::RunTool => Spec {
            request: Some(json!({ "type": "object" })),
            response: all(json!({
                "name": string(), "summary": string(),
                "value": any_json("the tool's result; its shape depends on the tool")
            })),
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
            response: all(json!({
                "sent": { "const": true }, "message_id": string(), "interaction_id": nullable(string())
            })),
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
            response: all(json!({ "conversations": array(all(json!({
                "id": string(), "title": string(), "language": nullable(string()), "created_at": int(),
                "updated_at": int(), "message_count": int()
            }))), "next_before": nullable(int()) })),
            ..base(
                "The caller's conversations, newest first; q searches titles and messages",
                "memory",
            )
        },
        Route::Conversation => Spec {
            response: named("Conversation"),
            ..base("One conversation with its messages", "memory")
        },
        Route::ConversationExport => Spec {
            query: vec![("format", json!({ "enum": ["json", "md", "markdown"] }))],
            response: named("Conversation"),
            also: vec![("text/markdown", text_body())],
            ..base("Export a conversation as JSON or Markdown", "memory")
        },
        Route::DeleteConversation => Spec {
            response: deleted(),
            ..base("Delete a conversation", "memory")
        },
        Route::MessageFeedback => Spec {
            request: Some(obj(&["value"], json!({ "value": { "enum": [1, -1] } }))),
            response: all(json!({ "id": string(), "feedback": { "type": "integer", "enum": [1, -1] } })),
            ..base("👍 (1) or 👎 (-1) on an answer", "memory")
        },
        Route::MemoryFacts => Spec {
            query: vec![
                ("q", json!({ "type": "string", "maxLength": 200 })),
                ("limit", json!({ "type": "string", "pattern": "^[0-9]{1,3}$" })),
            ],
            response: all(json!({ "facts": array(named("MemoryFact")) })),
            ..base("The caller's remembered facts", "memory")
        },
        Route::AddMemoryFact => Spec {
            request: Some(obj(&["content"], json!({ "content": s(3, 500) }))),
            success: 201,
            response: named("MemoryFact"),
            ..base("Remember a fact", "memory")
        },
        Route::EditMemoryFact => Spec {
            request: Some(obj(&["content"], json!({ "content": s(3, 500) }))),
            response: all(json!({ "id": string(), "content": string() })),
            ..base("Edit a remembered fact", "memory")
        },
        Route::DeleteMemoryFact => Spec {
            response: deleted(),
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
            response: all(json!({ "entries": array(all(json!({
                "id": int(), "actor_id": nullable(string()), "actor_role": nullable(string()), "action": string(),
                "target_type": nullable(string()), "target_id": nullable(string()), "ip": nullable(string()),
                "request_id": nullable(string()), "detail": any_json("what the action changed (JSON)"), "created_at": int()
            }))), "next_before": nullable(int()) })),
            ..base("The audit log, newest first", "admin")
        },
    }
}
