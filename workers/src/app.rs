//! The request pipeline every API call goes through, in order: request id, config, CORS preflight,
//! route match (404/405), handler, error mapping, security and CORS headers, metrics, one JSON log line.

use nuzantara_shared::auth::password::constant_time_eq;
use nuzantara_shared::auth::Access;
use nuzantara_shared::error::ApiError;
use nuzantara_shared::http::{cors_headers, preflight_headers, SECURITY_HEADERS};
use nuzantara_shared::ids::RequestId;
use nuzantara_shared::log;
use nuzantara_shared::routes::{is_api_path, match_route, Matched};
use serde_json::json;
use worker::{console_error, console_log, Env, Request, Response, Result};

use crate::context::{self, Ctx};
use crate::platform::{clock_ms, random16};
use crate::ratelimit::{self, Limiter};
use crate::{auth, respond, router};

pub async fn handle(req: Request, env: Env, worker_ctx: worker::Context) -> Result<Response> {
    let started = clock_ms();
    let header = |name: &str| req.headers().get(name).ok().flatten();
    let request_id = RequestId::from_header_or(header("X-Request-Id").as_deref(), random16());
    let rid = request_id.as_str().to_string();
    // The raw method: the `worker` crate maps unknown methods (e.g. QUERY) to GET.
    let method = req.inner().method();
    let path = req.path();

    // Only reached for non-API paths when a deployment routes everything through the worker.
    if !is_api_path(&path) {
        return env.assets("ASSETS")?.fetch_request(req).await;
    }

    let origin = header("Origin");
    let config = match context::config(&env) {
        Ok(c) => c,
        Err(e) => {
            console_error!(
                "{}",
                log::line("error", "configuration rejected", &rid, json!({ "problems": e.0 }))
            );
            let err = ApiError::internal(e.to_string());
            return Ok(respond::error(&err, &rid));
        }
    };

    let (route_label, result) = if method == "OPTIONS" {
        ("preflight", preflight(&config, origin.as_deref()))
    } else {
        match match_route(&method, &path) {
            Ok(matched) => {
                let ip = header("CF-Connecting-IP").unwrap_or_else(|| "unknown".into());
                let mut ctx = Ctx {
                    env,
                    config: config.clone(),
                    request_id: rid.clone(),
                    ip,
                    principal: None,
                    worker_ctx: std::rc::Rc::new(worker_ctx),
                };
                (matched.pattern, guarded(&matched, req, &mut ctx).await)
            }
            Err(e) => ("unmatched", Err(e)),
        }
    };

    let mut resp = match result {
        Ok(r) => r,
        Err(e) => {
            if e.status() >= 500 {
                console_error!(
                    "{}",
                    log::line(
                        "error",
                        "request failed",
                        &rid,
                        json!({ "detail": e.detail, "route": route_label })
                    )
                );
            }
            if is_openai_path(&path) {
                respond::openai_error(&e)
            } else {
                respond::error(&e, &rid)
            }
        }
    };

    let headers = resp.headers_mut();
    for (k, v) in SECURITY_HEADERS {
        headers.set(k, v)?;
    }
    for (k, v) in cors_headers(&config, origin.as_deref()) {
        headers.set(k, &v)?;
    }
    headers.set("X-Request-Id", &rid)?;

    let status = resp.status_code();
    let elapsed = clock_ms() - started;
    context::metrics(|m| m.observe(&method, route_label, status, elapsed));
    if config.request_log.wants(route_label, status, elapsed) {
        console_log!(
            "{}",
            log::line(
                "info",
                "request",
                &rid,
                json!({ "method": method, "route": route_label, "path": path, "status": status, "ms": elapsed })
            )
        );
    }
    Ok(resp)
}

/// The OpenAI-compatible routes answer errors in OpenAI's shape, which its SDKs parse.
fn is_openai_path(path: &str) -> bool {
    path == "/v1" || path.starts_with("/v1/")
}

/// The one place access is enforced: read credentials, check the route's `Access`, apply the rate
/// limit for this caller, then run the handler.
async fn guarded(matched: &Matched, req: Request, ctx: &mut Ctx) -> respond::HandlerResult {
    if matched.access == Access::Operator && presents_metrics_token(&req, ctx) {
        // A scraper: no user, but still rate-limited like an anonymous caller of this route.
        ratelimit::check_anonymous(&Limiter::new(&ctx.env, &ctx.config, ratelimit::ANON)?, &ctx.ip).await?;
        return router::dispatch(matched, req, ctx).await;
    }
    if matched.access != Access::Public {
        ctx.principal = auth::authenticate(&req, &ctx.config, &ctx.kv()?, &ctx.db()?).await?;
    }
    matched.access.check(ctx.principal.as_ref())?;
    match &ctx.principal {
        Some(p) => ratelimit::check_principal(&Limiter::new(&ctx.env, &ctx.config, ratelimit::API)?, p).await?,
        None if matched.access != Access::Public => {
            ratelimit::check_anonymous(&Limiter::new(&ctx.env, &ctx.config, ratelimit::ANON)?, &ctx.ip).await?
        }
        None => {}
    }
    router::dispatch(matched, req, ctx).await
}

/// Whether the request carries `Authorization: Bearer <METRICS_TOKEN>` (compared in constant time).
fn presents_metrics_token(req: &Request, ctx: &Ctx) -> bool {
    let Some(expected) = ctx.config.metrics_token.as_deref() else {
        return false;
    };
    let header = req.headers().get("Authorization").ok().flatten().unwrap_or_default();
    header
        .strip_prefix("Bearer ")
        .is_some_and(|t| constant_time_eq(t.trim().as_bytes(), expected.as_bytes()))
}

/// Answers a CORS preflight: 204 with the allowed methods and headers when the origin is allowed.
fn preflight(config: &nuzantara_shared::config::Config, origin: Option<&str>) -> respond::HandlerResult {
    let mut resp = Response::empty().map_err(respond::internal)?.with_status(204);
    if origin.is_some_and(|o| config.cors_allows(o)) {
        for (k, v) in preflight_headers() {
            resp.headers_mut().set(k, &v).map_err(respond::internal)?;
        }
    }
    Ok(resp)
}
