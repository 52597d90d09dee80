//! Maps each route of the shared route table (`nuzantara_shared::routes::ROUTES`) to its handler.
//! Handlers stay thin: extract input, call domain code, map the result.

use nuzantara_shared::routes::{Matched, Route};
use worker::Request;

use crate::context::Ctx;
use crate::respond::{self, HandlerResult};
use crate::{admin, auth, chat, crm, health, memory, rag, tools, whatsapp};

pub async fn dispatch(m: &Matched, req: Request, ctx: &Ctx) -> HandlerResult {
    let param = |name: &str| m.param(name).unwrap_or_default();
    match m.route {
        Route::Health => health::health(ctx),
        Route::HealthDetailed => health::detailed(ctx).await,
        Route::Metrics => health::metrics(),
        Route::OpenApi => openapi(&req, ctx),
        Route::Search => rag::search(req, &rag::Deps::of(ctx)?).await,
        Route::Collections => rag::collections(&rag::Deps::of(ctx)?).await,
        Route::KbDocument => rag::document(param("id"), &req, &rag::Deps::of(ctx)?).await,
        Route::TeamLogin => auth::login(req, ctx, auth::Portal::Team).await,
        Route::ClientLogin => auth::login(req, ctx, auth::Portal::Client).await,
        Route::Refresh => auth::refresh(req, ctx).await,
        Route::Logout => auth::logout(req, ctx).await,
        Route::Me => auth::me(ctx).await,
        Route::ChangePassword => auth::change_password(req, ctx).await,
        Route::AdminCreateUser => admin::create(req, ctx).await,
        Route::AdminListUsers => admin::list(ctx).await,
        Route::AdminUpdateUser => admin::update(param("id"), req, ctx).await,
        Route::AdminCreateApiKey => admin::create_key(req, ctx).await,
        Route::AdminListApiKeys => admin::list_keys(ctx).await,
        Route::AdminRevokeApiKey => admin::revoke_key(param("id"), ctx).await,
        Route::AdminAudit => admin::audit_log(&req, ctx).await,
        Route::ChatStream => chat::stream(req, chat::Deps::of(ctx)?).await,
        Route::Chat => chat::json(req, chat::Deps::of(ctx)?).await,
        Route::ChatCompletions => chat::completions(req, chat::Deps::of(ctx)?).await,
        Route::Models => chat::models(&ctx.config),
        Route::Embeddings => rag::embeddings(req, &ctx.config, &ctx.env).await,
        Route::Tools => tools::list(&ctx.config, ctx.principal.as_ref()),
        Route::RunTool => tools::run(param("name"), req, &tools::Deps::of(ctx)?).await,
        Route::ConfirmEmail => tools::confirm_email(req, &tools::Deps::of(ctx)?).await,
        Route::Conversations => memory::list(&req, ctx).await,
        Route::Conversation => memory::get(param("id"), ctx).await,
        Route::ConversationExport => memory::export(param("id"), &req, ctx).await,
        Route::DeleteConversation => memory::delete(param("id"), ctx).await,
        Route::MessageFeedback => memory::feedback(param("id"), req, ctx).await,
        Route::MemoryFacts => memory::list_facts(&req, ctx).await,
        Route::AddMemoryFact => memory::add_fact(req, ctx).await,
        Route::EditMemoryFact => memory::edit_fact(param("id"), req, ctx).await,
        Route::DeleteMemoryFact => memory::delete_fact(param("id"), ctx).await,
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
