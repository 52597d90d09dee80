//! Who is calling: access tokens (JWT), API keys, and the session routes (login, refresh, logout,
//! me, password change).

pub mod crypto;
mod session;
pub mod users;

use nuzantara_shared::auth::jwt;
use nuzantara_shared::auth::tokens::{parse_authorization, sha256_hex, Bearer};
use nuzantara_shared::auth::{Principal, Role};
use nuzantara_shared::error::{ApiError, ApiResult};
use serde::Deserialize;
use worker::Request;

use crate::context::Ctx;
use crate::db::{self, P};
use crate::platform::now_ms;
use crate::respond::internal;

pub use session::{change_password, login, logout, me, refresh, Portal};

/// Reads the caller's credentials. `Ok(None)`: no credentials sent. A credential that is sent but
/// invalid is an error (401), never silently treated as anonymous.
pub async fn authenticate(req: &Request, ctx: &Ctx) -> ApiResult<Option<Principal>> {
    let Some(header) = req.headers().get("Authorization").ok().flatten() else {
        return Ok(None);
    };
    match parse_authorization(&header) {
        None => Err(ApiError::unauthorized("Authorization must be 'Bearer <token>'")),
        Some(Bearer::Jwt(token)) => {
            let claims = jwt::verify(token, ctx.config.jwt_secret.as_bytes(), now_ms() / 1000)?;
            let kv = ctx.env.kv("KV").map_err(internal)?;
            if kv.get(&deny_key(&claims.jti)).text().await.map_err(internal)?.is_some() {
                return Err(ApiError::unauthorized("access token revoked"));
            }
            Ok(Some(Principal {
                id: claims.sub,
                role: claims.role,
                client_id: claims.client_id,
                scopes: Vec::new(),
                jti: Some(claims.jti),
                token_exp: Some(claims.exp),
            }))
        }
        Some(Bearer::ApiKey(key)) => api_key_principal(key, ctx).await.map(Some),
    }
}

pub fn deny_key(jti: &str) -> String {
    format!("deny:{jti}")
}

async fn api_key_principal(key: &str, ctx: &Ctx) -> ApiResult<Principal> {
    #[derive(Deserialize)]
    struct Key {
        id: String,
        scopes: String,
        last_used_at: Option<f64>,
    }
    let db = db::db(ctx)?;
    let hash = sha256_hex(key);
    let row: Option<Key> = db::first(
        &db,
        "SELECT id, scopes, last_used_at FROM api_keys WHERE key_hash = ?1 AND revoked_at IS NULL",
        &[P::S(&hash)],
    )
    .await?;
    let key = row.ok_or_else(|| ApiError::unauthorized("unknown or revoked API key"))?;
    let now = now_ms() as i64;
    // Record use at most once a minute: a write per request would dominate an integrator's traffic.
    if key.last_used_at.is_none_or(|t| now - t as i64 > 60_000) {
        db::run(
            &db,
            "UPDATE api_keys SET last_used_at = ?1 WHERE id = ?2",
            &[P::I(now), P::S(&key.id)],
        )
        .await?;
    }
    Ok(Principal {
        id: key.id,
        role: Role::Service,
        client_id: None,
        scopes: serde_json::from_str(&key.scopes).unwrap_or_default(),
        jti: None,
        token_exp: None,
    })
}
