//! The daily renewal job (cron `0 1 * * *`, 09:00 in Bali): one reminder interaction per practice,
//! window (30/14/7 days before the permit expires) and expiry date. Idempotent: each reminder has a
//! dedupe key and is written with `INSERT OR IGNORE` (`interactions.dedupe_key` is UNIQUE), so a rerun,
//! a retry or two overlapping runs add nothing. Then each due reminder goes out to the client (WhatsApp)
//! and the consultant (e-mail), once per channel ([`super::reminder_send`]).

use nuzantara_shared::crm::dates::Date;
use nuzantara_shared::crm::renewals::{reminder, WINDOWS};
use nuzantara_shared::error::ApiResult;
use nuzantara_shared::log;
use serde_json::json;
use worker::{console_error, console_log, D1Database, Env, ScheduledEvent};

use super::new_record_id;
use super::practices::expiring;
use crate::db::{self, P};
use crate::respond::internal;

/// What one run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunReport {
    pub due: usize,
    pub written: u64,
}

/// Writes today's due reminders; `now_ms` decides "today" (in Bali).
pub async fn run(db: &D1Database, now_ms: i64) -> ApiResult<RunReport> {
    let today = Date::today_in_bali(now_ms);
    let widest = WINDOWS.iter().copied().max().unwrap_or(30);
    let practices = expiring(db, today, widest).await?;
    let mut statements = Vec::new();
    for p in &practices {
        let Some(expiry) = p.fields.expiry_date.as_deref().and_then(Date::parse_opt) else {
            continue;
        };
        let type_name = p.type_name.as_deref().unwrap_or(&p.fields.type_code);
        let client_name = p.client_name.as_deref().unwrap_or("the client");
        let Some(r) = reminder(&p.id, type_name, client_name, expiry, today) else {
            continue;
        };
        statements.push(db::stmt(
            db,
            "INSERT OR IGNORE INTO interactions (id, client_id, practice_id, kind, summary, created_by, dedupe_key, occurred_at, created_at) \
             VALUES (?1, ?2, ?3, 'reminder', ?4, NULL, ?5, ?6, ?6)",
            &[P::S(&new_record_id()), P::S(&p.client_id), P::S(&p.id), P::S(&r.summary), P::S(&r.dedupe_key), P::I(now_ms)],
        )?);
    }
    let due = statements.len();
    let mut written = 0;
    // D1 batches are transactions; keep each one small.
    let mut statements = statements.into_iter().peekable();
    while statements.peek().is_some() {
        let chunk: Vec<_> = statements.by_ref().take(50).collect();
        written += db::batch_changes(db, chunk).await?.iter().sum::<u64>();
    }
    Ok(RunReport { due, written })
}

/// The scheduled event: runs the job and logs what it did (a failure is logged; the next day retries).
pub async fn scheduled(event: ScheduledEvent, env: Env) {
    let rid = format!("cron-{}", new_record_id());
    let result = async {
        let db = env.d1("DB").map_err(internal)?;
        let now = event.schedule() as i64;
        let report = run(&db, now).await?;
        // A broken configuration stops the deliveries, not the reminders already written.
        let config =
            crate::context::config(&env).map_err(|e| nuzantara_shared::error::ApiError::internal(e.to_string()))?;
        let sent = super::reminder_send::send_due(&db, env.kv("KV").ok(), &config, now).await?;
        Ok::<_, nuzantara_shared::error::ApiError>((report, sent))
    }
    .await;
    match result {
        Ok((r, s)) => console_log!(
            "{}",
            log::line(
                "info",
                "renewal reminders",
                &rid,
                json!({ "cron": event.cron(), "due": r.due, "written": r.written, "sent": s.sent, "failed": s.failed,
                        "skipped": s.skipped, "already_sent": s.done })
            )
        ),
        Err(e) => console_error!(
            "{}",
            log::line("error", "renewal reminders failed", &rid, json!({ "detail": e.detail }))
        ),
    }
}
