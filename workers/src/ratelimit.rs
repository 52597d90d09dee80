//! Rate limits through the Workers rate-limiting bindings declared in wrangler.toml (the limits live
//! there): per IP for anonymous calls, per IP and per account for logins, per user or API key otherwise.

use nuzantara_shared::auth::tokens::sha256_hex;
use nuzantara_shared::auth::Principal;
use nuzantara_shared::config::Config;
use nuzantara_shared::error::{ApiError, ApiResult, ErrorCode};
use worker::{Env, RateLimiter};

use crate::respond::internal;

/// (binding, limit, period seconds) — keep in step with `[[ratelimits]]` in wrangler.toml.
pub type Rule = (&'static str, u32, u32);
pub const LOGIN: Rule = ("LOGIN_LIMITER", 10, 60);
pub const ANON: Rule = ("ANON_LIMITER", 120, 60);
pub const API: Rule = ("API_LIMITER", 600, 60);

/// One rate-limiting binding with its limit. When rate limits are off (`RATE_LIMITS`) there is no binding
/// and every call passes.
pub struct Limiter {
    binding: Option<RateLimiter>,
    max: u32,
    period: u32,
}

impl Limiter {
    /// The binding of `rule`, looked up only when the configuration turns rate limits on.
    pub fn new(env: &Env, config: &Config, (name, max, period): Rule) -> ApiResult<Self> {
        let binding = if config.rate_limits {
            Some(env.rate_limiter(name).map_err(internal)?)
        } else {
            None
        };
        Ok(Self { binding, max, period })
    }

    async fn limit(&self, key: String) -> ApiResult<()> {
        let Some(limiter) = &self.binding else {
            return Ok(());
        };
        if limiter.limit(key).await.map_err(internal)?.success {
            return Ok(());
        }
        let (max, period) = (self.max, self.period);
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
}

/// A login attempt from `ip` for `email` (`limiter` built from [`LOGIN`]).
pub async fn check_login(limiter: &Limiter, ip: &str, email: &str) -> ApiResult<()> {
    limiter.limit(format!("ip:{ip}")).await?;
    limiter.limit(format!("acct:{}", sha256_hex(email))).await
}

/// An anonymous call from `ip` (`limiter` built from [`ANON`]).
pub async fn check_anonymous(limiter: &Limiter, ip: &str) -> ApiResult<()> {
    limiter.limit(format!("ip:{ip}")).await
}

/// A call by a signed-in user or API key (`limiter` built from [`API`]).
pub async fn check_principal(limiter: &Limiter, who: &Principal) -> ApiResult<()> {
    limiter.limit(format!("p:{}", who.id)).await
}
