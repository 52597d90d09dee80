//! The WhatsApp channel (issue 15): Meta's webhook (verification handshake, signed deliveries handed to the
//! `WA_QUEUE` queue), the queue's consumer ([`consumer`]), the Graph API client ([`graph`]), the D1 records
//! ([`store`]) and the team's routes ([`team`]). The pure parts live in `nuzantara_shared::whatsapp`.

pub mod consumer;
mod dead_letter;
mod graph;
mod store;
mod team;

use nuzantara_shared::auth::password::constant_time_eq;
use nuzantara_shared::config::{Config, WhatsAppConfig};
use nuzantara_shared::error::{ApiError, ApiResult};
use nuzantara_shared::http::check_size;
use nuzantara_shared::ids::new_id;
use nuzantara_shared::log;
use nuzantara_shared::routes::{Matched, WhatsAppRoute};
use nuzantara_shared::whatsapp::graph::OutgoingMessage;
use nuzantara_shared::whatsapp::job::Job;
use nuzantara_shared::whatsapp::payload::{self, PayloadError};
use nuzantara_shared::whatsapp::signature;
use serde_json::json;
use worker::{console_warn, Env, Queue, Request};

use crate::audit::Origin;
use crate::context::Ctx;
use crate::platform::random16;
use crate::respond::{self, internal, HandlerResult};

/// The producer binding of the jobs queue (wrangler.toml `[[queues.producers]]`).
pub const QUEUE_BINDING: &str = "WA_QUEUE";
/// `sendBatch` takes at most 100 messages.
const QUEUE_BATCH: usize = 100;

/// Builds what each WhatsApp route uses from the request context.
pub async fn dispatch(r: WhatsAppRoute, m: &Matched, req: Request, ctx: &Ctx) -> HandlerResult {
    let wa_id = m.param("wa_id").unwrap_or_default();
    let origin = Origin {
        ip: &ctx.ip,
        request_id: &ctx.request_id,
    };
    match r {
        WhatsAppRoute::Verify => verify(&req, configured(&ctx.config)?),
        WhatsAppRoute::Webhook => {
            let cfg = configured(&ctx.config)?;
            webhook(req, cfg, ctx.config.max_body_bytes, queue(&ctx.env), origin).await
        }
        WhatsAppRoute::Conversations => team::list(&ctx.db()?).await,
        WhatsAppRoute::Conversation => team::get(wa_id, &ctx.db()?).await,
        WhatsAppRoute::TakeOver => team::take_over(wa_id, &ctx.db()?, ctx.principal()?, origin, true).await,
        WhatsAppRoute::Release => team::take_over(wa_id, &ctx.db()?, ctx.principal()?, origin, false).await,
        WhatsAppRoute::Send => {
            let to = team::Outbox {
                db: ctx.db()?,
                queue: queue(&ctx.env),
            };
            team::send(wa_id, req, ctx.config.max_body_bytes, &to, ctx.principal()?).await
        }
        WhatsAppRoute::Failures => team::failures(&ctx.db()?).await,
    }
}

/// The jobs queue's producer; a missing binding is reported where the queue is first used.
fn queue(env: &Env) -> ApiResult<Queue> {
    env.queue(QUEUE_BINDING).map_err(internal)
}

/// The channel's settings, or 404 when it is off (no WHATSAPP_* secrets).
fn configured(config: &Config) -> ApiResult<&WhatsAppConfig> {
    config
        .whatsapp
        .as_ref()
        .ok_or_else(|| ApiError::not_found("the WhatsApp channel is not enabled on this server"))
}

/// `GET /webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`: the challenge back, as text,
/// when the token matches (compared in constant time); 403 otherwise.
fn verify(req: &Request, cfg: &WhatsAppConfig) -> HandlerResult {
    let url = req.url().map_err(internal)?;
    let q = |name: &str| url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
    let token_ok = q("hub.verify_token").is_some_and(|t| constant_time_eq(t.as_bytes(), cfg.verify_token.as_bytes()));
    match (q("hub.mode").as_deref(), q("hub.challenge")) {
        (Some("subscribe"), Some(challenge)) if token_ok && challenge.len() <= 256 => {
            respond::text(200, "text/plain; charset=utf-8", challenge)
        }
        _ => Err(ApiError::forbidden("verification refused")),
    }
}

/// `POST /webhooks/whatsapp`: checks the signature over the raw body before reading it, queues one job per
/// message or status and answers 200 at once (Meta retries a delivery that is not acknowledged quickly).
/// The queue refusing the jobs is a 503, so Meta delivers again: nothing is lost.
async fn webhook(
    mut req: Request,
    cfg: &WhatsAppConfig,
    max: usize,
    queue: ApiResult<Queue>,
    origin: Origin<'_>,
) -> HandlerResult {
    let declared = req.headers().get("Content-Length").ok().flatten();
    if let Some(len) = declared.and_then(|v| v.parse::<usize>().ok()) {
        check_size(len, max)?;
    }
    let raw = req.bytes().await.map_err(internal)?;
    check_size(raw.len(), max)?;
    let sig = req.headers().get("X-Hub-Signature-256").ok().flatten();
    if !signature::verify(&cfg.app_secret, &raw, sig.as_deref()) {
        console_warn!(
            "{}",
            log::line(
                "warn",
                "whatsapp webhook signature refused",
                origin.request_id,
                json!({ "ip": origin.ip, "signed": sig.is_some(), "bytes": raw.len() })
            )
        );
        return Err(ApiError::unauthorized("missing or invalid X-Hub-Signature-256"));
    }
    let events = payload::parse(&raw, Some(&cfg.phone_number_id)).map_err(|e| match e {
        PayloadError::NotJson => ApiError::validation("the body is not a WhatsApp webhook payload (JSON object)"),
        PayloadError::NotWhatsApp => ApiError::validation("object must be whatsapp_business_account"),
    })?;
    let received = events.len();
    if !events.is_empty() {
        let queue = queue?;
        let jobs: Vec<Job> = events.into_iter().map(Job::Event).collect();
        for chunk in jobs.chunks(QUEUE_BATCH) {
            queue
                .send_batch(chunk.to_vec())
                .await
                .map_err(|e| ApiError::upstream(format!("queue: {e}")))?;
        }
    }
    respond::json(200, &json!({ "received": received }))
}

/// Sends a message through the outbox and the queue (same retries and dead letters as the assistant's
/// answers): a consultant's text, or an approved template (`OutgoingMessage::Template`, origin `template`) for
/// the renewal reminders. Returns the outbox id; its delivery status shows on the conversation.
pub async fn queue_message(
    to: &team::Outbox,
    message: &OutgoingMessage,
    origin: &'static str,
    author: Option<&str>,
) -> ApiResult<String> {
    let id = new_id(random16());
    store::outbox_insert(&to.db, &id, None, 0, message, origin, author)?
        .run()
        .await
        .map_err(internal)?;
    enqueue_send(&to.queue, &id).await?;
    Ok(id)
}

/// Queues sending an outbox row.
async fn enqueue_send(queue: &ApiResult<Queue>, outbox_id: &str) -> ApiResult<()> {
    queue
        .as_ref()
        .map_err(Clone::clone)?
        .send(Job::Send {
            outbox_id: outbox_id.to_string(),
        })
        .await
        .map_err(|e| ApiError::upstream(format!("queue: {e}")))
}
