//! Interactions: a client's timeline (chat, e-mail, WhatsApp, calls, meetings, notes, renewal
//! reminders). Internal notes: the routes are team-only.

use nuzantara_shared::auth::Principal;
use nuzantara_shared::crm::check;
use nuzantara_shared::crm::conversations::{conversation_use, ConversationUse};
use nuzantara_shared::crm::cursor::{paginate, Cursor};
use nuzantara_shared::crm::interactions::{FromConversationBody, InteractionBody, InteractionKind, NewInteraction};
use nuzantara_shared::crm::list::PageQuery;
use nuzantara_shared::crm::summary::summarise_conversation;
use nuzantara_shared::error::{ApiError, ApiResult};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use worker::{D1Database, Request};

use super::{author, new_record_id, not_found, now, query, Audit, Audited, Sql};
use crate::db::{self, P};
use crate::respond::{self, HandlerResult};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InteractionRow {
    pub id: String,
    pub client_id: String,
    pub practice_id: Option<String>,
    pub conversation_id: Option<String>,
    pub kind: String,
    pub summary: String,
    pub created_by: Option<String>,
    pub created_by_name: Option<String>,
    pub occurred_at: i64,
    pub created_at: i64,
}

const COLS: &str = "i.id, i.client_id, i.practice_id, i.conversation_id, i.kind, i.summary, i.created_by, \
     u.name AS created_by_name, i.occurred_at, i.created_at";
const FROM: &str = "FROM interactions i LEFT JOIN users u ON u.id = i.created_by";

pub async fn latest(db: &D1Database, client_id: &str, n: i64) -> ApiResult<Vec<InteractionRow>> {
    db::all(
        db,
        &format!("SELECT {COLS} {FROM} WHERE i.client_id = ?1 ORDER BY i.occurred_at DESC, i.id DESC LIMIT ?2"),
        &[P::S(client_id), P::I(n)],
    )
    .await
}

async fn client_exists(db: &D1Database, id: &str) -> ApiResult<()> {
    let row: Option<Value> = db::first(db, "SELECT id FROM clients WHERE id = ?1", &[P::S(id)]).await?;
    row.map(|_| ()).ok_or_else(|| not_found("client"))
}

/// `GET /crm/clients/{id}/interactions?kind=&cursor=&limit=`
pub async fn list(db: &D1Database, id: &str, req: &Request) -> HandlerResult {
    let page = query::<PageQuery>(req)?.validate()?;
    client_exists(db, id).await?;
    let mut q = Sql::new(format!("SELECT {COLS} {FROM} WHERE i.client_id = ?1"));
    q.params.push(P::S(id));
    if let Some(k) = page.kind {
        let p = q.arg(P::S(k.as_str()));
        q.push(&format!(" AND i.kind = {p}"));
    }
    q.page("i.occurred_at", "i.id", &page.page);
    let rows: Vec<InteractionRow> = db::all(db, &q.sql, &q.params).await?;
    let (rows, next) = paginate(rows, page.page.limit, |r| Cursor::new(r.occurred_at, r.id.clone()));
    respond::json(200, &json!({ "interactions": rows, "next_cursor": next }))
}

/// Adds an entry to a client's timeline: the client must exist (404) and a practice, if given, must be
/// theirs (404). With a `dedupe_key` an existing entry with that key wins: `Ok(None)`.
pub async fn log(
    db: &D1Database,
    client_id: &str,
    new: &NewInteraction,
    conversation_id: Option<&str>,
    created_by: Option<&str>,
    dedupe_key: Option<&str>,
) -> ApiResult<Option<InteractionRow>> {
    client_exists(db, client_id).await?;
    if let Some(p) = &new.practice_id {
        let row: Option<Value> = db::first(
            db,
            "SELECT id FROM practices WHERE id = ?1 AND client_id = ?2",
            &[P::S(p), P::S(client_id)],
        )
        .await?;
        row.ok_or_else(|| not_found("practice of this client"))?;
    }
    let id = new_record_id();
    let changed = db::run(
        db,
        "INSERT OR IGNORE INTO interactions (id, client_id, practice_id, conversation_id, kind, summary, created_by, dedupe_key, \
         occurred_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        &[
            P::S(&id),
            P::S(client_id),
            new.practice_id.as_deref().into(),
            conversation_id.into(),
            P::S(new.kind.as_str()),
            P::S(&new.summary),
            created_by.into(),
            dedupe_key.into(),
            P::I(new.occurred_at),
            P::I(now()),
        ],
    )
    .await?;
    if changed == 0 {
        return Ok(None);
    }
    db::first(db, &format!("SELECT {COLS} {FROM} WHERE i.id = ?1"), &[P::S(&id)]).await
}

/// `POST /crm/clients/{id}/interactions` (`author`: the caller's user id).
pub async fn create(db: &D1Database, id: &str, b: InteractionBody, author: Option<&str>) -> HandlerResult {
    let new = b.validate(now())?;
    let row = log(db, id, &new, None, author, None)
        .await?
        .ok_or_else(|| ApiError::internal("interaction not written"))?;
    respond::json(201, &row)
}

#[derive(Deserialize)]
struct Conversation {
    title: String,
    /// Who held it (`None`: a visitor's or an API key's chat).
    user_id: Option<String>,
}

#[derive(Deserialize)]
struct Count {
    n: i64,
}

#[derive(Deserialize)]
struct Content {
    content: String,
}

/// `POST /crm/interactions/from-conversation`: links a chat conversation to a client's timeline with an
/// extractive summary (first question + message count). Only the caller's own conversation, or any for an
/// admin (audited): see `nuzantara_shared::crm::conversations`. 404 for an unknown conversation and for
/// one the caller may not use alike; 409 when this conversation is already on this client's timeline.
pub async fn from_conversation(db: &D1Database, b: FromConversationBody, caller: &Principal) -> ApiResult<Audited> {
    let client_id = check::id("client_id", &b.client_id)?;
    let conversation_id = check::id("conversation_id", &b.conversation_id)?;
    let practice_id = b
        .practice_id
        .as_deref()
        .map(|p| check::id("practice_id", p))
        .transpose()?;
    let conv: Option<Conversation> = db::first(
        db,
        "SELECT title, user_id FROM conversations WHERE id = ?1 AND deleted_at IS NULL",
        &[P::S(&conversation_id)],
    )
    .await?;
    let conv = conv.ok_or_else(|| not_found("conversation"))?;
    let grounds = conversation_use(caller, conv.user_id.as_deref()).ok_or_else(|| not_found("conversation"))?;
    let count: Option<Count> = db::first(
        db,
        "SELECT COUNT(*) AS n FROM messages WHERE conversation_id = ?1",
        &[P::S(&conversation_id)],
    )
    .await?;
    let first: Option<Content> = db::first(
        db,
        "SELECT substr(content, 1, 2000) AS content FROM messages WHERE conversation_id = ?1 AND role = 'user' \
         AND trim(content) != '' ORDER BY seq LIMIT 1",
        &[P::S(&conversation_id)],
    )
    .await?;
    let summary = summarise_conversation(
        &conv.title,
        count.map(|c| c.n.max(0) as u64).unwrap_or(0),
        first.as_ref().map(|c| c.content.as_str()),
    );
    let new = NewInteraction {
        kind: InteractionKind::Chat,
        summary,
        practice_id,
        occurred_at: now(),
    };
    let key = format!("conversation:{conversation_id}:{client_id}");
    let row = log(
        db,
        &client_id,
        &new,
        Some(&conversation_id),
        author(Some(caller)),
        Some(&key),
    )
    .await?
    .ok_or_else(|| ApiError::conflict("this conversation is already on this client's timeline"))?;
    let audit = (grounds == ConversationUse::AsAdmin).then(|| {
        let detail = json!({ "conversation_id": conversation_id, "owner_id": conv.user_id, "client_id": client_id });
        Audit::new("conversation_linked_by_admin", "interaction", Some(&row.id), detail)
    });
    Ok((respond::json(201, &row)?, audit))
}
