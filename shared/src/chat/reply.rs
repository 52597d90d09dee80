//! The HTTP-facing pure parts of the chat routes, so the worker's adapters only move bytes: the model names a
//! request may ask for, the `POST /bali-zero/chat` JSON document, a channel turn's input, the SSE response
//! headers, who asks, the search a turn runs, and who may resume an answer (`Last-Event-ID`).

use serde_json::{json, Value};

use super::events::message_of;
use super::request::MAX_QUERY_CHARS;
use super::turn::{Caller, Conversation, TurnResult, PASSAGES};
use super::{ChatInput, ValidChat};
use crate::auth::Principal;
use crate::config::ProviderConfig;
use crate::error::{ApiError, ApiResult};
use crate::ids::new_id;
use crate::search::SearchRequest;

/// The headers of an event-stream response. Compressed event streams can be buffered by the platform,
/// hence `identity` and `X-Accel-Buffering: no`.
pub const SSE_HEADERS: [(&str, &str); 4] = [
    ("Content-Type", "text/event-stream; charset=utf-8"),
    ("Cache-Control", "no-cache, no-transform"),
    ("Content-Encoding", "identity"),
    ("X-Accel-Buffering", "no"),
];

/// Comment lines keep proxies from closing a quiet stream (a slow first byte from a provider).
pub const HEARTBEAT_SECS: u64 = 15;

/// The model names a request may ask for: provider names and their models.
pub fn model_names(providers: &[ProviderConfig]) -> Vec<String> {
    providers
        .iter()
        .flat_map(|p| [p.name.clone(), p.model.clone()])
        .collect()
}

/// Validates a chat request against the configured models.
pub fn validate(input: ChatInput, providers: &[ProviderConfig]) -> ApiResult<ValidChat> {
    let names = model_names(providers);
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    input.validate(&refs)
}

/// The body of `POST /bali-zero/chat`.
pub fn json_body(r: &TurnResult, session_id: &str) -> Value {
    json!({
        "conversation_id": r.conversation_id, "session_id": session_id, "message_id": r.message_id,
        "answer": r.answer, "sources": r.sources, "tools": r.tools, "model": r.model, "provider": r.provider,
        "fallbacks": r.fallbacks, "usage": r.usage, "latency_ms": r.latency_ms,
        "answerable": r.answerable, "confidence": r.confidence, "signals": r.signals,
    })
}

/// A messaging channel's turn (WhatsApp): the message (cut to the longest question allowed) in an existing
/// conversation of the channel's anonymous session, with the default model.
pub fn channel_chat(query: &str, conversation_id: &str, session_id: &str) -> ApiResult<ValidChat> {
    ChatInput {
        query: query.chars().take(MAX_QUERY_CHARS).collect(),
        session_id: Some(session_id.to_string()),
        conversation_id: Some(conversation_id.to_string()),
        collections: None,
        language: None,
        model: None,
    }
    .validate(&[])
}

/// Who asks: a signed-in user (an API key is not one), and the anonymous session.
pub fn caller(principal: Option<&Principal>, session_id: String) -> Caller {
    Caller {
        user_id: principal.and_then(Principal::user_id).map(str::to_string),
        session_id,
    }
}

/// The turn's anonymous session: the one the request names, or a new one from `random` (the chat routes and the
/// OpenAI-compatible one alike).
pub fn session_of(chat: &ValidChat, random: [u8; 16]) -> String {
    chat.session_id.clone().unwrap_or_else(|| new_id(random))
}

/// The retrieval a turn runs (the collection list is read to check it only when it names collections:
/// [`SearchRequest::names_collections`]).
pub fn search_of(chat: &ValidChat) -> SearchRequest {
    SearchRequest {
        query: chat.query.clone(),
        collections: chat.collections.clone(),
        top_k: Some(PASSAGES),
        mode: None,
        rerank: None,
    }
}

/// The answer a `Last-Event-ID` points at: 422 when it is not an event id of this API, 404 when the id
/// cannot be one of ours.
pub fn resumed_message(last_event_id: &str) -> ApiResult<&str> {
    let id = message_of(last_event_id)
        .ok_or_else(|| ApiError::validation("Last-Event-ID is not an event id of this API"))?;
    if id.len() > 64 {
        return Err(not_resumable());
    }
    Ok(id)
}

/// Who may resume an answer: the owner of its conversation (user, or the anonymous session).
pub fn may_resume(conv: Option<&Conversation>, principal: Option<&Principal>, session_id: Option<&str>) -> bool {
    let Some(conv) = conv else {
        return false;
    };
    match (conv.user_id.as_deref(), principal) {
        (Some(owner), Some(me)) => owner == me.id,
        (None, _) => session_id.is_some() && conv.session_id.as_deref() == session_id,
        _ => false,
    }
}

pub fn not_resumable() -> ApiError {
    ApiError::not_found("no such answer")
}

#[cfg(test)]
#[path = "reply_tests.rs"]
mod tests;
