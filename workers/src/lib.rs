//! The Nuzantara API worker: HTTP in, domain code from `nuzantara-shared`, D1/KV/R2 out.
//!
//! `app` runs the cross-cutting pipeline (request id, CORS, limits, metrics, logs, headers);
//! `router` maps each route of the shared route table to a thin handler in its domain module.

mod admin;
mod app;
mod audit;
mod auth;
mod body;
mod db;
mod context;
mod health;
mod platform;
mod rag;
mod ratelimit;
mod respond;
mod router;

use worker::{event, Context, Env, Request, Response, Result};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    app::handle(req, env).await
}
