//! Session routes: login (team and client portals), refresh-token rotation with replay detection,
//! logout (access-token deny-list), the current user, and password change.

use nuzantara_shared::auth::jwt::{self, Claims, ACCESS_TTL_SECS};
use nuzantara_shared::auth::password::check_new_password;
use nuzantara_shared::auth::tokens::{new_refresh_token, sha256_hex, REFRESH_TTL_SECS};
use nuzantara_shared::auth::{Principal, Role};
use nuzantara_shared::error::{ApiError, ApiResult};
use nuzantara_shared::ids::new_id;
use serde::Deserialize;
use serde_json::{json, Value};
use worker::kv::KvStore;
use worker::{D1Database, Request};

use super::crypto::{self, random_bytes};
use super::lockout;
use super::users::{self, UserRow};
use crate::audit::Origin;
use crate::db::{self, P};
use crate::platform::{now_ms, random16};
use crate::ratelimit::{self, Limiter};
use crate::respond::{self, internal, HandlerResult};
use crate::{audit, body};

/// What the session routes use: the database, the token secret, the body limit, and for the audit log
/// where the request came from.
pub struct Session<'a> {
    pub db: D1Database,
    pub jwt_secret: &'a str,
    pub max_body: usize,
    pub origin: Origin<'a>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Portal {
    Team,
    Client,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginBody {
    email: String,
    password: String,
}

const BAD_LOGIN: &str = "invalid email or password";

/// `POST /api/auth/{team,client}/login`. Unknown e-mail, wrong password, wrong portal and disabled
/// account all give the same 401 after the same PBKDF2 work, so the answer does not reveal who exists.
pub async fn login(mut req: Request, s: &Session<'_>, limiter: &Limiter, portal: Portal) -> HandlerResult {
    let b: LoginBody = body::read_json(&mut req, s.max_body).await?;
    let email = b.email.trim().to_lowercase();
    if email.is_empty() || email.len() > 254 || b.password.is_empty() || b.password.len() > 256 {
        return Err(ApiError::validation(
            "email and password are required (at most 254 and 256 characters)",
        ));
    }
    ratelimit::check_login(limiter, s.origin.ip, &email).await?;
    let db = &s.db;
    let now = now_ms();
    let email_hash = sha256_hex(&email);
    if let Err(locked) = lockout::attempt(db, &email_hash, now, "logins").await {
        audit::write(
            db,
            s.origin,
            None,
            "login_locked",
            "user",
            None,
            json!({ "email_hash": email_hash }),
        )
        .await;
        return Err(locked);
    }

    let user = users::by_email(db, &email).await?;
    let stored = user.as_ref().map(|u| u.password_hash.clone()).unwrap_or_default();
    let password_ok = crypto::verify_password(&b.password, &stored).await?;
    let user = user.filter(|u| {
        let role_ok = match (portal, u.role()) {
            (Portal::Team, Some(r)) => r.is_team(),
            (Portal::Client, Some(r)) => r == Role::Client,
            _ => false,
        };
        password_ok && role_ok && u.disabled == 0.0
    });
    let Some(user) = user else {
        // The attempt was already counted by `lockout::attempt`.
        audit::write(
            db,
            s.origin,
            None,
            "login_failed",
            "user",
            None,
            json!({ "email_hash": email_hash }),
        )
        .await;
        return Err(ApiError::unauthorized(BAD_LOGIN));
    };
    lockout::clear(db, &email_hash).await?;
    let tokens = issue(s.jwt_secret, db, &user, &new_id(random16())).await?;
    let who = principal_of(&user);
    audit::write(
        db,
        s.origin,
        Some(&who),
        "login_ok",
        "user",
        Some(&user.id),
        json!({ "portal": portal_name(portal) }),
    )
    .await;
    respond::json(200, &tokens)
}

fn portal_name(p: Portal) -> &'static str {
    match p {
        Portal::Team => "team",
        Portal::Client => "client",
    }
}

fn principal_of(u: &UserRow) -> Principal {
    Principal {
        id: u.id.clone(),
        role: u.role().unwrap_or(Role::Client),
        client_id: u.client_id.clone(),
        scopes: Vec::new(),
        jti: None,
        token_exp: None,
    }
}

/// A new access token and a refresh token in `family`.
async fn issue(jwt_secret: &str, db: &D1Database, user: &UserRow, family: &str) -> ApiResult<Value> {
    let now = now_ms();
    let role = user
        .role()
        .ok_or_else(|| ApiError::internal("user with unknown role"))?;
    let claims = Claims::new(&user.id, role, user.client_id.clone(), now / 1000, new_id(random16()))
        .with_epoch(user.session_epoch as u32);
    let access = jwt::sign(&claims, jwt_secret.as_bytes())?;
    let refresh = new_refresh_token(random_bytes::<32>());
    db::run(
        db,
        "INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        &[
            P::S(&new_id(random16())),
            P::S(&user.id),
            P::S(family),
            P::S(&sha256_hex(&refresh)),
            P::I((now + REFRESH_TTL_SECS * 1000) as i64),
            P::I(now as i64),
        ],
    )
    .await?;
    Ok(json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": ACCESS_TTL_SECS,
        "refresh_token": refresh,
        "user": user.public(),
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RefreshBody {
    refresh_token: String,
}

/// `POST /api/auth/refresh`: one-time use. Presenting a spent token revokes its whole family: either
/// the owner or a thief used it first, and the server cannot tell which.
pub async fn refresh(mut req: Request, s: &Session<'_>, limiter: &Limiter) -> HandlerResult {
    let b: RefreshBody = body::read_json(&mut req, s.max_body).await?;
    ratelimit::check_anonymous(limiter, s.origin.ip).await?;
    #[derive(Deserialize)]
    struct Row {
        id: String,
        user_id: String,
        family_id: String,
        expires_at: f64,
        used_at: Option<f64>,
        revoked_at: Option<f64>,
    }
    let db = &s.db;
    let row: Option<Row> = db::first(
        db,
        "SELECT id, user_id, family_id, expires_at, used_at, revoked_at FROM refresh_tokens WHERE token_hash = ?1",
        &[P::S(&sha256_hex(b.refresh_token.trim()))],
    )
    .await?;
    let row = row.ok_or_else(|| ApiError::unauthorized("invalid refresh token"))?;
    let now = now_ms() as i64;
    if row.used_at.is_some() || row.revoked_at.is_some() {
        revoke_family(db, &row.family_id, now).await?;
        audit::write(
            db,
            s.origin,
            None,
            "refresh_reuse",
            "user",
            Some(&row.user_id),
            json!({ "family": row.family_id }),
        )
        .await;
        return Err(ApiError::unauthorized(
            "refresh token already used; the session was revoked, sign in again",
        ));
    }
    if (row.expires_at as i64) <= now {
        return Err(ApiError::unauthorized("refresh token expired; sign in again"));
    }
    // Only one of two concurrent refreshes may win.
    let won = db::run(
        db,
        "UPDATE refresh_tokens SET used_at = ?1 WHERE id = ?2 AND used_at IS NULL AND revoked_at IS NULL",
        &[P::I(now), P::S(&row.id)],
    )
    .await?;
    if won != 1 {
        revoke_family(db, &row.family_id, now).await?;
        return Err(ApiError::unauthorized(
            "refresh token already used; the session was revoked, sign in again",
        ));
    }
    let user = users::by_id(db, &row.user_id).await?.filter(|u| u.disabled == 0.0);
    let user = user.ok_or_else(|| ApiError::unauthorized("account disabled"))?;
    respond::json(200, &issue(s.jwt_secret, db, &user, &row.family_id).await?)
}

async fn revoke_family(db: &D1Database, family: &str, now: i64) -> ApiResult<()> {
    db::run(
        db,
        "UPDATE refresh_tokens SET revoked_at = ?1 WHERE family_id = ?2 AND revoked_at IS NULL",
        &[P::I(now), P::S(family)],
    )
    .await
    .map(|_| ())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct LogoutBody {
    refresh_token: Option<String>,
}

/// `POST /api/auth/logout`: the access token goes on the deny-list until it expires; the refresh
/// token's family, if given, is revoked.
pub async fn logout(mut req: Request, s: &Session<'_>, kv: &KvStore, who: &Principal) -> HandlerResult {
    let db = &s.db;
    let has_body = req
        .headers()
        .get("Content-Length")
        .ok()
        .flatten()
        .is_some_and(|l| l != "0");
    let b: LogoutBody = if has_body {
        body::read_json(&mut req, s.max_body).await?
    } else {
        LogoutBody::default()
    };
    if let (Some(jti), Some(exp)) = (&who.jti, who.token_exp) {
        // KV needs an expiry at least 60 s ahead.
        let expiration = exp.max(now_ms() / 1000 + 61);
        kv.put(&super::deny_key(jti), "1")
            .map_err(internal)?
            .expiration(expiration)
            .execute()
            .await
            .map_err(internal)?;
    }
    if let Some(rt) = b.refresh_token {
        #[derive(Deserialize)]
        struct Row {
            family_id: String,
        }
        let row: Option<Row> = db::first(
            db,
            "SELECT family_id FROM refresh_tokens WHERE token_hash = ?1 AND user_id = ?2",
            &[P::S(&sha256_hex(rt.trim())), P::S(&who.id)],
        )
        .await?;
        if let Some(r) = row {
            revoke_family(db, &r.family_id, now_ms() as i64).await?;
        }
    }
    audit::write(db, s.origin, Some(who), "logout", "user", Some(&who.id), json!({})).await;
    respond::json(200, &json!({ "ok": true }))
}

/// `GET /api/auth/me`
pub async fn me(db: &D1Database, who: &Principal) -> HandlerResult {
    if who.role == Role::Service {
        return respond::json(200, &json!({ "id": who.id, "role": "service", "scopes": who.scopes }));
    }
    let user = users::by_id(db, &who.id)
        .await?
        .ok_or_else(|| ApiError::unauthorized("account no longer exists"))?;
    respond::json(200, &user.public())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordBody {
    current_password: String,
    new_password: String,
}

/// `POST /api/auth/password`: needs the current password (wrong tries lock like logins); ends every session
/// of the user, this one included, and answers with fresh tokens for this one.
pub async fn change_password(mut req: Request, s: &Session<'_>, who: &Principal) -> HandlerResult {
    let b: PasswordBody = body::read_json(&mut req, s.max_body).await?;
    let db = &s.db;
    let user = users::by_id(db, &who.id)
        .await?
        .ok_or_else(|| ApiError::unauthorized("account no longer exists"))?;
    let role = user
        .role()
        .ok_or_else(|| ApiError::internal("user with unknown role"))?;
    check_new_password(&b.new_password, role)?;
    let attempts = sha256_hex(&format!("password-change:{}", who.id));
    lockout::attempt(db, &attempts, now_ms(), "password attempts").await?;
    if b.current_password.len() > 256 || !crypto::verify_password(&b.current_password, &user.password_hash).await? {
        audit::write(
            db,
            s.origin,
            Some(who),
            "password_change_failed",
            "user",
            Some(&who.id),
            json!({}),
        )
        .await;
        return Err(ApiError::forbidden("current password is wrong"));
    }
    lockout::clear(db, &attempts).await?;
    let hash = crypto::hash_password(&b.new_password).await?;
    let now = now_ms() as i64;
    db::batch(
        db,
        vec![
            db::stmt(
                db,
                "UPDATE users SET password_hash = ?1, updated_at = ?2 WHERE id = ?3",
                &[P::S(&hash), P::I(now), P::S(&who.id)],
            )?,
            db::stmt(
                db,
                "UPDATE refresh_tokens SET revoked_at = ?1 WHERE user_id = ?2 AND revoked_at IS NULL",
                &[P::I(now), P::S(&who.id)],
            )?,
        ],
    )
    .await?;
    super::end_sessions(db, &who.id).await?;
    audit::write(
        db,
        s.origin,
        Some(who),
        "password_changed",
        "user",
        Some(&who.id),
        json!({}),
    )
    .await;
    let user = users::by_id(db, &who.id)
        .await?
        .ok_or_else(|| ApiError::unauthorized("account no longer exists"))?;
    let mut tokens = issue(s.jwt_secret, db, &user, &new_id(random16())).await?;
    tokens["ok"] = json!(true);
    respond::json(200, &tokens)
}
