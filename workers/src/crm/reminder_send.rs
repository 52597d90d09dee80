//! Delivers the day's renewal reminders to people: a WhatsApp template message to the client and an
//! e-mail to the assigned consultant, each behind a [`ReminderChannel`], claimed in `reminder_deliveries`
//! before sending (see `shared::crm::reminder_delivery` for the rules) and recorded on the timeline.
//!
//! The WhatsApp sender here is deliberately small and self-contained (one Graph API call); when the
//! WhatsApp channel's own client lands, [`WhatsAppTemplates`] can delegate to it.

use nuzantara_shared::config::Config;
use nuzantara_shared::crm::dates::Date;
use nuzantara_shared::crm::reminder_delivery::{
    consultant_email, interaction_summary, template_message, whatsapp_number, Channel, Due, WhatsAppSender,
    STALE_CLAIM_MS,
};
use nuzantara_shared::crm::renewals::{reminder, WINDOWS};
use nuzantara_shared::error::ApiResult;
use nuzantara_shared::google::mime::Email;
use std::collections::HashMap;

use serde::Deserialize;
use worker::{D1Database, KvStore};

use super::new_record_id;
use crate::db::{self, P};
use crate::google::Google;
use crate::outbound;

/// One way of reaching someone about a reminder.
#[allow(async_fn_in_trait)]
pub trait ReminderChannel {
    fn channel(&self) -> Channel;
    /// Who this reminder goes to on this channel, if anyone can be reached.
    fn recipient(&self, due: &Due) -> Result<String, &'static str>;
    /// Sends it; `Ok` carries the provider's message id.
    async fn send(&self, due: &Due, to: &str) -> Result<String, String>;
}

/// The client, on WhatsApp, with the approved template of their language.
pub struct WhatsAppTemplates<'a>(pub &'a WhatsAppSender);

impl ReminderChannel for WhatsAppTemplates<'_> {
    fn channel(&self) -> Channel {
        Channel::WhatsApp
    }
    fn recipient(&self, due: &Due) -> Result<String, &'static str> {
        due.whatsapp
            .as_deref()
            .and_then(whatsapp_number)
            .ok_or("the client has no usable WhatsApp number")
    }
    async fn send(&self, due: &Due, to: &str) -> Result<String, String> {
        let s = self.0;
        let body = template_message(to, s.templates.for_language(&due.language), due);
        let url = format!("{}/{}/messages", s.api_base, s.phone_number_id);
        let a = outbound::post_json(&url, Some(&s.token), &body).await?;
        if !a.ok() {
            return Err(format!("Graph API answered {}: {}", a.status, a.reason()));
        }
        Ok(a.json["messages"][0]["id"].as_str().unwrap_or_default().to_string())
    }
}

/// The assigned consultant, by e-mail (from `GOOGLE_REMINDER_SENDER`, else their own mailbox).
pub struct ConsultantEmail<'a> {
    pub google: Google<'a>,
    pub sender: Option<String>,
}

impl ReminderChannel for ConsultantEmail<'_> {
    fn channel(&self) -> Channel {
        Channel::Email
    }
    fn recipient(&self, due: &Due) -> Result<String, &'static str> {
        due.consultant_email.clone().ok_or("no consultant is assigned")
    }
    async fn send(&self, due: &Due, to: &str) -> Result<String, String> {
        let (subject, body) = consultant_email(due);
        let from = self.sender.clone().unwrap_or_else(|| to.to_string());
        let email = Email {
            from: from.clone(),
            to: to.to_string(),
            subject,
            body,
        };
        self.google.send(&from, &email).await.map_err(|e| e.to_string())
    }
}

#[derive(Deserialize)]
struct Row {
    practice_id: String,
    client_id: String,
    expiry_date: String,
    permit: String,
    client_name: String,
    language: String,
    whatsapp: Option<String>,
    consultant_email: Option<String>,
    consultant_name: Option<String>,
}

/// The reminders due today with their recipients.
async fn due_today(db: &D1Database, today: Date) -> ApiResult<Vec<Due>> {
    let widest = WINDOWS.iter().copied().max().unwrap_or(30);
    let rows: Vec<Row> = db::all(
        db,
        "SELECT p.id AS practice_id, p.client_id, p.expiry_date, COALESCE(t.name, p.type_code) AS permit, c.full_name AS client_name, \
         c.language, COALESCE(c.whatsapp, c.phone) AS whatsapp, u.email AS consultant_email, u.name AS consultant_name \
         FROM practices p JOIN clients c ON c.id = p.client_id LEFT JOIN practice_types t ON t.code = p.type_code \
         LEFT JOIN users u ON u.id = COALESCE(p.consultant_id, c.consultant_id) AND u.disabled = 0 \
         WHERE p.expiry_date >= ?1 AND p.expiry_date <= ?2 AND p.status NOT IN ('cancelled', 'rejected') \
         AND c.status != 'archived' ORDER BY p.expiry_date, p.id LIMIT 1000",
        &[P::S(&today.to_string()), P::S(&today.add_days(widest).to_string())],
    )
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let expiry = Date::parse_opt(&r.expiry_date)?;
            let rem = reminder(&r.practice_id, &r.permit, &r.client_name, expiry, today)?;
            Some(Due {
                practice_id: r.practice_id,
                client_id: r.client_id,
                expiry: r.expiry_date,
                reminder: rem,
                permit: r.permit,
                client_name: r.client_name,
                language: r.language,
                whatsapp: r.whatsapp,
                consultant_email: r.consultant_email,
                consultant_name: r.consultant_name,
            })
        })
        .collect())
}

/// What the deliveries of one run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Sent {
    pub sent: u32,
    pub failed: u32,
    pub skipped: u32,
    /// Already sent (or being sent) by an earlier run.
    pub done: u32,
}

/// Records a delivery that cannot happen now; a later run with the channel configured sends it.
async fn skip(db: &D1Database, due: &Due, channel: Channel, why: &str, now: i64) -> ApiResult<bool> {
    let changed = db::run(
        db,
        "INSERT INTO reminder_deliveries (delivery_key, practice_id, client_id, window_days, channel, status, detail, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, 'skipped', ?6, ?7) ON CONFLICT (delivery_key) DO UPDATE SET status = 'skipped', \
         detail = excluded.detail, updated_at = excluded.updated_at WHERE reminder_deliveries.status IN ('failed', 'skipped')",
        &[P::S(&due.key(channel)), P::S(&due.practice_id), P::S(&due.client_id), P::I(due.reminder.window), P::S(channel.as_str()), P::S(why), P::I(now)],
    )
    .await?;
    Ok(changed == 1)
}

/// Takes the delivery for this run: new, or failed/skipped before, or claimed by a run that died.
async fn claim(db: &D1Database, due: &Due, channel: Channel, to: &str, now: i64) -> ApiResult<bool> {
    let changed = db::run(
        db,
        "INSERT INTO reminder_deliveries (delivery_key, practice_id, client_id, window_days, channel, status, attempts, recipient, claimed_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, 'claimed', 1, ?6, ?7, ?7) ON CONFLICT (delivery_key) DO UPDATE SET status = 'claimed', \
         attempts = reminder_deliveries.attempts + 1, recipient = excluded.recipient, claimed_at = excluded.claimed_at, updated_at = excluded.updated_at \
         WHERE reminder_deliveries.status IN ('failed', 'skipped') OR (reminder_deliveries.status = 'claimed' AND reminder_deliveries.claimed_at < ?8)",
        &[P::S(&due.key(channel)), P::S(&due.practice_id), P::S(&due.client_id), P::I(due.reminder.window), P::S(channel.as_str()), P::S(to), P::I(now), P::I(now - STALE_CLAIM_MS)],
    )
    .await?;
    Ok(changed == 1)
}

/// A delivery's state as the run found it (`status`, `detail`).
#[derive(Deserialize)]
struct Known {
    delivery_key: String,
    status: String,
    detail: Option<String>,
}

/// The deliveries already recorded for the permits in the window, read once: a daily run then costs no
/// query for what was sent or skipped for the same reason before (D1 allows 1,000 queries per invocation).
async fn known(db: &D1Database, today: Date) -> ApiResult<HashMap<String, Known>> {
    let widest = WINDOWS.iter().copied().max().unwrap_or(30);
    let rows: Vec<Known> = db::all(
        db,
        "SELECT d.delivery_key, d.status, d.detail FROM reminder_deliveries d JOIN practices p ON p.id = d.practice_id \
         WHERE p.expiry_date >= ?1 AND p.expiry_date <= ?2",
        &[P::S(&today.to_string()), P::S(&today.add_days(widest).to_string())],
    )
    .await?;
    Ok(rows.into_iter().map(|k| (k.delivery_key.clone(), k)).collect())
}

async fn deliver<C: ReminderChannel>(
    db: &D1Database,
    ch: Option<&C>,
    channel: Channel,
    due: &Due,
    before: Option<&Known>,
    now: i64,
    out: &mut Sent,
) -> ApiResult<()> {
    if before.is_some_and(|k| k.status == "sent") {
        out.done += 1;
        return Ok(());
    }
    let unreachable = match ch {
        None => Err("channel not configured"),
        Some(ch) => ch.recipient(due),
    };
    let to = match unreachable {
        Ok(to) => to,
        Err(why) => {
            if !before.is_some_and(|k| k.status == "skipped" && k.detail.as_deref() == Some(why)) {
                out.skipped += u32::from(skip(db, due, channel, why, now).await?);
            }
            return Ok(());
        }
    };
    let Some(ch) = ch else { return Ok(()) };
    debug_assert_eq!(ch.channel(), channel);
    if !claim(db, due, channel, &to, now).await? {
        out.done += 1;
        return Ok(());
    }
    let key = due.key(channel);
    match ch.send(due, &to).await {
        Ok(id) => {
            out.sent += 1;
            db::batch(db, vec![
                db::stmt(db, "UPDATE reminder_deliveries SET status = 'sent', provider_id = ?2, detail = NULL, updated_at = ?3 WHERE delivery_key = ?1", &[P::S(&key), P::S(&id), P::I(now)])?,
                db::stmt(
                    db,
                    "INSERT OR IGNORE INTO interactions (id, client_id, practice_id, kind, summary, created_by, dedupe_key, occurred_at, created_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, NULL, ?6, ?7, ?7)",
                    &[P::S(&new_record_id()), P::S(&due.client_id), P::S(&due.practice_id), P::S(channel.as_str()), P::S(&interaction_summary(channel, due, &to)), P::S(&key), P::I(now)],
                )?,
            ])
            .await?;
        }
        Err(e) => {
            out.failed += 1;
            let detail: String = e.chars().take(300).collect();
            db::run(db, "UPDATE reminder_deliveries SET status = 'failed', detail = ?2, updated_at = ?3 WHERE delivery_key = ?1", &[P::S(&key), P::S(&detail), P::I(now)]).await?;
        }
    }
    Ok(())
}

/// Sends today's reminders on every channel; a failure of one delivery never stops the others. `kv` caches
/// Google's access tokens (no KV, no e-mail).
pub async fn send_due(db: &D1Database, kv: Option<KvStore>, config: &Config, now_ms: i64) -> ApiResult<Sent> {
    let today = Date::today_in_bali(now_ms);
    let whatsapp = config.reminder_whatsapp.as_ref().map(WhatsAppTemplates);
    let email = match (&config.google, kv) {
        (Some(g), Some(kv)) => Some(ConsultantEmail {
            google: Google::new(kv, g),
            sender: g.reminder_sender.clone(),
        }),
        _ => None,
    };
    let mut out = Sent::default();
    let known = known(db, today).await?;
    for due in due_today(db, today).await? {
        let wa_key = due.key(Channel::WhatsApp);
        let email_key = due.key(Channel::Email);
        deliver(
            db,
            whatsapp.as_ref(),
            Channel::WhatsApp,
            &due,
            known.get(&wa_key),
            now_ms,
            &mut out,
        )
        .await?;
        deliver(
            db,
            email.as_ref(),
            Channel::Email,
            &due,
            known.get(&email_key),
            now_ms,
            &mut out,
        )
        .await?;
    }
    Ok(out)
}
