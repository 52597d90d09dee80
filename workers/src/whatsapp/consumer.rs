//! The queue consumer: each job of the webhook (or of a consultant's send) is processed here, after the
//! webhook has answered Meta. A job that fails for a reason worth retrying (the Graph API's 429/5xx/timeout,
//! a store error) is retried by the queue with a growing delay; once the queue's retries are spent it lands on
//! the dead-letter queue, whose consumer (also here) records it for the admins.

use std::rc::Rc;

use nuzantara_shared::config::WhatsAppConfig;
use nuzantara_shared::lang::Lang;
use nuzantara_shared::log;
use nuzantara_shared::whatsapp::graph::{deliver, retry_delay_secs, OutgoingMessage, SendError};
use nuzantara_shared::whatsapp::job::Job;
use nuzantara_shared::whatsapp::payload::{Content, Event, Inbound};
use nuzantara_shared::whatsapp::reply::{compose, split, text_only, MAX_MESSAGE};
use nuzantara_shared::whatsapp::E164;
use serde_json::{json, Value};
use worker::{
    console_error, console_log, console_warn, D1Database, Env, MessageBatch, MessageExt, QueueRetryOptionsBuilder,
};

use super::dead_letter::dead_letter;
use super::graph::HttpGraph;
use super::store::{self, why, Failure};
use crate::chat;
use crate::context::{self, Ctx};
use crate::db;

/// Queues whose name ends so are dead-letter queues (wrangler.toml).
pub const DEAD_LETTER_SUFFIX: &str = "-dlq";

/// Why a job must be tried again, and when.
struct Retry {
    delay_secs: u32,
    reason: String,
}

fn later(cfg: Option<&WhatsAppConfig>, reason: impl std::fmt::Display) -> Retry {
    Retry {
        delay_secs: cfg.map_or(10, |c| c.retry_base_secs),
        reason: reason.to_string(),
    }
}

pub async fn run(batch: MessageBatch<Value>, env: Env, worker_ctx: worker::Context) {
    let queue = batch.queue();
    let config = match context::config(&env) {
        Ok(c) => c,
        Err(e) => {
            console_error!(
                "{}",
                log::line(
                    "error",
                    "queue: configuration rejected",
                    &queue,
                    json!({ "problems": e.0 })
                )
            );
            batch.retry_all();
            return;
        }
    };
    let ctx = Ctx {
        env,
        config,
        request_id: String::new(),
        ip: "queue".into(),
        principal: None,
        worker_ctx: Rc::new(worker_ctx),
    };
    let dead = queue.ends_with(DEAD_LETTER_SUFFIX);
    for message in batch.iter() {
        let message = match message {
            Ok(m) => m,
            Err(e) => {
                // Left unacknowledged: retried, then dead-lettered.
                console_error!(
                    "{}",
                    log::line(
                        "error",
                        "queue: unreadable message",
                        &queue,
                        json!({ "error": e.to_string() })
                    )
                );
                continue;
            }
        };
        let mut ctx = ctx.clone();
        ctx.request_id = message.id();
        let job: Job = match serde_json::from_value(message.body().clone()) {
            Ok(j) => j,
            Err(e) => {
                console_error!(
                    "{}",
                    log::line(
                        "error",
                        "queue: not a WhatsApp job",
                        &ctx.request_id,
                        json!({ "error": e.to_string() })
                    )
                );
                message.ack();
                continue;
            }
        };
        if dead {
            // Acknowledged only once recorded: a failure to record it is retried on the dead-letter queue.
            if dead_letter(ctx.db(), &ctx.request_id, &job, message.body()).await {
                message.ack();
            } else {
                message.retry();
            }
            continue;
        }
        match process(&ctx, &job).await {
            Ok(()) => message.ack(),
            Err(r) => {
                let (kind, reference) = job.describe();
                console_warn!(
                    "{}",
                    log::line(
                        "warn",
                        "whatsapp job retried",
                        &ctx.request_id,
                        json!({ "job": kind, "ref": reference, "reason": r.reason, "delay_s": r.delay_secs })
                    )
                );
                message.retry_with_options(&QueueRetryOptionsBuilder::new().with_delay_seconds(r.delay_secs).build());
            }
        }
    }
}

async fn process(ctx: &Ctx, job: &Job) -> Result<(), Retry> {
    let cfg = ctx.config.whatsapp.as_ref();
    let db = ctx.db().map_err(|e| later(cfg, why(e)))?;
    match job {
        Job::Event(Event::Status(s)) => store::record_status(&db, s).await.map_err(|e| later(cfg, why(e))),
        Job::Event(Event::Message(m)) => {
            let cfg = cfg.ok_or_else(|| later(None, "the WhatsApp channel is not configured"))?;
            inbound(ctx, cfg, &db, m).await
        }
        Job::Send { outbox_id } => {
            let cfg = cfg.ok_or_else(|| later(None, "the WhatsApp channel is not configured"))?;
            let rows = store::pending(&db, None, Some(outbox_id))
                .await
                .map_err(|e| later(Some(cfg), why(e)))?;
            send(&ctx.request_id, cfg, &db, rows).await
        }
    }
}

/// One incoming message, once: claim it, answer it (unless a consultant has the conversation), send.
async fn inbound(ctx: &Ctx, cfg: &WhatsAppConfig, db: &D1Database, m: &Inbound) -> Result<(), Retry> {
    let fail = |e: nuzantara_shared::error::ApiError| later(Some(cfg), why(e));
    let Some(state) = store::claim(db, m, &ctx.request_id).await.map_err(fail)? else {
        console_log!(
            "{}",
            log::line(
                "info",
                "whatsapp duplicate skipped",
                &ctx.request_id,
                json!({ "wamid": m.wamid })
            )
        );
        return Ok(());
    };
    let Ok(number) = E164::parse(&m.from) else {
        return store::set_state(db, &m.wamid, "ignored").await.map_err(fail);
    };
    let contact = store::ensure_contact(db, m, &number).await.map_err(fail)?;
    if state == "processing" {
        let shown = shown(&m.content);
        if contact.taken_over_by.is_some() {
            // The consultant answers: keep the message on the conversation for them, say nothing.
            let held = store::append_message(db, &contact.conversation_id, "user", &shown, None).map_err(fail)?;
            let st = db::stmt(
                db,
                "UPDATE wa_inbound SET state = 'held' WHERE wamid = ?1",
                &[db::P::S(&m.wamid)],
            )
            .map_err(fail)?;
            return db::batch(db, vec![held, st]).await.map_err(fail);
        }
        let parts = match &m.content {
            Content::Reaction => return store::set_state(db, &m.wamid, "ignored").await.map_err(fail),
            Content::Text { body } => {
                let turn = chat::channel_turn(ctx, body, &contact.conversation_id, &contact.session_id())
                    .await
                    .map_err(fail)?;
                split(&compose(&turn.answer, &turn.sources, Lang::detect(body)), MAX_MESSAGE)
            }
            Content::Media { .. } | Content::Other { .. } => vec![text_only(contact.lang()).to_string()],
        };
        let mut statements = Vec::new();
        if !matches!(m.content, Content::Text { .. }) {
            // The turn stores text questions and answers; the rest is kept here.
            statements.push(store::append_message(db, &contact.conversation_id, "user", &shown, None).map_err(fail)?);
            statements.push(
                store::append_message(
                    db,
                    &contact.conversation_id,
                    "assistant",
                    &parts.join("\n\n"),
                    Some("whatsapp"),
                )
                .map_err(fail)?,
            );
        }
        for (i, body) in parts.into_iter().enumerate() {
            let message = OutgoingMessage::Text {
                to: m.from.clone(),
                body,
            };
            let id = format!("{}:{i}", m.wamid);
            statements.push(
                store::outbox_insert(db, &id, Some(&m.wamid), i as i64, &message, "assistant", None).map_err(fail)?,
            );
        }
        statements.push(
            db::stmt(
                db,
                "UPDATE wa_inbound SET state = 'answered' WHERE wamid = ?1",
                &[db::P::S(&m.wamid)],
            )
            .map_err(fail)?,
        );
        db::batch(db, statements).await.map_err(fail)?;
    }
    let rows = store::pending(db, Some(&m.wamid), None).await.map_err(fail)?;
    send(&ctx.request_id, cfg, db, rows).await?;
    store::set_state(db, &m.wamid, "done").await.map_err(fail)
}

/// How a message we do not answer by the engine appears in the conversation.
fn shown(content: &Content) -> String {
    match content {
        Content::Text { body } => body.clone(),
        Content::Media {
            kind,
            caption,
            filename,
            ..
        } => {
            let what = filename
                .as_deref()
                .or(caption.as_deref())
                .map(|c| format!(": {c}"))
                .unwrap_or_default();
            format!("[{kind}{what}]")
        }
        Content::Reaction => "[reaction]".into(),
        Content::Other { kind } => format!("[{kind}]"),
    }
}

/// Sends outbox rows in order through the Graph API, recording each attempt.
async fn send(
    request_id: &str,
    cfg: &WhatsAppConfig,
    db: &D1Database,
    rows: Vec<store::OutboxRow>,
) -> Result<(), Retry> {
    let mut pending = Vec::new();
    for row in rows {
        match serde_json::from_str::<OutgoingMessage>(&row.message) {
            Ok(msg) => pending.push(((row.id, row.attempts), msg)),
            Err(e) => console_error!(
                "{}",
                log::line(
                    "error",
                    "whatsapp outbox row unreadable",
                    request_id,
                    json!({ "id": row.id, "error": e.to_string() })
                )
            ),
        }
    }
    let graph = HttpGraph(cfg);
    let mut failed_attempts = 0;
    let mut store_error = None;
    let result = deliver(
        &graph,
        &pending,
        async |(id, attempts): &(String, i64), r: &Result<_, SendError>| {
            let written = match r {
                Ok(a) => store::record_attempt(db, id, "accepted", a.wamid.as_deref(), None).await,
                Err(e @ SendError::Permanent { .. }) => {
                    let detail = e.detail();
                    let job = json!({ "job": "send", "outbox_id": id }).to_string();
                    let failure = Failure {
                        kind: "send",
                        reference: id,
                        wa_id: None,
                        error: &detail,
                        attempts: attempts + 1,
                        job: &job,
                    };
                    match store::record_failure(db, &failure).await {
                        Ok(()) => store::record_attempt(db, id, "refused", None, Some(&detail)).await,
                        Err(e) => Err(e),
                    }
                }
                Err(e) => {
                    failed_attempts = attempts + 1;
                    store::record_attempt(db, id, "pending", None, Some(&e.detail())).await
                }
            };
            if let Err(e) = written {
                store_error = Some(why(e));
            }
        },
    )
    .await;
    if let Some(e) = store_error {
        return Err(later(Some(cfg), e));
    }
    match result {
        Ok(()) => Ok(()),
        Err(e) => {
            let retry_after = match &e {
                SendError::Retryable { retry_after_secs, .. } => *retry_after_secs,
                SendError::Permanent { .. } => None,
            };
            Err(Retry {
                delay_secs: retry_delay_secs(failed_attempts.max(1) as u32, cfg.retry_base_secs, retry_after),
                reason: e.detail(),
            })
        }
    }
}
