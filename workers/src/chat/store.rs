//! Where a chat turn is kept: conversations and messages in D1, the recent window of a conversation
//! in KV (read on every turn), and each answer's event log in KV (for `Last-Event-ID` resumption).

use nuzantara_shared::chat::{history, AnswerLog, ValidChat};
use nuzantara_shared::error::{ApiError, ApiResult};
use nuzantara_shared::ids::new_id;
use nuzantara_shared::llm::ChatMessage;
use serde::Deserialize;
use serde_json::Value;

use crate::context::Ctx;
use crate::db::{self, P};
use crate::platform::{now_ms, random16};
use crate::respond::internal;

pub const RECENT: usize = 20;
/// Answers stay resumable for a day.
const ANSWER_TTL_SECS: u64 = 86_400;

#[derive(Debug, Clone, Deserialize)]
pub struct Conversation {
    pub id: String,
    pub user_id: Option<String>,
    pub session_id: Option<String>,
}

/// The conversation of this turn: the named one if the caller owns it (404 otherwise), else a new one.
pub async fn conversation(ctx: &Ctx, chat: &ValidChat, session_id: &str) -> ApiResult<(Conversation, bool)> {
    let db = db::db(ctx)?;
    let user = ctx
        .principal
        .as_ref()
        .filter(|p| p.role != nuzantara_shared::auth::Role::Service)
        .map(|p| p.id.clone());
    if let Some(id) = &chat.conversation_id {
        let conv: Option<Conversation> = db::first(
            &db,
            "SELECT id, user_id, session_id FROM conversations WHERE id = ?1 AND deleted_at IS NULL",
            &[P::S(id.as_str())],
        )
        .await?;
        let conv = conv.filter(|c| match (&c.user_id, &user) {
            (Some(owner), Some(me)) => owner == me,
            (None, None) => c.session_id.as_deref() == Some(session_id),
            _ => false,
        });
        return conv
            .map(|c| (c, false))
            .ok_or_else(|| ApiError::not_found("no such conversation"));
    }
    let id = new_id(random16());
    let title: String = chat.query.chars().take(80).collect();
    let now = now_ms() as i64;
    db::run(
        &db,
        "INSERT INTO conversations (id, user_id, session_id, title, language, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        &[P::S(&id), user.as_deref().into(), P::S(session_id), P::S(&title), P::S(chat.language.code()), P::I(now)],
    )
    .await?;
    Ok((
        Conversation {
            id,
            user_id: user,
            session_id: Some(session_id.to_string()),
        },
        true,
    ))
}

/// The conversation's recent messages: from KV when cached, else from D1.
pub async fn recent(ctx: &Ctx, conversation_id: &str) -> ApiResult<Vec<ChatMessage>> {
    let kv = ctx.env.kv("KV").map_err(internal)?;
    if let Ok(Some(text)) = kv.get(&format!("recent:{conversation_id}")).text().await {
        if let Ok(msgs) = serde_json::from_str::<Vec<ChatMessage>>(&text) {
            return Ok(msgs);
        }
    }
    #[derive(Deserialize)]
    struct Row {
        role: String,
        content: String,
    }
    let db = db::db(ctx)?;
    let rows: Vec<Row> = db::all(
        &db,
        "SELECT role, content FROM (SELECT role, content, seq FROM messages WHERE conversation_id = ?1 \
         AND role IN ('user', 'assistant') AND content != '' ORDER BY seq DESC LIMIT ?2) ORDER BY seq",
        &[P::S(conversation_id), P::I(RECENT as i64)],
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            if r.role == "user" {
                ChatMessage::user(r.content)
            } else {
                ChatMessage::assistant(r.content)
            }
        })
        .collect())
}

pub async fn remember_recent(ctx: &Ctx, conversation_id: &str, mut msgs: Vec<ChatMessage>) -> ApiResult<()> {
    let start = msgs.len().saturating_sub(RECENT);
    msgs.drain(..start);
    let kv = ctx.env.kv("KV").map_err(internal)?;
    let text = serde_json::to_string(&msgs).map_err(internal)?;
    kv.put(&format!("recent:{conversation_id}"), text)
        .map_err(internal)?
        .expiration_ttl(7 * 86_400)
        .execute()
        .await
        .map_err(internal)
}

/// History for the model: the recent window within a token budget.
pub fn history_for_model(recent: &[ChatMessage]) -> Vec<ChatMessage> {
    history::window(recent, 3_000)
}

pub struct NewMessage<'a> {
    pub id: &'a str,
    pub conversation_id: &'a str,
    pub role: &'a str,
    pub content: &'a str,
    pub status: &'a str,
    pub model: Option<&'a str>,
    pub sources: Option<Value>,
    pub tool_calls: Option<Value>,
    pub tokens: Option<(u64, u64)>,
    pub latency_ms: Option<u64>,
}

/// Appends a message at the next sequence number (retrying once if a concurrent turn took it).
pub async fn insert_message(ctx: &Ctx, m: NewMessage<'_>) -> ApiResult<()> {
    let db = db::db(ctx)?;
    let now = now_ms() as i64;
    let sources = m.sources.map(|s| s.to_string());
    let tools = m.tool_calls.map(|s| s.to_string());
    let mut last = None;
    for _ in 0..3 {
        let r = db::run(
            &db,
            "INSERT INTO messages (id, conversation_id, seq, role, content, model, status, sources, tool_calls, tokens_in, tokens_out, latency_ms, created_at) \
             VALUES (?1, ?2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM messages WHERE conversation_id = ?2), ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            &[
                P::S(m.id),
                P::S(m.conversation_id),
                P::S(m.role),
                P::S(m.content),
                m.model.into(),
                P::S(m.status),
                sources.as_deref().into(),
                tools.as_deref().into(),
                m.tokens.map(|t| P::I(t.0 as i64)).unwrap_or(P::Null),
                m.tokens.map(|t| P::I(t.1 as i64)).unwrap_or(P::Null),
                m.latency_ms.map(|l| P::I(l as i64)).unwrap_or(P::Null),
                P::I(now),
            ],
        )
        .await;
        match r {
            Ok(_) => {
                db::run(
                    &db,
                    "UPDATE conversations SET updated_at = ?1 WHERE id = ?2",
                    &[P::I(now), P::S(m.conversation_id)],
                )
                .await?;
                return Ok(());
            }
            Err(e) if e.status() == 409 => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| ApiError::internal("message insert failed")))
}

/// Completes a message inserted as a placeholder at the start of the turn.
pub async fn finish_message(ctx: &Ctx, m: NewMessage<'_>) -> ApiResult<()> {
    let db = db::db(ctx)?;
    db::run(
        &db,
        "UPDATE messages SET content = ?1, status = ?2, model = ?3, sources = ?4, tool_calls = ?5, tokens_in = ?6,          tokens_out = ?7, latency_ms = ?8 WHERE id = ?9",
        &[
            P::S(m.content),
            P::S(m.status),
            m.model.into(),
            m.sources.map(|s| s.to_string()).as_deref().into(),
            m.tool_calls.map(|s| s.to_string()).as_deref().into(),
            m.tokens.map(|t| P::I(t.0 as i64)).unwrap_or(P::Null),
            m.tokens.map(|t| P::I(t.1 as i64)).unwrap_or(P::Null),
            m.latency_ms.map(|l| P::I(l as i64)).unwrap_or(P::Null),
            P::S(m.id),
        ],
    )
    .await
    .map(|_| ())
}

pub async fn save_answer_log(ctx: &Ctx, log: &AnswerLog) -> ApiResult<()> {
    let kv = ctx.env.kv("KV").map_err(internal)?;
    let text = serde_json::to_string(log).map_err(internal)?;
    kv.put(&format!("answer:{}", log.message_id), text)
        .map_err(internal)?
        .expiration_ttl(ANSWER_TTL_SECS)
        .execute()
        .await
        .map_err(internal)
}

pub async fn load_answer_log(ctx: &Ctx, message_id: &str) -> ApiResult<Option<AnswerLog>> {
    let kv = ctx.env.kv("KV").map_err(internal)?;
    let text = kv.get(&format!("answer:{message_id}")).text().await.map_err(internal)?;
    Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
}

/// Who may resume an answer: the owner of its conversation (user, or the anonymous session).
pub async fn answer_owner_ok(ctx: &Ctx, message_id: &str, session_id: Option<&str>) -> ApiResult<bool> {
    let db = db::db(ctx)?;
    let row: Option<Conversation> = db::first(
        &db,
        "SELECT c.id, c.user_id, c.session_id FROM messages m JOIN conversations c ON c.id = m.conversation_id \
         WHERE m.id = ?1 AND c.deleted_at IS NULL",
        &[P::S(message_id)],
    )
    .await?;
    let me = ctx.principal.as_ref().map(|p| p.id.as_str());
    Ok(match row {
        None => false,
        Some(c) => match (c.user_id.as_deref(), me) {
            (Some(owner), Some(me)) => owner == me,
            (None, _) => session_id.is_some() && c.session_id.as_deref() == session_id,
            _ => false,
        },
    })
}
