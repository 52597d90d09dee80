//! The named response schemas (`#/components/schemas/...`) of the routes outside the CRM (those are in
//! `crm::openapi_responses`). Each mirrors what a handler serialises: a shared type (`SearchHit`, `Citation`,
//! `ChatEvent`'s `Done`...) or a row the worker builds; `tests/python/test_openapi_conformance.py` checks
//! real responses against them.

use serde_json::{json, Map, Value};

use super::schema::{all, array, boolean, int, named, nullable, number, res, string};

fn nstr() -> Value {
    nullable(string())
}
fn role() -> Value {
    json!({ "type": "string", "enum": ["admin", "consultant", "client"] })
}
/// A free-form JSON value: its shape is another schema's business (a tool's arguments or result).
pub(crate) fn any_json(why: &str) -> Value {
    json!({ "description": why })
}

/// Every named schema of the document, the CRM's included.
pub fn schemas() -> Map<String, Value> {
    let highlights = array(json!({ "type": "array", "items": int(), "minItems": 2, "maxItems": 2 }));
    let mut out: Vec<(&str, Value)> = vec![
        (
            // Open, as before: the /v1 routes may add OpenAI's fields (type, param) to their errors.
            "Error",
            json!({
                "type": "object",
                "required": ["error"],
                "properties": { "error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": { "code": string(), "message": string(), "request_id": string() }
                } }
            }),
        ),
        (
            "OpenAiError",
            json!({
                "type": "object",
                "required": ["error"],
                "properties": { "error": {
                    "type": "object",
                    "required": ["message", "type", "param", "code"],
                    "properties": { "message": string(), "type": string(),
                                    "param": { "type": ["string", "null"] }, "code": { "type": ["string", "null"] } }
                } }
            }),
        ),
        (
            "User",
            all(json!({
                "id": string(), "email": string(), "name": string(), "role": role(),
                "language": string(), "client_id": nstr(), "disabled": boolean()
            })),
        ),
        (
            "Tokens",
            res(
                &["access_token", "token_type", "expires_in", "refresh_token", "user"],
                json!({
                    "access_token": string(), "token_type": { "const": "Bearer" }, "expires_in": int(),
                    "refresh_token": string(), "user": named("User"),
                    "ok": boolean()
                }),
            ),
        ),
        (
            "Citation",
            all(json!({
                "label": string(), "title": string(), "section": string(), "page": nullable(int()),
                "url": nstr(), "r2_key": nstr(), "document_id": string(), "document_link": string()
            })),
        ),
        (
            "SearchHit",
            all(json!({
                "chunk_id": string(), "collection": string(), "text": string(),
                "snippet": all(json!({ "text": string(), "highlights": highlights.clone() })),
                "score": number(),
                "scores": all(json!({
                    "fused": number(), "bm25": nullable(number()), "keyword_rank": nullable(int()),
                    "vector": nullable(number()), "vector_rank": nullable(int()), "rerank": nullable(number())
                })),
                "citation": named("Citation"),
            })),
        ),
        (
            "Source",
            all(json!({
                "n": int(), "label": string(), "title": string(), "section": string(), "snippet": string(),
                "highlights": highlights, "score": number(), "collection": string(), "document_link": string(),
                "url": nstr(), "page": nullable(int())
            })),
        ),
        (
            "ToolCall",
            res(
                &["name", "arguments", "ok"],
                json!({
                    "name": string(), "arguments": any_json("the arguments the tool was called with"),
                    "ok": boolean(), "summary": string(), "result": any_json("the tool's result (see GET /api/tools)"),
                    "error": all(json!({ "code": string(), "message": string() }))
                }),
            ),
        ),
        (
            "TokenUsage",
            all(json!({ "input_tokens": int(), "output_tokens": int() })),
        ),
        (
            "Message",
            all(json!({
                "id": string(), "seq": int(), "role": { "enum": ["user", "assistant", "tool", "system"] },
                "content": string(), "model": nstr(), "status": string(),
                "sources": nullable(array(named("Source"))), "tool_calls": nullable(array(named("ToolCall"))),
                "tokens_in": nullable(int()), "tokens_out": nullable(int()), "latency_ms": nullable(int()),
                "feedback": nullable(json!({ "type": "integer", "enum": [1, -1] })), "created_at": int()
            })),
        ),
        (
            "Conversation",
            all(json!({
                "id": string(), "title": string(), "language": nstr(), "session_id": nstr(),
                "created_at": int(), "updated_at": int(), "messages": array(named("Message"))
            })),
        ),
        (
            "MemoryFact",
            all(
                json!({ "id": string(), "content": string(), "source": string(), "created_at": int(), "updated_at": int() }),
            ),
        ),
    ];
    out.extend(crate::crm::openapi_responses::schemas());
    out.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

// Responses of one route that are not worth a name.

pub(crate) fn deleted() -> Value {
    all(json!({ "id": string(), "deleted": boolean() }))
}
pub(crate) fn me() -> Value {
    // An API key is a service principal: it has an id, a role and scopes, not a user record.
    json!({ "anyOf": [
        named("User"),
        all(json!({ "id": string(), "role": { "const": "service" }, "scopes": array(string()) })),
    ] })
}
/// A user as the admin routes show it (`disabled` as a boolean), with `extra` fields.
pub(crate) fn admin_user(extra: &[(&str, Value)]) -> Value {
    let mut v = json!({
        "id": string(), "email": string(), "name": string(), "role": role(),
        "language": string(), "client_id": nstr(), "disabled": boolean()
    });
    let mut required: Vec<&str> = vec!["id", "email", "name", "role", "language", "client_id", "disabled"];
    for (k, s) in extra {
        v[*k] = s.clone();
        // A generated password is only there when none was given.
        if *k != "generated_password" {
            required.push(k);
        }
    }
    res(&required, v)
}
pub(crate) fn health_detailed() -> Value {
    // Operational detail: the known fields are typed, providers may add more.
    let part = |props: Value| json!({ "type": "object", "required": ["mode"], "properties": props });
    let store = json!({ "type": "object", "required": ["status", "latency_ms"], "properties": {
        "status": { "enum": ["ok", "error"] }, "latency_ms": number(), "error": string(), "kb_chunks": int()
    } });
    all(json!({
        "status": { "enum": ["ok", "degraded"] },
        "stores": all(json!({ "d1": store, "kv": store, "r2": store })),
        "search": all(json!({
            "vector": part(json!({ "mode": string(), "status": string(), "dimensions": nullable(int()), "vectors": nullable(int()), "error": string() })),
            "embedder": part(json!({ "mode": string(), "model": string(), "base_url": string(), "dimensions": nullable(int()),
                                     "status": string(), "latency_ms": number(), "error": string(), "note": string() })),
            "reranker": part(json!({ "mode": string() })),
        })),
        "model": all(json!({
            "mode": { "enum": ["offline", "providers"] },
            "providers": array(all(json!({ "name": string(), "model": string(), "mode": { "enum": ["offline", "remote"] } }))),
        })),
        "request_id": string(),
    }))
}
/// This document: its outline, typed; the rest is OpenAPI 3.1's own schema (spec.openapis.org/oas/3.1).
pub(crate) fn this_document() -> Value {
    let per_spec =
        |what: &str| json!({ "type": "object", "description": format!("{what}, as OpenAPI 3.1 defines it") });
    json!({ "type": "object", "required": ["openapi", "info", "servers", "paths", "components"], "properties": {
        "openapi": { "const": "3.1.0" },
        "info": all(json!({ "title": string(), "version": string(), "description": string() })),
        "servers": array(all(json!({ "url": string(), "description": string() }))),
        "paths": per_spec("The operations by path"),
        "components": per_spec("Named schemas and security schemes"),
    } })
}
pub(crate) fn search_response() -> Value {
    all(json!({
        "query": string(), "mode": { "enum": ["hybrid", "keyword", "vector"] }, "notice": nstr(),
        "collections": nullable(array(string())), "routed_to": array(string()), "expanded_terms": array(string()),
        "results": array(named("SearchHit")), "cached": boolean(), "took_ms": number()
    }))
}
pub(crate) fn kb_document() -> Value {
    all(json!({
        "id": string(), "collection": string(), "source_path": string(), "title": string(), "language": string(),
        "authority": nstr(), "url": nstr(), "effective_date": nstr(), "r2_key": nstr(), "source_link": nstr(),
        "chunk_count": int(), "bytes": int(), "updated_at": int(),
        "chunks": array(all(json!({ "id": string(), "ord": int(), "section": string(), "page": nullable(int()), "text": string() }))),
    }))
}
pub(crate) fn chat_answer() -> Value {
    all(json!({
        "conversation_id": string(), "session_id": string(), "message_id": string(), "answer": string(),
        "sources": array(named("Source")), "tools": array(named("ToolCall")), "model": string(), "provider": string(),
        "fallbacks": int(), "usage": named("TokenUsage"), "latency_ms": int(), "answerable": boolean(),
        "confidence": number(),
        "signals": all(json!({
            "coverage": number(), "union_coverage": number(), "vector": nullable(number()), "agreement": boolean(),
            "bm25_per_term": nullable(number()), "terms": int(), "tool": boolean()
        })),
    }))
}
/// OpenAI's chat completion object, open to the fields OpenAI adds (clients ignore what they do not know).
pub(crate) fn chat_completion() -> Value {
    json!({
        "type": "object",
        "required": ["id", "object", "created", "model", "choices"],
        "properties": {
            "id": string(), "object": { "const": "chat.completion" }, "created": int(), "model": string(),
            "choices": array(json!({
                "type": "object", "required": ["index", "message", "finish_reason"],
                "properties": {
                    "index": int(),
                    "message": { "type": "object", "required": ["role", "content"], "properties": {
                        "role": { "const": "assistant" }, "content": nstr() } },
                    "finish_reason": nullable(string()),
                }
            })),
            "usage": { "type": "object", "required": ["prompt_tokens", "completion_tokens", "total_tokens"], "properties": {
                "prompt_tokens": int(), "completion_tokens": int(), "total_tokens": int() } },
            "nuzantara": { "type": "object", "description": "Nuzantara's additions: sources, tools, provider", "properties": {
                "sources": array(named("Source")), "tools": array(named("ToolCall")), "provider": string(),
                "fallbacks": int(), "conversation_id": string() } },
        }
    })
}
