//! `POST /api/email/confirm`: sends an e-mail the `send_email` tool prepared. Only the person who prepared
//! it, once, before it expires; the row is marked used by a conditional update before sending, and unmarked
//! if Gmail fails so the user can try again.

use nuzantara_shared::crm::interactions::InteractionKind;
use nuzantara_shared::error::ApiError;
use nuzantara_shared::google::confirm::{self, PreparedEmail, Stored};
use nuzantara_shared::google::mime::Email;
use serde::Deserialize;
use serde_json::json;
use worker::Request;

use super::google::config;
use super::Deps;
use crate::crm::{author, interactions};
use crate::db::{self, P};
use crate::google::Google;
use crate::platform::now_ms;
use crate::respond::{self, upstream, HandlerResult};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    confirmation_token: String,
}

#[derive(Deserialize)]
struct Row {
    principal_id: String,
    expires_at: i64,
    used_at: Option<i64>,
    payload: String,
}

pub async fn confirm(mut req: Request, d: &Deps) -> HandlerResult {
    let b: Body = crate::body::read_json(&mut req, d.config.max_body_bytes).await?;
    let who = d
        .principal
        .as_ref()
        .ok_or_else(|| ApiError::unauthorized("sign in first"))?
        .id
        .clone();
    if !confirm::well_formed(&b.confirmation_token) {
        return Err(ApiError::validation("confirmation_token is malformed"));
    }
    let hash = confirm::token_hash(&b.confirmation_token);
    let db = d.db();
    let row: Option<Row> = db::first(
        db,
        "SELECT principal_id, expires_at, used_at, payload FROM email_confirmations WHERE token_hash = ?1",
        &[P::S(&hash)],
    )
    .await?;
    let now = now_ms() as i64;
    let stored = row.as_ref().map(|r| Stored {
        principal_id: r.principal_id.clone(),
        expires_at: r.expires_at,
        used_at: r.used_at,
    });
    confirm::check(stored.as_ref(), &who, now).map_err(|r| match r {
        confirm::Refusal::Unknown => ApiError::not_found(r.message()),
        _ => ApiError::conflict(r.message()),
    })?;
    let row = row.ok_or_else(|| ApiError::not_found(confirm::Refusal::Unknown.message()))?;
    let prepared: PreparedEmail = serde_json::from_str(&row.payload).map_err(respond::internal)?;
    // Checked after the token: without Google nothing can have been prepared, so that is a 404 above.
    let cfg = config(&d.config)?;
    // Claim it: of two confirmations racing, one sends.
    let claimed = db::run(
        db,
        "UPDATE email_confirmations SET used_at = ?2 WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2 AND principal_id = ?3",
        &[P::S(&hash), P::I(now), P::S(&who)],
    )
    .await?;
    if claimed != 1 {
        return Err(ApiError::conflict(confirm::Refusal::Used.message()));
    }
    let email = Email::from(&prepared.email);
    let sent = Google::new(d.rag.kv.clone(), cfg).send(&email.from, &email).await;
    let message_id = match sent {
        Ok(id) => id,
        Err(e) => {
            db::run(
                db,
                "UPDATE email_confirmations SET used_at = NULL WHERE token_hash = ?1",
                &[P::S(&hash)],
            )
            .await?;
            return Err(upstream(e));
        }
    };
    let new = nuzantara_shared::crm::interactions::NewInteraction {
        kind: InteractionKind::Email,
        summary: format!(
            "E-mail ({}) sent from {} to {}: {:?} (Gmail message {message_id}).",
            prepared.kind, email.from, email.to, email.subject
        ),
        practice_id: None,
        occurred_at: now,
    };
    let interaction =
        interactions::log(db, &prepared.client_id, &new, None, author(d.principal.as_ref()), None).await?;
    respond::json(
        200,
        &json!({ "sent": true, "message_id": message_id, "interaction_id": interaction.map(|i| i.id) }),
    )
}
