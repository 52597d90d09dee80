//! The chat's [`TurnStore`] over D1 (conversations, messages) and KV (each streamed answer's event log for
//! `Last-Event-ID` resumption). What is written, and how, is planned in [`nuzantara_shared::chat::store_sql`].

use nuzantara_shared::chat::store_sql::{self as sql, HistoryRow};
use nuzantara_shared::chat::turn::{Conversation, Finished, LogSource, Opening, TurnStore};
use nuzantara_shared::chat::AnswerLog;
use nuzantara_shared::error::{ApiError, ApiResult};
use nuzantara_shared::llm::ChatMessage;
use worker::{D1Database, KvStore};

use crate::db::{self, P};
use crate::respond::internal;

pub struct ChatStore {
    pub db: D1Database,
    pub kv: KvStore,
}

impl ChatStore {
    /// The conversation an answer belongs to.
    pub async fn conversation_of_answer(&self, message_id: &str) -> ApiResult<Option<Conversation>> {
        db::first(&self.db, sql::CONVERSATION_OF_ANSWER, &[P::S(message_id)]).await
    }
}

impl LogSource for ChatStore {
    async fn load_log(&self, message_id: &str) -> ApiResult<Option<AnswerLog>> {
        let text = self.kv.get(&sql::log_key(message_id)).text().await.map_err(internal)?;
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    }
}

impl TurnStore for ChatStore {
    /// One D1 batch: the conversation and its recent window (read whatever the owner; the engine checks).
    async fn conversation_with_recent(&self, id: &str) -> ApiResult<Option<(Conversation, Vec<ChatMessage>)>> {
        let recent = sql::recent(id);
        let results = self
            .db
            .batch(vec![
                db::stmt(&self.db, sql::CONVERSATION, &[P::S(id)])?,
                db::planned(&self.db, &recent)?,
            ])
            .await
            .map_err(internal)?;
        let [conv, rows] = results.as_slice() else {
            return Err(internal("D1 answered a batch of two with another count"));
        };
        let Some(conv) = conv.results::<Conversation>().map_err(internal)?.into_iter().next() else {
            return Ok(None);
        };
        let rows: Vec<HistoryRow> = rows.results().map_err(internal)?;
        Ok(Some((conv, sql::history(rows))))
    }

    /// One D1 batch (a transaction), retried when a concurrent turn took the next sequence number.
    async fn begin(&self, o: &Opening, answer: Option<&Finished>) -> ApiResult<()> {
        let plan = sql::begin(o, answer);
        let mut last = None;
        for _ in 0..sql::BEGIN_ATTEMPTS {
            let batch = plan
                .iter()
                .map(|s| db::planned(&self.db, s))
                .collect::<ApiResult<Vec<_>>>()?;
            match db::batch(&self.db, batch).await {
                Ok(()) => return Ok(()),
                Err(e) if e.status() == 409 => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| ApiError::internal("message insert failed")))
    }

    async fn finish(&self, m: &Finished) -> ApiResult<()> {
        let s = sql::finish(m);
        db::run(&self.db, s.sql, &db::args(&s)).await.map(|_| ())
    }

    async fn save_log(&self, log: &AnswerLog) -> ApiResult<()> {
        let text = serde_json::to_string(log).map_err(internal)?;
        self.kv
            .put(&sql::log_key(&log.message_id), text)
            .map_err(internal)?
            .expiration_ttl(sql::ANSWER_TTL_SECS)
            .execute()
            .await
            .map_err(internal)
    }
}
