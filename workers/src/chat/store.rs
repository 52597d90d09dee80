//! The chat's [`TurnStore`] over D1 (conversations, messages: the history a turn sends is read back from
//! them) and KV (each streamed answer's event log for `Last-Event-ID` resumption).

use nuzantara_shared::chat::turn::{Conversation, Finished, LogSource, Opening, TurnStore, RECENT};
use nuzantara_shared::chat::AnswerLog;
use nuzantara_shared::error::{ApiError, ApiResult};
use nuzantara_shared::llm::ChatMessage;
use serde::Deserialize;
use worker::{D1Database, KvStore};

use crate::context::Ctx;
use crate::db::{self, P};
use crate::respond::internal;

/// Answers stay resumable for a day.
const ANSWER_TTL_SECS: u64 = 86_400;

const INSERT_MESSAGE: &str = "INSERT INTO messages (id, conversation_id, seq, role, content, status, created_at) \
     VALUES (?1, ?2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM messages WHERE conversation_id = ?2), ?3, ?4, ?5, ?6)";

/// An answer inserted finished (a turn answered whole).
const INSERT_ANSWER: &str =
    "INSERT INTO messages (id, conversation_id, seq, role, content, status, created_at, model, \
     sources, tool_calls, tokens_in, tokens_out, latency_ms) VALUES (?1, ?2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM \
     messages WHERE conversation_id = ?2), 'assistant', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

const UPDATE_ANSWER: &str =
    "UPDATE messages SET content = ?1, status = ?2, model = ?3, sources = ?4, tool_calls = ?5, \
     tokens_in = ?6, tokens_out = ?7, latency_ms = ?8 WHERE id = ?9";

pub struct ChatStore {
    db: D1Database,
    kv: KvStore,
}

impl ChatStore {
    pub fn new(ctx: &Ctx) -> ApiResult<Self> {
        Ok(Self {
            db: db::db(ctx)?,
            kv: ctx.kv()?,
        })
    }

    /// The conversation an answer belongs to.
    pub async fn conversation_of_answer(&self, message_id: &str) -> ApiResult<Option<Conversation>> {
        db::first(
            &self.db,
            "SELECT c.id, c.user_id, c.session_id FROM messages m JOIN conversations c ON c.id = m.conversation_id \
             WHERE m.id = ?1 AND c.deleted_at IS NULL",
            &[P::S(message_id)],
        )
        .await
    }
}

impl LogSource for ChatStore {
    async fn load_log(&self, message_id: &str) -> ApiResult<Option<AnswerLog>> {
        let text = self
            .kv
            .get(&format!("answer:{message_id}"))
            .text()
            .await
            .map_err(internal)?;
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    }
}

impl TurnStore for ChatStore {
    async fn conversation(&self, id: &str) -> ApiResult<Option<Conversation>> {
        db::first(
            &self.db,
            "SELECT id, user_id, session_id FROM conversations WHERE id = ?1 AND deleted_at IS NULL",
            &[P::S(id)],
        )
        .await
    }

    /// One indexed read (`messages` by conversation and seq), only when a turn continues a conversation:
    /// cheaper than keeping a copy in KV, which cost a KV write on every turn.
    async fn recent(&self, conversation_id: &str) -> ApiResult<Vec<ChatMessage>> {
        #[derive(Deserialize)]
        struct Row {
            role: String,
            content: String,
        }
        let rows: Vec<Row> = db::all(
            &self.db,
            "SELECT role, content FROM (SELECT role, content, seq FROM messages WHERE conversation_id = ?1 \
             AND role IN ('user', 'assistant') AND content != '' ORDER BY seq DESC LIMIT ?2) ORDER BY seq",
            &[P::S(conversation_id), P::I(RECENT as i64)],
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| match r.role.as_str() {
                "user" => ChatMessage::user(r.content),
                _ => ChatMessage::assistant(r.content),
            })
            .collect())
    }

    /// One D1 batch (a transaction): the new conversation, the question, the placeholder or the finished
    /// answer, `updated_at`. Retried when a concurrent turn took the next sequence number.
    async fn begin(&self, o: &Opening, answer: Option<&Finished>) -> ApiResult<()> {
        let conv = o.conversation_id.as_str();
        let mut last = None;
        for _ in 0..3 {
            let mut batch = Vec::with_capacity(4);
            if let Some(c) = &o.new_conversation {
                batch.push(db::stmt(
                    &self.db,
                    "INSERT INTO conversations (id, user_id, session_id, title, language, created_at, updated_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
                    &[
                        P::S(conv),
                        c.user_id.as_deref().into(),
                        P::S(&c.session_id),
                        P::S(&c.title),
                        P::S(c.language),
                        P::I(o.now_ms as i64),
                    ],
                )?);
            }
            batch.push(db::stmt(
                &self.db,
                INSERT_MESSAGE,
                &[
                    P::S(&o.question_id),
                    P::S(conv),
                    P::S("user"),
                    P::S(&o.question),
                    P::S("complete"),
                    P::I(o.now_ms as i64),
                ],
            )?);
            batch.push(match answer {
                None => db::stmt(
                    &self.db,
                    INSERT_MESSAGE,
                    &[
                        P::S(&o.answer_id),
                        P::S(conv),
                        P::S("assistant"),
                        P::S(""),
                        P::S("partial"),
                        P::I(o.now_ms as i64),
                    ],
                )?,
                Some(m) => {
                    let (sources, tools) = json_columns(m);
                    let mut params = vec![P::S(&o.answer_id), P::S(conv)];
                    params.extend(answer_params(m, &sources, &tools));
                    params.insert(4, P::I(o.now_ms as i64));
                    db::stmt(&self.db, INSERT_ANSWER, &params)?
                }
            });
            if o.new_conversation.is_none() {
                batch.push(db::stmt(
                    &self.db,
                    "UPDATE conversations SET updated_at = ?1 WHERE id = ?2",
                    &[P::I(o.now_ms as i64), P::S(conv)],
                )?);
            }
            match db::batch(&self.db, batch).await {
                Ok(()) => return Ok(()),
                Err(e) if e.status() == 409 => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| ApiError::internal("message insert failed")))
    }

    async fn finish(&self, m: &Finished) -> ApiResult<()> {
        let (sources, tools) = json_columns(m);
        let mut params = answer_params(m, &sources, &tools);
        params.push(P::S(&m.answer_id));
        db::run(&self.db, UPDATE_ANSWER, &params).await.map(|_| ())
    }

    async fn save_log(&self, log: &AnswerLog) -> ApiResult<()> {
        let text = serde_json::to_string(log).map_err(internal)?;
        self.kv
            .put(&format!("answer:{}", log.message_id), text)
            .map_err(internal)?
            .expiration_ttl(ANSWER_TTL_SECS)
            .execute()
            .await
            .map_err(internal)
    }
}

/// The answer's JSON columns as text.
fn json_columns(m: &Finished) -> (Option<String>, Option<String>) {
    (
        m.sources.as_ref().map(|s| s.to_string()),
        m.tool_calls.as_ref().map(|s| s.to_string()),
    )
}

/// content, status, model, sources, tool_calls, tokens in/out, latency: the order both answer statements use.
fn answer_params<'a>(m: &'a Finished, sources: &'a Option<String>, tools: &'a Option<String>) -> Vec<P<'a>> {
    vec![
        P::S(&m.content),
        P::S(m.status),
        m.model.as_deref().into(),
        sources.as_deref().into(),
        tools.as_deref().into(),
        m.tokens.map(|t| P::I(t.0 as i64)).unwrap_or(P::Null),
        m.tokens.map(|t| P::I(t.1 as i64)).unwrap_or(P::Null),
        P::I(m.latency_ms as i64),
    ]
}
