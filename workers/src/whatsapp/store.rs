//! The channel's D1 records (migrations/0005_whatsapp.sql): contacts and their conversation and CRM client,
//! the idempotency record of incoming messages, the outbox, delivery statuses and failures.

use nuzantara_shared::error::{ApiError, ApiResult};
use nuzantara_shared::ids::new_id;
use nuzantara_shared::lang::Lang;
use nuzantara_shared::whatsapp::graph::OutgoingMessage;
use nuzantara_shared::whatsapp::payload::{Content, Inbound, StatusUpdate};
use nuzantara_shared::whatsapp::E164;
use serde::Deserialize;
use worker::D1Database;

use crate::db::{self, P};
use crate::platform::{now_ms, random16};

/// What an API error says, for logs and the retry reason (its detail when it has one).
pub fn why(e: ApiError) -> String {
    e.detail.unwrap_or(e.message)
}

/// A WhatsApp number we talk with, as the consumer needs it.
#[derive(Debug, Clone, Deserialize)]
pub struct Contact {
    pub wa_id: String,
    pub conversation_id: String,
    pub taken_over_by: Option<String>,
    pub language: Option<String>,
}

impl Contact {
    pub fn session_id(&self) -> String {
        session_of(&self.wa_id)
    }
    pub fn lang(&self) -> Lang {
        self.language.as_deref().and_then(Lang::parse).unwrap_or_default()
    }
}

/// The anonymous chat session that owns a number's conversation.
pub fn session_of(wa_id: &str) -> String {
    format!("wa_{wa_id}")
}

const CONTACT: &str = "SELECT c.wa_id, c.conversation_id, c.taken_over_by, cl.language \
     FROM wa_contacts c LEFT JOIN clients cl ON cl.id = c.client_id WHERE c.wa_id = ?1";

pub async fn contact(db: &D1Database, wa_id: &str) -> ApiResult<Option<Contact>> {
    db::first(db, CONTACT, &[P::S(wa_id)]).await
}

#[derive(Deserialize)]
struct ClientPhones {
    id: String,
    phone: Option<String>,
    whatsapp: Option<String>,
}

/// The CRM client with this number (WhatsApp number first, then phone), compared in E.164. Candidates are
/// found by the number's last digits in the search text, then compared exactly.
async fn client_with(db: &D1Database, number: &E164) -> ApiResult<Option<String>> {
    let rows: Vec<ClientPhones> = db::all(
        db,
        "SELECT id, phone, whatsapp FROM clients WHERE status != 'archived' AND instr(search_text, ?1) > 0 \
         ORDER BY created_at LIMIT 50",
        &[P::S(number.tail(8))],
    )
    .await?;
    let is = |v: &Option<String>| v.as_deref().and_then(|s| E164::parse(s).ok()).as_ref() == Some(number);
    Ok(rows
        .iter()
        .find(|r| is(&r.whatsapp))
        .or_else(|| rows.iter().find(|r| is(&r.phone)))
        .map(|r| r.id.clone()))
}

/// The contact for this sender, created on first contact with its conversation, linked to the client with
/// the number or to a new lead. Two first messages racing: one batch wins, the other reads its row.
pub async fn ensure_contact(db: &D1Database, m: &Inbound, number: &E164) -> ApiResult<Contact> {
    if let Some(c) = contact(db, &m.from).await? {
        db::run(
            db,
            "UPDATE wa_contacts SET last_message_at = ?2, updated_at = ?2, profile_name = coalesce(?3, profile_name) WHERE wa_id = ?1",
            &[P::S(&m.from), P::I(now_ms() as i64), m.name.as_deref().into()],
        )
        .await?;
        return Ok(c);
    }
    let now = now_ms() as i64;
    let lang = match &m.content {
        Content::Text { body } => Lang::detect(body),
        _ => Lang::En,
    };
    let name = m.name.clone().unwrap_or_else(|| format!("WhatsApp {number}"));
    let mut statements = Vec::new();
    let client_id = match client_with(db, number).await? {
        Some(id) => id,
        None => {
            let id = new_id(random16());
            statements.push(db::stmt(
                db,
                "INSERT INTO clients (id, full_name, whatsapp, status, language, notes, created_at, updated_at) \
                 VALUES (?1, ?2, ?3, 'lead', ?4, 'Lead created from a WhatsApp message.', ?5, ?5)",
                &[
                    P::S(&id),
                    P::S(&name),
                    P::S(number.as_str()),
                    P::S(lang.code()),
                    P::I(now),
                ],
            )?);
            id
        }
    };
    let conversation_id = new_id(random16());
    statements.push(db::stmt(
        db,
        "INSERT INTO conversations (id, user_id, session_id, title, language, created_at, updated_at) \
         VALUES (?1, NULL, ?2, ?3, ?4, ?5, ?5)",
        &[
            P::S(&conversation_id),
            P::S(&session_of(&m.from)),
            P::S(&format!("WhatsApp · {name}")),
            P::S(lang.code()),
            P::I(now),
        ],
    )?);
    statements.push(db::stmt(
        db,
        "INSERT INTO wa_contacts (wa_id, e164, profile_name, client_id, conversation_id, last_message_at, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?6)",
        &[
            P::S(&m.from),
            P::S(number.as_str()),
            m.name.as_deref().into(),
            P::S(&client_id),
            P::S(&conversation_id),
            P::I(now),
        ],
    )?);
    statements.push(db::stmt(
        db,
        "INSERT INTO interactions (id, client_id, conversation_id, kind, summary, occurred_at, created_at) \
         VALUES (?1, ?2, ?3, 'whatsapp', ?4, ?5, ?5)",
        &[
            P::S(&new_id(random16())),
            P::S(&client_id),
            P::S(&conversation_id),
            P::S(&format!("WhatsApp conversation started from {number}.")),
            P::I(now),
        ],
    )?);
    match db::batch(db, statements).await {
        Ok(()) => {}
        // Another delivery created the contact first (the batch is one transaction: nothing of ours stayed).
        Err(e) if e.status() == 409 => {}
        Err(e) => return Err(e),
    }
    contact(db, &m.from)
        .await?
        .ok_or_else(|| ApiError::internal("WhatsApp contact not written"))
}

#[derive(Debug, Deserialize)]
pub struct Claim {
    pub job_id: String,
    pub state: String,
}

/// Claims an incoming message for this queue message. `None`: someone else owns it (a duplicate delivery)
/// or it is finished; `Some(state)`: ours to process from that state.
pub async fn claim(db: &D1Database, m: &Inbound, job_id: &str) -> ApiResult<Option<String>> {
    let (kind, body) = match &m.content {
        Content::Text { body } => ("text", Some(body.as_str())),
        Content::Media { kind, caption, .. } => (kind.as_str(), caption.as_deref()),
        Content::Reaction => ("reaction", None),
        Content::Other { .. } => ("other", None),
    };
    let now = now_ms() as i64;
    db::run(
        db,
        "INSERT INTO wa_inbound (wamid, wa_id, kind, body, job_id, state, sent_at, received_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, 'processing', ?6, ?7, ?7) ON CONFLICT(wamid) DO NOTHING",
        &[
            P::S(&m.wamid),
            P::S(&m.from),
            P::S(kind),
            body.into(),
            P::S(job_id),
            P::I(m.timestamp as i64 * 1000),
            P::I(now),
        ],
    )
    .await?;
    let row: Option<Claim> = db::first(
        db,
        "SELECT job_id, state FROM wa_inbound WHERE wamid = ?1",
        &[P::S(&m.wamid)],
    )
    .await?;
    Ok(row
        .filter(|r| r.job_id == job_id && matches!(r.state.as_str(), "processing" | "answered"))
        .map(|r| r.state))
}

pub async fn set_state(db: &D1Database, wamid: &str, state: &str) -> ApiResult<()> {
    db::run(
        db,
        "UPDATE wa_inbound SET state = ?2, updated_at = ?3 WHERE wamid = ?1",
        &[P::S(wamid), P::S(state), P::I(now_ms() as i64)],
    )
    .await
    .map(|_| ())
}

/// Appends a message to the conversation (held messages while a consultant has it, media we did not read,
/// a consultant's own messages), so the conversation shows everything said on the number.
pub fn append_message(
    db: &D1Database,
    conversation_id: &str,
    role: &str,
    content: &str,
    model: Option<&str>,
) -> ApiResult<worker::D1PreparedStatement> {
    db::stmt(
        db,
        "INSERT INTO messages (id, conversation_id, seq, role, content, model, status, created_at) \
         SELECT ?1, ?2, coalesce(max(seq), -1) + 1, ?3, ?4, ?5, 'complete', ?6 FROM messages WHERE conversation_id = ?2",
        &[
            P::S(&new_id(random16())),
            P::S(conversation_id),
            P::S(role),
            P::S(content),
            model.into(),
            P::I(now_ms() as i64),
        ],
    )
}

/// A new outbox row (pending).
pub fn outbox_insert(
    db: &D1Database,
    id: &str,
    inbound: Option<&str>,
    seq: i64,
    message: &OutgoingMessage,
    origin: &str,
    author: Option<&str>,
) -> ApiResult<worker::D1PreparedStatement> {
    let json = serde_json::to_string(message).map_err(|e| ApiError::internal(e.to_string()))?;
    db::stmt(
        db,
        "INSERT OR IGNORE INTO wa_outbox (id, wa_id, inbound_wamid, seq, message, origin, author_id, state, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', ?8, ?8)",
        &[
            P::S(id),
            P::S(message.to()),
            inbound.into(),
            P::I(seq),
            P::S(&json),
            P::S(origin),
            author.into(),
            P::I(now_ms() as i64),
        ],
    )
}

#[derive(Debug, Deserialize)]
pub struct OutboxRow {
    pub id: String,
    pub message: String,
    pub attempts: i64,
}

/// The pending outbox rows of an answer (by incoming wamid) or one row (by id), in order.
pub async fn pending(db: &D1Database, inbound: Option<&str>, id: Option<&str>) -> ApiResult<Vec<OutboxRow>> {
    db::all(
        db,
        "SELECT id, message, attempts FROM wa_outbox WHERE state = 'pending' \
         AND (inbound_wamid = ?1 OR id = ?2) ORDER BY seq",
        &[inbound.into(), id.into()],
    )
    .await
}

/// Records one send attempt: `accepted` with Meta's wamid, `refused` for good, or still `pending`.
pub async fn record_attempt(
    db: &D1Database,
    id: &str,
    state: &str,
    wamid: Option<&str>,
    error: Option<&str>,
) -> ApiResult<()> {
    db::run(
        db,
        "UPDATE wa_outbox SET state = ?2, wamid = coalesce(?3, wamid), last_error = coalesce(?4, last_error), \
         attempts = attempts + 1, updated_at = ?5 WHERE id = ?1",
        &[P::S(id), P::S(state), wamid.into(), error.into(), P::I(now_ms() as i64)],
    )
    .await
    .map(|_| ())
}

/// Stores a delivery status unless the stored one ranks higher (see `DeliveryStatus::rank`).
pub async fn record_status(db: &D1Database, s: &StatusUpdate) -> ApiResult<()> {
    db::run(
        db,
        "INSERT INTO wa_status (wamid, status, rank, status_at, error, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
         ON CONFLICT(wamid) DO UPDATE SET status = excluded.status, rank = excluded.rank, status_at = excluded.status_at, \
         error = excluded.error, updated_at = excluded.updated_at WHERE excluded.rank > wa_status.rank",
        &[
            P::S(&s.wamid),
            P::S(s.status.as_str()),
            P::I(s.status.rank()),
            P::I(s.timestamp as i64 * 1000),
            s.error.as_deref().into(),
            P::I(now_ms() as i64),
        ],
    )
    .await
    .map(|_| ())
}

/// A delivery that failed for good, for the admins' list.
pub struct Failure<'a> {
    pub kind: &'a str,
    pub reference: &'a str,
    pub wa_id: Option<&'a str>,
    pub error: &'a str,
    pub attempts: i64,
    pub job: &'a str,
}

pub async fn record_failure(db: &D1Database, f: &Failure<'_>) -> ApiResult<()> {
    db::run(
        db,
        "INSERT INTO wa_failures (id, kind, reference, wa_id, error, attempts, job, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        &[
            P::S(&new_id(random16())),
            P::S(f.kind),
            P::S(f.reference),
            f.wa_id.into(),
            P::S(f.error),
            P::I(f.attempts),
            P::S(f.job),
            P::I(now_ms() as i64),
        ],
    )
    .await
    .map(|_| ())
}
