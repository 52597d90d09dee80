//! The team's side of the channel: the WhatsApp conversations (list, one with its messages and delivery
//! statuses), taking one over and releasing it, a consultant's own message, and the admins' failure list.

use nuzantara_shared::auth::Principal;
use nuzantara_shared::error::{ApiError, ApiResult};
use nuzantara_shared::whatsapp::graph::OutgoingMessage;
use serde::Deserialize;
use serde_json::{json, Value};
use worker::{D1Database, Queue, Request};

use super::{queue_message, store};
use crate::audit::{self, Origin};
use crate::body;
use crate::db::{self, P};
use crate::platform::now_ms;
use crate::respond::{self, HandlerResult};

const LIST_LIMIT: i64 = 100;

/// Where a message to send goes: the outbox in D1, then the jobs queue (the binding as looked up: a missing
/// one fails the send once its outbox row is written).
pub struct Outbox {
    pub db: D1Database,
    pub queue: ApiResult<Queue>,
}

const SUMMARY: &str = "SELECT c.wa_id, c.e164 AS phone, c.profile_name, c.client_id, cl.full_name AS client_name, \
     cl.status AS client_status, c.conversation_id, c.taken_over_by, u.name AS taken_over_by_name, c.taken_over_at, \
     c.last_message_at, (SELECT m.content FROM messages m WHERE m.conversation_id = c.conversation_id \
     ORDER BY m.seq DESC LIMIT 1) AS last_message \
     FROM wa_contacts c LEFT JOIN clients cl ON cl.id = c.client_id LEFT JOIN users u ON u.id = c.taken_over_by";

/// A `wa_id` path segment: digits only, else no such conversation.
fn wa_id(raw: &str) -> ApiResult<&str> {
    if !raw.is_empty() && raw.len() <= 20 && raw.bytes().all(|b| b.is_ascii_digit()) {
        Ok(raw)
    } else {
        Err(ApiError::not_found("no such WhatsApp conversation"))
    }
}

async fn summary(db: &D1Database, id: &str) -> ApiResult<Value> {
    db::first::<Value>(db, &format!("{SUMMARY} WHERE c.wa_id = ?1"), &[P::S(id)])
        .await?
        .ok_or_else(|| ApiError::not_found("no such WhatsApp conversation"))
}

/// `GET /api/whatsapp/conversations`
pub async fn list(db: &D1Database) -> HandlerResult {
    let rows: Vec<Value> = db::all(
        db,
        &format!("{SUMMARY} ORDER BY c.last_message_at DESC LIMIT ?1"),
        &[P::I(LIST_LIMIT)],
    )
    .await?;
    respond::json(200, &json!({ "conversations": rows }))
}

/// `GET /api/whatsapp/conversations/{wa_id}`: the messages, and what was sent with its delivery status.
pub async fn get(raw: &str, db: &D1Database) -> HandlerResult {
    let conversation = summary(db, wa_id(raw)?).await?;
    let conv_id = conversation["conversation_id"].as_str().unwrap_or_default();
    let messages: Vec<Value> = db::all(
        db,
        "SELECT id, role, content, model, status, created_at FROM messages WHERE conversation_id = ?1 ORDER BY seq",
        &[P::S(conv_id)],
    )
    .await?;
    let outbox: Vec<Value> = db::all(
        db,
        "SELECT o.id, o.inbound_wamid, o.seq, o.origin, o.state, o.wamid, o.attempts, o.last_error, o.created_at, \
         s.status AS delivery, s.error AS delivery_error FROM wa_outbox o LEFT JOIN wa_status s ON s.wamid = o.wamid \
         WHERE o.wa_id = ?1 ORDER BY o.created_at, o.seq",
        &[P::S(raw)],
    )
    .await?;
    respond::json(
        200,
        &json!({ "conversation": conversation, "messages": messages, "outbox": outbox }),
    )
}

/// `POST …/takeover` and `…/release`: while taken over, the assistant does not answer this number.
pub async fn take_over(raw: &str, db: &D1Database, me: &Principal, origin: Origin<'_>, take: bool) -> HandlerResult {
    let id = wa_id(raw)?;
    let now = now_ms() as i64;
    let changed = if take {
        db::run(
            db,
            "UPDATE wa_contacts SET taken_over_by = ?2, taken_over_at = ?3, updated_at = ?3 WHERE wa_id = ?1",
            &[P::S(id), P::S(&me.id), P::I(now)],
        )
        .await?
    } else {
        db::run(
            db,
            "UPDATE wa_contacts SET taken_over_by = NULL, taken_over_at = NULL, updated_at = ?2 WHERE wa_id = ?1",
            &[P::S(id), P::I(now)],
        )
        .await?
    };
    if changed == 0 {
        return Err(ApiError::not_found("no such WhatsApp conversation"));
    }
    let action = if take { "whatsapp.take_over" } else { "whatsapp.release" };
    audit::write(
        db,
        origin,
        Some(me),
        action,
        "whatsapp_conversation",
        Some(id),
        json!({}),
    )
    .await;
    respond::json(200, &summary(db, id).await?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SendBody {
    text: String,
}

/// `POST …/messages`: a consultant's message to the number, while they have the conversation. Stored in the
/// outbox and on the conversation, sent by the queue like the assistant's answers (same retries).
pub async fn send(raw: &str, mut req: Request, max_body: usize, to: &Outbox, me: &Principal) -> HandlerResult {
    let id = wa_id(raw)?;
    let input: SendBody = body::read_json(&mut req, max_body).await?;
    let text = input.text.trim();
    if text.is_empty() || text.encode_utf16().count() > nuzantara_shared::whatsapp::reply::MAX_MESSAGE {
        return Err(ApiError::validation("text must be 1 to 4,096 characters"));
    }
    let conversation = summary(&to.db, id).await?;
    if conversation["taken_over_by"].is_null() {
        return Err(ApiError::conflict(
            "take the conversation over first: the assistant is answering it",
        ));
    }
    let message = OutgoingMessage::Text {
        to: id.to_string(),
        body: text.to_string(),
    };
    let conv_id = conversation["conversation_id"].as_str().unwrap_or_default();
    let outbox_id = queue_message(to, &message, "consultant", Some(&me.id)).await?;
    store::append_message(&to.db, conv_id, "assistant", text, Some("consultant"))?
        .run()
        .await
        .map_err(crate::respond::internal)?;
    respond::json(202, &json!({ "id": outbox_id, "state": "pending" }))
}

/// `GET /api/admin/whatsapp/failures`
pub async fn failures(db: &D1Database) -> HandlerResult {
    let rows: Vec<Value> = db::all(
        db,
        "SELECT id, kind, reference, wa_id, error, attempts, job, created_at FROM wa_failures ORDER BY created_at DESC LIMIT ?1",
        &[P::I(LIST_LIMIT)],
    )
    .await?;
    respond::json(200, &json!({ "failures": rows }))
}
