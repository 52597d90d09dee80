//! The Google tools: `book_consultation` (Calendar) and `send_email` (Gmail, prepared here and sent only by
//! `POST /api/email/confirm`, see `shared::google::confirm`). Each records what it did on the client's
//! CRM timeline.

use nuzantara_shared::auth::Role;
use nuzantara_shared::crm::interactions::{InteractionKind, NewInteraction};
use nuzantara_shared::error::{ApiError, ApiResult};
use nuzantara_shared::google::calendar::{self, Slot};
use nuzantara_shared::google::confirm::{self, EmailParts, PreparedEmail};
use nuzantara_shared::google::mime::{valid_address, Email};
use nuzantara_shared::google::time::{bali_label, format_rfc3339, parse_rfc3339};
use nuzantara_shared::google::GoogleConfig;
use serde::Deserialize;
use serde_json::{json, Value};

use super::Deps;
use crate::crm::{author, interactions, Viewer};
use crate::db::{self, P};
use crate::google::Google;
use crate::platform::{now_ms, random16};
use crate::respond::upstream;

pub fn config(config: &nuzantara_shared::config::Config) -> ApiResult<&GoogleConfig> {
    config
        .google
        .as_ref()
        .ok_or_else(|| ApiError::upstream("Google Workspace is not configured"))
}

#[derive(Deserialize)]
struct ClientContact {
    id: String,
    full_name: String,
    email: Option<String>,
    consultant_email: Option<String>,
    consultant_name: Option<String>,
}

/// A person on the team (admin or consultant) by user id.
#[derive(Deserialize)]
struct Staff {
    email: String,
    name: String,
}

async fn staff(db: &worker::D1Database, user_id: &str) -> ApiResult<Option<Staff>> {
    db::first(
        db,
        "SELECT email, name FROM users WHERE id = ?1 AND role IN ('admin', 'consultant') AND disabled = 0",
        &[P::S(user_id)],
    )
    .await
}

/// The client the call is about: any client for the team, only their own for a client user (someone
/// else's is "no such client", as everywhere in the CRM).
async fn client(viewer: Viewer, db: &worker::D1Database, requested: Option<&str>) -> ApiResult<ClientContact> {
    let id = match (viewer, requested) {
        (Viewer::Team, Some(id)) => id.to_string(),
        (Viewer::Team, None) => return Err(ApiError::validation("client_id is required")),
        (Viewer::Client(Some(own)), None) => own,
        (Viewer::Client(Some(own)), Some(id)) if id == own => own,
        (Viewer::Client(_), _) => return Err(ApiError::not_found("no such client")),
        (Viewer::Anonymous, _) => return Err(ApiError::forbidden("sign in first")),
    };
    db::first(
        db,
        "SELECT c.id, c.full_name, c.email, u.email AS consultant_email, u.name AS consultant_name FROM clients c \
         LEFT JOIN users u ON u.id = c.consultant_id AND u.disabled = 0 WHERE c.id = ?1 AND c.status != 'archived'",
        &[P::S(&id)],
    )
    .await?
    .ok_or_else(|| ApiError::not_found("no such client"))
}

async fn record(
    author: Option<&str>,
    db: &worker::D1Database,
    client_id: &str,
    kind: InteractionKind,
    summary: String,
) -> ApiResult<Value> {
    let new = NewInteraction {
        kind,
        summary,
        practice_id: None,
        occurred_at: now_ms() as i64,
    };
    let row = interactions::log(db, client_id, &new, None, author, None).await?;
    Ok(json!(row))
}

#[derive(Deserialize)]
struct BookArgs {
    client_id: Option<String>,
    start: String,
    duration_minutes: Option<u32>,
    topic: Option<String>,
    consultant_id: Option<String>,
}

/// `book_consultation`: free/busy on the consultant's calendar, then the event with the client invited.
pub async fn book(d: &Deps, args: &Value) -> ApiResult<(String, Value)> {
    let cfg = config(&d.config)?;
    let a: BookArgs = serde_json::from_value(args.clone()).map_err(|e| ApiError::validation(e.to_string()))?;
    let db = d.db();
    let c = client(Viewer::of(d.principal.as_ref()), db, a.client_id.as_deref()).await?;
    let is_team = Viewer::of(d.principal.as_ref()).is_team();
    // The consultant: the one asked for (team only), else the client's, else the team member booking.
    let (cal, consultant_name) = match (&a.consultant_id, is_team) {
        (Some(_), false) => return Err(ApiError::forbidden("clients book with their own consultant")),
        (Some(id), true) => {
            let s = staff(db, id)
                .await?
                .ok_or_else(|| ApiError::not_found("no such consultant"))?;
            (s.email, s.name)
        }
        (None, _) => match (c.consultant_email.clone(), d.principal.as_ref()) {
            (Some(e), _) => (e, c.consultant_name.clone().unwrap_or_default()),
            (None, Some(p)) if is_team && p.role != Role::Service => {
                let s = staff(db, &p.id)
                    .await?
                    .ok_or_else(|| ApiError::forbidden("no calendar for this account"))?;
                (s.email, s.name)
            }
            _ => {
                return Err(ApiError::validation(
                    "this client has no assigned consultant: give consultant_id",
                ))
            }
        },
    };
    let attendee = c
        .email
        .clone()
        .filter(|e| valid_address(e))
        .ok_or_else(|| ApiError::validation("the client has no valid e-mail address to invite"))?;
    let start = parse_rfc3339(&a.start)
        .ok_or_else(|| ApiError::validation("start must be RFC 3339 with an offset, e.g. 2026-12-03T10:00:00+08:00"))?;
    let minutes = a.duration_minutes.unwrap_or(cfg.default_minutes) as i64;
    let slot = Slot {
        start,
        end: start + minutes * 60_000,
    };
    if start <= now_ms() as i64 {
        return Err(ApiError::validation("start is in the past"));
    }
    if !slot.in_office_hours() {
        return Err(ApiError::validation(
            "consultations are Monday to Friday, 09:00–17:00 Bali time",
        ));
    }
    let google = Google::new(d.rag.kv.clone(), cfg);
    let busy = google
        .busy(&cal, calendar::query_window(slot))
        .await
        .map_err(upstream)?;
    if let Err(alternatives) = calendar::check_slot(slot, &busy) {
        let alts: Vec<Value> = alternatives
            .iter()
            .map(|s| json!({ "start": format_rfc3339(s.start), "end": format_rfc3339(s.end), "label": bali_label(s.start) }))
            .collect();
        let labels: Vec<String> = alternatives.iter().map(|s| bali_label(s.start)).collect();
        let summary = format!(
            "Not booked: {consultant_name} is busy at {}. Free: {}.",
            bali_label(slot.start),
            if labels.is_empty() {
                "nothing in the next days".to_string()
            } else {
                labels.join("; ")
            }
        );
        return Ok((
            summary,
            json!({ "booked": false, "conflict": true, "requested": format_rfc3339(slot.start), "alternatives": alts }),
        ));
    }
    let topic = a.topic.unwrap_or_else(|| "Consultation".into());
    let event = calendar::event_body(
        slot,
        &format!("{topic} — {} (Bali Zero)", c.full_name),
        &format!("Booked through Nuzantara for {} with {consultant_name}.", c.full_name),
        &attendee,
        &c.full_name,
    );
    let created = google.insert_event(&cal, &event).await.map_err(upstream)?;
    let event_id = created["id"].as_str().unwrap_or_default().to_string();
    let interaction = record(
        author(d.principal.as_ref()),
        db,
        &c.id,
        InteractionKind::Meeting,
        format!(
            "Consultation booked with {consultant_name} on {} for {minutes} min: {topic} (Calendar event {event_id}).",
            bali_label(slot.start)
        ),
    )
    .await?;
    Ok((
        format!(
            "Booked: {topic} with {consultant_name} on {}; {} is invited.",
            bali_label(slot.start),
            attendee
        ),
        json!({ "booked": true, "event_id": event_id, "html_link": created["htmlLink"], "start": format_rfc3339(slot.start),
                "end": format_rfc3339(slot.end), "consultant": cal, "interaction": interaction }),
    ))
}

#[derive(Deserialize)]
struct EmailArgs {
    client_id: String,
    kind: String,
    items: Option<Value>,
    documents: Option<Vec<String>>,
    subject: Option<String>,
    note: Option<String>,
}

/// `send_email`: composes the message and stores it for confirmation; sends nothing.
pub async fn prepare_email(d: &Deps, args: &Value) -> ApiResult<(String, Value)> {
    let cfg = config(&d.config)?;
    let p = d
        .principal
        .as_ref()
        .ok_or_else(|| ApiError::unauthorized("sign in first"))?;
    if !Viewer::of(d.principal.as_ref()).is_team() {
        return Err(ApiError::forbidden("e-mail is sent by the team"));
    }
    let a: EmailArgs = serde_json::from_value(args.clone()).map_err(|e| ApiError::validation(e.to_string()))?;
    let db = d.db();
    let c = client(Viewer::of(d.principal.as_ref()), db, Some(&a.client_id)).await?;
    let to = c
        .email
        .clone()
        .filter(|e| valid_address(e))
        .ok_or_else(|| ApiError::validation("the client has no valid e-mail address"))?;
    let (from, signer) = match p.role {
        Role::Service => (
            cfg.reminder_sender
                .clone()
                .ok_or_else(|| ApiError::validation("an API key has no mailbox: set GOOGLE_REMINDER_SENDER"))?,
            "Bali Zero".to_string(),
        ),
        _ => {
            let s = staff(db, &p.id)
                .await?
                .ok_or_else(|| ApiError::forbidden("no mailbox for this account"))?;
            (s.email, s.name)
        }
    };
    let (content, default_subject) = match a.kind.as_str() {
        "quote" => {
            let items = a.items.ok_or_else(|| ApiError::validation("a quote needs items"))?;
            let (lines, _) = super::prices::quote(&d.rag.docs, &d.config, &json!({ "items": items })).await?;
            (
                format!("Here is your quote (Bali Zero 2025 price list):\n\n{lines}"),
                "Your quote from Bali Zero",
            )
        }
        _ => {
            let docs = a
                .documents
                .filter(|d| !d.is_empty())
                .ok_or_else(|| ApiError::validation("a checklist needs documents"))?;
            let list: Vec<String> = docs.iter().map(|d| format!("- [ ] {}", d.trim())).collect();
            (
                format!("Please prepare these documents:\n\n{}", list.join("\n")),
                "Documents we need from you",
            )
        }
    };
    let note = a.note.map(|n| format!("{}\n\n", n.trim())).unwrap_or_default();
    let email = EmailParts {
        from,
        to,
        subject: a.subject.unwrap_or_else(|| default_subject.into()),
        body: format!(
            "Dear {},\n\n{note}{content}\n\nKind regards,\n{signer}\nBali Zero",
            c.full_name
        ),
    };
    Email::from(&email).to_rfc2822().map_err(ApiError::validation)?;
    let prepared = PreparedEmail {
        client_id: c.id.clone(),
        kind: a.kind.clone(),
        email,
    };
    let (token, hash) = confirm::new_token(random16());
    let now = now_ms() as i64;
    db::run(
        db,
        "INSERT INTO email_confirmations (token_hash, principal_id, client_id, payload, expires_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        &[P::S(&hash), P::S(&p.id), P::S(&c.id), P::S(&json!(prepared).to_string()), P::I(now + confirm::TTL_MS), P::I(now)],
    )
    .await?;
    Ok((
        format!(
            "Prepared, NOT sent: a {} e-mail to {} <{}>, subject {:?}. Show the preview to the user; it is sent only when they confirm it themselves (within 10 minutes).",
            a.kind, c.full_name, prepared.email.to, prepared.email.subject
        ),
        json!({ "status": "awaiting_confirmation", "preview": prepared.email, "confirmation_token": token,
                "expires_at": now + confirm::TTL_MS, "confirm": { "method": "POST", "path": "/api/email/confirm" } }),
    ))
}
