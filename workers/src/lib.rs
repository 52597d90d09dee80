//! The Nuzantara API worker: HTTP in, domain code from `nuzantara-shared`, D1/KV/R2 out.
//!
//! `app` runs the cross-cutting pipeline (request id, CORS, limits, metrics, logs, headers);
//! `router` maps each route of the shared route table to a thin handler in its domain module.

mod admin;
mod app;
mod audit;
mod auth;
mod body;
mod chat;
mod context;
mod crm;
mod db;
mod google;
mod health;
mod llm;
mod memory;
mod openai_api;
mod outbound;
mod platform;
mod rag;
mod ratelimit;
mod respond;
mod router;
mod stream;
mod tools;
mod whatsapp;

use worker::{event, Context, Env, Request, Response, Result};

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> Result<Response> {
    app::handle(req, env, ctx).await
}

/// Cron triggers (wrangler.toml `[triggers]`): the daily renewal reminders.
#[event(scheduled)]
async fn scheduled(event: worker::ScheduledEvent, env: Env, _ctx: worker::ScheduleContext) {
    crm::reminders::scheduled(event, env).await;
}

/// The WhatsApp jobs queue and its dead-letter queue (wrangler.toml `[[queues.consumers]]`).
#[event(queue)]
async fn queue(batch: worker::MessageBatch<serde_json::Value>, env: Env, ctx: Context) -> Result<()> {
    whatsapp::consumer::run(batch, env, ctx).await;
    Ok(())
}
