//! The chat store's storage plan, free of the runtime: the key of an answer's event log, the SQL text with
//! its arguments, the history rows' mapping, and the statements of one turn's batch. The worker only sends
//! them to D1 and KV.

use serde::Deserialize;

use super::turn::{Finished, Opening, RECENT};
use crate::llm::ChatMessage;

/// Answers stay resumable for a day.
pub const ANSWER_TTL_SECS: u64 = 86_400;
/// A turn's batch is retried this often when a concurrent turn took the next sequence number (409).
pub const BEGIN_ATTEMPTS: usize = 3;

/// The KV key of an answer's event log.
pub fn log_key(message_id: &str) -> String {
    format!("answer:{message_id}")
}

/// A bound argument. `Null` binds SQL NULL.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    S(String),
    I(i64),
    Null,
}

impl Arg {
    fn s(s: &str) -> Arg {
        Arg::S(s.to_string())
    }
    fn opt(s: Option<&str>) -> Arg {
        s.map(Arg::s).unwrap_or(Arg::Null)
    }
}

/// One statement: SQL text and its arguments (`?1`, `?2`… in order).
#[derive(Debug, Clone, PartialEq)]
pub struct Stmt {
    pub sql: &'static str,
    pub args: Vec<Arg>,
}

pub const CONVERSATION: &str = "SELECT id, user_id, session_id FROM conversations WHERE id = ?1 AND deleted_at IS NULL";

pub const CONVERSATION_OF_ANSWER: &str =
    "SELECT c.id, c.user_id, c.session_id FROM messages m JOIN conversations c ON c.id = m.conversation_id \
     WHERE m.id = ?1 AND c.deleted_at IS NULL";

const RECENT_SQL: &str =
    "SELECT role, content FROM (SELECT role, content, seq FROM messages WHERE conversation_id = ?1 \
     AND role IN ('user', 'assistant') AND content != '' ORDER BY seq DESC LIMIT ?2) ORDER BY seq";

const INSERT_CONVERSATION: &str =
    "INSERT INTO conversations (id, user_id, session_id, title, language, created_at, updated_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)";

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

const TOUCH_CONVERSATION: &str = "UPDATE conversations SET updated_at = ?1 WHERE id = ?2";

/// The conversation's recent user/assistant messages (one indexed read of `messages` by conversation and
/// seq, only when a turn continues a conversation), oldest first.
pub fn recent(conversation_id: &str) -> Stmt {
    Stmt {
        sql: RECENT_SQL,
        args: vec![Arg::s(conversation_id), Arg::I(RECENT as i64)],
    }
}

/// A row of [`recent`].
#[derive(Debug, Deserialize)]
pub struct HistoryRow {
    pub role: String,
    pub content: String,
}

pub fn history(rows: Vec<HistoryRow>) -> Vec<ChatMessage> {
    rows.into_iter()
        .map(|r| match r.role.as_str() {
            "user" => ChatMessage::user(r.content),
            _ => ChatMessage::assistant(r.content),
        })
        .collect()
}

/// One batch (a transaction): the new conversation, the question, the placeholder or the finished answer,
/// and `updated_at` of a continued conversation.
pub fn begin(o: &Opening, answer: Option<&Finished>) -> Vec<Stmt> {
    let conv = o.conversation_id.as_str();
    let now = Arg::I(o.now_ms as i64);
    let mut batch = Vec::with_capacity(4);
    if let Some(c) = &o.new_conversation {
        batch.push(Stmt {
            sql: INSERT_CONVERSATION,
            args: vec![
                Arg::s(conv),
                Arg::opt(c.user_id.as_deref()),
                Arg::s(&c.session_id),
                Arg::s(&c.title),
                Arg::s(c.language),
                now.clone(),
            ],
        });
    }
    let message = |id: &str, role: &str, content: &str, status: &str| Stmt {
        sql: INSERT_MESSAGE,
        args: vec![
            Arg::s(id),
            Arg::s(conv),
            Arg::s(role),
            Arg::s(content),
            Arg::s(status),
            now.clone(),
        ],
    };
    batch.push(message(&o.question_id, "user", &o.question, "complete"));
    batch.push(match answer {
        None => message(&o.answer_id, "assistant", "", "partial"),
        Some(m) => {
            let mut args = vec![Arg::s(&o.answer_id), Arg::s(conv)];
            args.extend(answer_args(m));
            args.insert(4, now.clone());
            Stmt {
                sql: INSERT_ANSWER,
                args,
            }
        }
    });
    if o.new_conversation.is_none() {
        batch.push(Stmt {
            sql: TOUCH_CONVERSATION,
            args: vec![now, Arg::s(conv)],
        });
    }
    batch
}

/// Fills the placeholder [`begin`] wrote.
pub fn finish(m: &Finished) -> Stmt {
    let mut args = answer_args(m);
    args.push(Arg::s(&m.answer_id));
    Stmt {
        sql: UPDATE_ANSWER,
        args,
    }
}

/// content, status, model, sources, tool_calls (JSON text), tokens in/out, latency: the order both answer
/// statements use.
fn answer_args(m: &Finished) -> Vec<Arg> {
    let json = |v: &Option<serde_json::Value>| v.as_ref().map(|v| Arg::S(v.to_string())).unwrap_or(Arg::Null);
    vec![
        Arg::s(&m.content),
        Arg::s(m.status),
        Arg::opt(m.model.as_deref()),
        json(&m.sources),
        json(&m.tool_calls),
        m.tokens.map(|t| Arg::I(t.0 as i64)).unwrap_or(Arg::Null),
        m.tokens.map(|t| Arg::I(t.1 as i64)).unwrap_or(Arg::Null),
        Arg::I(m.latency_ms as i64),
    ]
}

#[cfg(test)]
#[path = "store_sql_tests.rs"]
mod tests;
