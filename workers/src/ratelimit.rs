//! Rate limits through the Workers rate-limiting bindings declared in wrangler.toml (the limits live
//! there): per IP for anonymous calls, per IP and per account for logins, per user or API key otherwise.

use nuzantara_shared::auth::tokens::sha256_hex;
use nuzantara_shared::auth::Principal;
use nuzantara_shared::error::{ApiError, ApiResult, ErrorCode};
use worker::RateLimiter;

use crate::context::Ctx;
use crate::respond::internal;

/// (binding, limit, period seconds) — keep in step with `[[ratelimits]]` in wrangler.toml.
const LOGIN: (&str, u32, u32) = ("LOGIN_LIMITER", 10, 60);
const ANON: (&str, u32, u32) = ("ANON_LIMITER", 120, 60);
const API: (&str, u32, u32) = ("API_LIMITER", 600, 60);

async fn limit(ctx: &Ctx, (binding, max, period): (&str, u32, u32), key: String) -> ApiResult<()> {
    if !ctx.config.rate_limits {
        return Ok(());
    }
    let limiter: RateLimiter = ctx.env.rate_limiter(binding).map_err(internal)?;
    if limiter.limit(key).await.map_err(internal)?.success {
        return Ok(());
    }
    Err(ApiError::new(
        ErrorCode::RateLimited,
        format!("too many requests: at most {max} per {period} s"),
    )
    .with_header("Retry-After", period.to_string())
    .with_header("RateLimit-Limit", max.to_string())
    .with_header("RateLimit-Remaining", "0")
    .with_header("RateLimit-Reset", period.to_string())
    .with_header("RateLimit-Policy", format!("{max};w={period}")))
}

pub async fn check_login(ctx: &Ctx, email: &str) -> ApiResult<()> {
    limit(ctx, LOGIN, format!("ip:{}", ctx.ip)).await?;
    limit(ctx, LOGIN, format!("acct:{}", sha256_hex(email))).await
}

pub async fn check_anonymous(ctx: &Ctx, _what: &str) -> ApiResult<()> {
    limit(ctx, ANON, format!("ip:{}", ctx.ip)).await
}

pub async fn check_principal(ctx: &Ctx, who: &Principal) -> ApiResult<()> {
    limit(ctx, API, format!("p:{}", who.id)).await
}
