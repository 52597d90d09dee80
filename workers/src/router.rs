//! Maps each route of the shared route table (`nuzantara_shared::routes::ROUTES`) to its handler.
//! Handlers stay thin: extract input, call domain code, map the result.

use nuzantara_shared::error::ApiResult;
use nuzantara_shared::routes::{Matched, Route};
use worker::Request;

use crate::audit::Origin;
use crate::context::Ctx;
use crate::ratelimit::{self, Limiter};
use crate::respond::{self, HandlerResult};
use crate::{admin, auth, chat, crm, health, memory, openai_api, rag, tools, whatsapp};

pub async fn dispatch(m: &Matched, req: Request, ctx: &Ctx) -> HandlerResult {
    let param = |name: &str| m.param(name).unwrap_or_default();
    let max_body = ctx.config.max_body_bytes;
    match m.route {
        Route::Health => health::health(&ctx.request_id),
        Route::HealthDetailed => health::detailed(probes(ctx), &ctx.config, &ctx.request_id).await,
        Route::Metrics => health::metrics(),
        Route::OpenApi => openapi(&req, ctx),
        Route::Search => rag::search(req, &rag::Deps::of(ctx)?).await,
        Route::Collections => rag::collections(&rag::Deps::of(ctx)?).await,
        Route::KbDocument => rag::document(param("id"), &req, &rag::Deps::of(ctx)?).await,
        Route::TeamLogin => {
            auth::login(
                req,
                &session(ctx)?,
                &limiter(ctx, ratelimit::LOGIN)?,
                auth::Portal::Team,
            )
            .await
        }
        Route::ClientLogin => {
            auth::login(
                req,
                &session(ctx)?,
                &limiter(ctx, ratelimit::LOGIN)?,
                auth::Portal::Client,
            )
            .await
        }
        Route::Refresh => auth::refresh(req, &session(ctx)?, &limiter(ctx, ratelimit::ANON)?).await,
        Route::Logout => auth::logout(req, &session(ctx)?, &ctx.kv()?, ctx.principal()?).await,
        Route::Me => auth::me(&ctx.db()?, ctx.principal()?).await,
        Route::ChangePassword => auth::change_password(req, &session(ctx)?, ctx.principal()?).await,
        Route::AdminCreateUser => admin::create(req, max_body, &ctx.db()?, ctx.principal()?, origin(ctx)).await,
        Route::AdminListUsers => admin::list(&ctx.db()?).await,
        Route::AdminUpdateUser => {
            admin::update(param("id"), req, max_body, &ctx.db()?, ctx.principal()?, origin(ctx)).await
        }
        Route::AdminCreateApiKey => admin::create_key(req, max_body, &ctx.db()?, ctx.principal()?, origin(ctx)).await,
        Route::AdminListApiKeys => admin::list_keys(&ctx.db()?).await,
        Route::AdminRevokeApiKey => admin::revoke_key(param("id"), &ctx.db()?, ctx.principal()?, origin(ctx)).await,
        Route::AdminAudit => admin::audit_log(&req, &ctx.db()?).await,
        Route::ChatStream => chat::stream(req, chat::Deps::of(ctx)?).await,
        Route::Chat => chat::json(req, chat::Deps::of(ctx)?).await,
        Route::ChatCompletions => openai_api::completions(req, chat::Deps::of(ctx)?).await,
        Route::Models => openai_api::models(&ctx.config),
        Route::Embeddings => rag::embeddings(req, &ctx.config, ctx.ai().as_ref()).await,
        Route::Tools => tools::list(&ctx.config, ctx.principal.as_ref()),
        Route::RunTool => tools::run(param("name"), req, &tools::Deps::of(ctx)?).await,
        Route::ConfirmEmail => tools::confirm_email(req, &tools::Deps::of(ctx)?).await,
        Route::Conversations => memory::list(&req, &ctx.db()?, ctx.principal()?).await,
        Route::Conversation => memory::get(param("id"), &ctx.db()?, ctx.principal()?).await,
        Route::ConversationExport => memory::export(param("id"), &req, &ctx.db()?, ctx.principal()?, origin(ctx)).await,
        Route::DeleteConversation => memory::delete(param("id"), &ctx.db()?, ctx.principal()?, origin(ctx)).await,
        Route::MessageFeedback => memory::feedback(param("id"), req, max_body, &ctx.db()?, ctx.principal()?).await,
        Route::MemoryFacts => memory::list_facts(&req, &ctx.db()?, ctx.principal()?).await,
        Route::AddMemoryFact => memory::add_fact(req, max_body, &ctx.db()?, ctx.principal()?).await,
        Route::EditMemoryFact => memory::edit_fact(param("id"), req, max_body, &ctx.db()?, ctx.principal()?).await,
        Route::DeleteMemoryFact => memory::delete_fact(param("id"), &ctx.db()?, ctx.principal()?, origin(ctx)).await,
        Route::Crm(r) => crm::dispatch(r, m, req, ctx).await,
        Route::WhatsApp(r) => whatsapp::dispatch(r, m, req, ctx).await,
    }
}

/// The document rendered at build time (`build.rs`), with the servers of this request and configuration.
fn openapi(req: &Request, ctx: &Ctx) -> HandlerResult {
    const DOCUMENT: &str = include_str!(concat!(env!("OUT_DIR"), "/openapi.json"));
    let mut doc: serde_json::Value = serde_json::from_str(DOCUMENT).map_err(respond::internal)?;
    let origin = req.url().ok().map(|u| u.origin().ascii_serialization());
    doc["servers"] = nuzantara_shared::openapi::servers(origin.as_deref(), ctx.config.public_url.as_deref());
    respond::json(200, &doc)
}

/// Where the request came from, for the audit log.
fn origin(ctx: &Ctx) -> Origin<'_> {
    Origin {
        ip: &ctx.ip,
        request_id: &ctx.request_id,
    }
}

/// What the session routes use (see [`auth::Session`]).
fn session(ctx: &Ctx) -> ApiResult<auth::Session<'_>> {
    Ok(auth::Session {
        db: ctx.db()?,
        jwt_secret: &ctx.config.jwt_secret,
        max_body: ctx.config.max_body_bytes,
        origin: origin(ctx),
    })
}

fn limiter(ctx: &Ctx, rule: ratelimit::Rule) -> ApiResult<Limiter> {
    Limiter::new(&ctx.env, &ctx.config, rule)
}

/// The stores and search backends the detailed health check probes, looked up here; a failed lookup is that
/// probe's error.
fn probes(ctx: &Ctx) -> health::Probes {
    health::Probes {
        db: ctx.db(),
        kv: ctx.kv(),
        docs: ctx.docs(),
        vectors: ctx
            .db()
            .and_then(|db| rag::vectors::from_config(&ctx.config, &db, ctx.vectorize().as_ref())),
        embedder: rag::embed::from_config(&ctx.config, ctx.ai().as_ref()),
    }
}
