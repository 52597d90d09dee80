//! Who is calling: access tokens (JWT), API keys, and the session routes (login, refresh, logout,
//! me, password change).

pub mod crypto;
mod lockout;
mod session;
pub mod users;

use std::cell::RefCell;

use nuzantara_shared::auth::jwt;
use nuzantara_shared::auth::revocation::{principal_for, StateCache, UserState};
use nuzantara_shared::auth::tokens::{parse_authorization, sha256_hex, Bearer};
use nuzantara_shared::auth::{Principal, Role};
use nuzantara_shared::config::Config;
use nuzantara_shared::error::{ApiError, ApiResult};
use serde::Deserialize;
use worker::kv::KvStore;
use worker::{D1Database, Request};

use crate::db::{self, P};
use crate::platform::now_ms;
use crate::respond::internal;

pub use session::{change_password, login, logout, me, refresh, Portal, Session};

/// Reads the caller's credentials. `Ok(None)`: no credentials sent. A credential that is sent but
/// invalid is an error (401), never silently treated as anonymous. Access tokens are checked against the
/// deny-list in `kv` and the user's state in `db`; API keys against `db`.
pub async fn authenticate(
    req: &Request,
    config: &Config,
    kv: &KvStore,
    db: &D1Database,
) -> ApiResult<Option<Principal>> {
    let Some(header) = req.headers().get("Authorization").ok().flatten() else {
        return Ok(None);
    };
    match parse_authorization(&header) {
        None => Err(ApiError::unauthorized("Authorization must be 'Bearer <token>'")),
        Some(Bearer::Jwt(token)) => {
            let claims = jwt::verify(token, config.jwt_secret.as_bytes(), now_ms() / 1000)?;
            if kv.get(&deny_key(&claims.jti)).text().await.map_err(internal)?.is_some() {
                return Err(ApiError::unauthorized("access token revoked"));
            }
            let state = user_state(db, &claims.sub, config.session_check_ttl_ms).await?;
            principal_for(claims, state.as_ref()).map(Some)
        }
        Some(Bearer::ApiKey(key)) => api_key_principal(key, db).await.map(Some),
    }
}

pub fn deny_key(jti: &str) -> String {
    format!("deny:{jti}")
}

thread_local! {
    /// Users' stored states, per isolate (see `nuzantara_shared::auth::revocation`).
    static STATES: RefCell<StateCache> = RefCell::new(StateCache::default());
}

/// The user's current role, client link, disabled flag and session epoch, read at most once per `ttl_ms`
/// per isolate.
async fn user_state(db: &D1Database, user_id: &str, ttl_ms: u64) -> ApiResult<Option<UserState>> {
    let now = now_ms();
    if let Some(hit) = STATES.with(|c| c.borrow().get(user_id, now, ttl_ms)) {
        return Ok(hit);
    }
    #[derive(Deserialize)]
    struct Row {
        role: String,
        client_id: Option<String>,
        disabled: f64,
        session_epoch: f64,
    }
    let row: Option<Row> = db::first(
        db,
        "SELECT role, client_id, disabled, session_epoch FROM users WHERE id = ?1",
        &[P::S(user_id)],
    )
    .await?;
    let state = row.and_then(|r| {
        Some(UserState {
            role: Role::parse(&r.role)?,
            client_id: r.client_id,
            disabled: r.disabled != 0.0,
            epoch: r.session_epoch as u32,
        })
    });
    STATES.with(|c| c.borrow_mut().put(user_id, state.clone(), now));
    Ok(state)
}

/// Ends a user's access tokens: bumps their session epoch (every isolate refuses older tokens once its
/// cached state expires) and forgets them in this isolate, so the change holds here at once.
pub async fn end_sessions(db: &D1Database, user_id: &str) -> ApiResult<()> {
    db::run(
        db,
        "UPDATE users SET session_epoch = session_epoch + 1 WHERE id = ?1",
        &[P::S(user_id)],
    )
    .await?;
    STATES.with(|c| c.borrow_mut().forget(user_id));
    Ok(())
}

/// An API key is refused when revoked, expired, or when the admin who made it is disabled, deleted or no
/// longer an admin: a key carries its maker's authority and must not outlive it.
async fn api_key_principal(key: &str, db: &D1Database) -> ApiResult<Principal> {
    #[derive(Deserialize)]
    struct Key {
        id: String,
        scopes: String,
        last_used_at: Option<f64>,
        expires_at: Option<f64>,
        owner_role: Option<String>,
        owner_disabled: Option<f64>,
    }
    let hash = sha256_hex(key);
    let row: Option<Key> = db::first(
        db,
        "SELECT k.id, k.scopes, k.last_used_at, k.expires_at, u.role AS owner_role, u.disabled AS owner_disabled \
         FROM api_keys k LEFT JOIN users u ON u.id = k.created_by WHERE k.key_hash = ?1 AND k.revoked_at IS NULL",
        &[P::S(&hash)],
    )
    .await?;
    let key = row.ok_or_else(|| ApiError::unauthorized("unknown or revoked API key"))?;
    let now = now_ms() as i64;
    if key.expires_at.is_some_and(|t| t as i64 <= now) {
        return Err(ApiError::unauthorized("this API key has expired"));
    }
    if key.owner_role.as_deref() != Some("admin") || key.owner_disabled != Some(0.0) {
        return Err(ApiError::unauthorized(
            "this API key's owner is disabled or no longer an admin; ask an admin for a new key",
        ));
    }
    // Record use at most once a minute: a write per request would dominate an integrator's traffic.
    if key.last_used_at.is_none_or(|t| now - t as i64 > 60_000) {
        db::run(
            db,
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
