//! The dead-letter queue's consumer: a job whose retries are spent is recorded for the admins
//! (`GET /api/admin/whatsapp/failures`) with its last error and the job itself, and the messages it was
//! sending are marked dead in the outbox (kept, with their text): nothing is lost.

use nuzantara_shared::error::ApiResult;
use nuzantara_shared::log;
use nuzantara_shared::whatsapp::job::Job;
use nuzantara_shared::whatsapp::payload::Event;
use serde_json::{json, Value};
use worker::{console_error, D1Database};

use super::store::{self, why, Failure};
use crate::db;

/// A job whose retries are spent: recorded for the admins with the last error, its pending messages marked
/// dead (kept, with their text, in the outbox).
/// `db` is the binding as looked up: a failed lookup is a failure to record, retried like the others.
pub(super) async fn dead_letter(db: ApiResult<D1Database>, request_id: &str, job: &Job, body: &Value) -> bool {
    let (kind, reference) = job.describe();
    let result = async {
        let db = db?;
        let (inbound, id) = match job {
            Job::Event(Event::Message(m)) => (Some(m.wamid.as_str()), None),
            Job::Send { outbox_id } => (None, Some(outbox_id.as_str())),
            Job::Event(Event::Status(_)) => (None, None),
        };
        #[derive(serde::Deserialize)]
        struct Last {
            wa_id: Option<String>,
            last_error: Option<String>,
            attempts: Option<i64>,
        }
        let last: Option<Last> = db::first(
            &db,
            "SELECT wa_id, last_error, attempts FROM wa_outbox WHERE state = 'pending' AND (inbound_wamid = ?1 OR id = ?2) \
             ORDER BY seq LIMIT 1",
            &[inbound.into(), id.into()],
        )
        .await?;
        let wa_id = match job {
            Job::Event(Event::Message(m)) => Some(m.from.clone()),
            _ => last.as_ref().and_then(|l| l.wa_id.clone()),
        };
        let error = last
            .as_ref()
            .and_then(|l| l.last_error.clone())
            .unwrap_or_else(|| "retries spent".into());
        let job_text = body.to_string();
        store::record_failure(
            &db,
            &Failure {
                kind,
                reference: &reference,
                wa_id: wa_id.as_deref(),
                error: &error,
                attempts: last.and_then(|l| l.attempts).unwrap_or(0),
                job: &job_text,
            },
        )
        .await?;
        db::run(
            &db,
            "UPDATE wa_outbox SET state = 'dead', updated_at = ?3 WHERE state = 'pending' AND (inbound_wamid = ?1 OR id = ?2)",
            &[inbound.into(), id.into(), db::P::I(crate::platform::now_ms() as i64)],
        )
        .await
    }
    .await;
    match result {
        Ok(_) => {
            console_error!(
                "{}",
                log::line(
                    "error",
                    "whatsapp job dead-lettered",
                    request_id,
                    json!({ "job": kind, "ref": reference })
                )
            );
            true
        }
        Err(e) => {
            console_error!(
                "{}",
                log::line(
                    "error",
                    "whatsapp dead letter not recorded",
                    request_id,
                    json!({ "job": kind, "ref": reference, "error": why(e) })
                )
            );
            false
        }
    }
}
