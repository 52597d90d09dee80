//! Maps each route of the shared route table (`nuzantara_shared::routes::ROUTES`) to its handler.
//! Handlers stay thin: extract input, call domain code, map the result.

use nuzantara_shared::routes::{Matched, Route};
use worker::Request;

use crate::context::Ctx;
use crate::{health, rag};
use crate::respond::HandlerResult;

pub async fn dispatch(m: &Matched, req: Request, ctx: &Ctx) -> HandlerResult {
    let param = |name: &str| m.param(name).unwrap_or_default();
    match m.route {
        Route::Health => health::health(ctx),
        Route::HealthDetailed => health::detailed(ctx).await,
        Route::Metrics => health::metrics(),
        Route::Search => rag::search(req, ctx).await,
        Route::Collections => rag::collections(ctx).await,
        Route::KbDocument => rag::document(param("id"), &req, ctx).await,
    }
}
