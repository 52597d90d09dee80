//! Administration: users (create, list, change role or disable), API keys (create, list, revoke),
//! and the audit log. Admin only (enforced by the route table).

use nuzantara_shared::auth::roles::SCOPES;
use nuzantara_shared::auth::tokens::{new_api_key, sha256_hex};
use nuzantara_shared::auth::{Principal, Role};
use nuzantara_shared::error::ApiError;
use nuzantara_shared::ids::{new_id, EntityId};
use serde::Deserialize;
use serde_json::{json, Value};
use worker::{D1Database, Request};

use crate::audit::Origin;
use crate::auth::crypto::random_bytes;
use crate::auth::users::{create_user, NewUser};
use crate::db::{self, P};
use crate::platform::{now_ms, random16};
use crate::respond::{self, HandlerResult};
use crate::{audit, auth, body};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUserBody {
    email: String,
    name: String,
    role: Role,
    password: Option<String>,
    client_id: Option<String>,
    language: Option<String>,
}

/// `POST /api/admin/users`. Without a password one is generated and returned once.
pub async fn create(
    mut req: Request,
    max_body: usize,
    db: &D1Database,
    who: &Principal,
    origin: Origin<'_>,
) -> HandlerResult {
    let b: NewUserBody = body::read_json(&mut req, max_body).await?;
    let generated = b.password.is_none().then(generate_password);
    let password = b.password.as_deref().or(generated.as_deref()).unwrap_or_default();
    let new = NewUser {
        email: &b.email,
        name: &b.name,
        role: b.role,
        password,
        client_id: b.client_id.as_deref(),
        language: b.language.as_deref().unwrap_or("en"),
    };
    let user = create_user(db, new).await?;
    audit::write(
        db,
        origin,
        Some(who),
        "user_created",
        "user",
        Some(&user.id),
        json!({ "role": user.role }),
    )
    .await;
    let mut out = user.public();
    if let Some(p) = generated {
        out["generated_password"] = json!(p);
    }
    respond::json(201, &out)
}

fn generate_password() -> String {
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
    URL_SAFE_NO_PAD.encode(random_bytes::<12>())
}

/// `GET /api/admin/users`
pub async fn list(db: &D1Database) -> HandlerResult {
    let rows: Vec<Value> = db::all(
        db,
        "SELECT id, email, name, role, language, client_id, disabled, created_at, updated_at FROM users ORDER BY created_at",
        &[],
    )
    .await?;
    let rows: Vec<Value> = rows.into_iter().map(disabled_as_bool).collect();
    respond::json(200, &json!({ "users": rows }))
}

/// D1 returns the `disabled` column as 0/1; the API (and its OpenAPI schema) says true/false, as login does.
fn disabled_as_bool(mut row: Value) -> Value {
    row["disabled"] = json!(row["disabled"].as_f64().is_some_and(|d| d != 0.0) || row["disabled"] == json!(true));
    row
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateUserBody {
    role: Option<Role>,
    disabled: Option<bool>,
    name: Option<String>,
}

/// `PATCH /api/admin/users/{id}`: role changes and disabling are audited; an admin cannot demote or
/// disable themself (so the last admin cannot lock everyone out by accident).
pub async fn update(
    id: &str,
    mut req: Request,
    max_body: usize,
    db: &D1Database,
    who: &Principal,
    origin: Origin<'_>,
) -> HandlerResult {
    let id = EntityId::parse(id)?;
    let b: UpdateUserBody = body::read_json(&mut req, max_body).await?;
    if b.role == Some(Role::Service) {
        return Err(ApiError::validation("role must be admin, consultant or client"));
    }
    if id.as_str() == who.id && (b.role.is_some_and(|r| r != Role::Admin) || b.disabled == Some(true)) {
        return Err(ApiError::conflict("you cannot demote or disable your own account"));
    }
    if let Some(n) = &b.name {
        if n.trim().is_empty() || n.chars().count() > 120 {
            return Err(ApiError::validation("name must be 1-120 characters"));
        }
    }
    let before: Option<Value> = db::first(
        db,
        "SELECT role, disabled, client_id FROM users WHERE id = ?1",
        &[P::S(id.as_str())],
    )
    .await?;
    let before = before.ok_or_else(|| ApiError::not_found("no such user"))?;
    if b.role.is_some_and(|r| r == Role::Client) && before["client_id"].is_null() {
        return Err(ApiError::validation(
            "a client account needs a client_id; create a client user instead",
        ));
    }
    let now = now_ms() as i64;
    let role = b.role.map(|r| r.as_str());
    let disabled = b.disabled.map(|d| d as i64);
    db::run(
        db,
        "UPDATE users SET role = COALESCE(?1, role), disabled = COALESCE(?2, disabled), name = COALESCE(?3, name), \
         updated_at = ?4 WHERE id = ?5",
        &[
            role.into(),
            disabled.map(P::I).unwrap_or(P::Null),
            b.name.as_deref().map(str::trim).into(),
            P::I(now),
            P::S(id.as_str()),
        ],
    )
    .await?;
    let role_changed = b.role.is_some_and(|r| Some(r.as_str()) != before["role"].as_str());
    let disabled_changed = b
        .disabled
        .is_some_and(|d| Some(d as i64 as f64) != before["disabled"].as_f64());
    if role_changed || disabled_changed {
        // Live access tokens stop within seconds (the session epoch); a role change keeps the refresh
        // tokens, so the PWA gets a token with the new role on its next refresh.
        auth::end_sessions(db, id.as_str()).await?;
    }
    if b.role.is_some() || b.disabled.is_some() {
        if b.disabled == Some(true) {
            db::run(
                db,
                "UPDATE refresh_tokens SET revoked_at = ?1 WHERE user_id = ?2 AND revoked_at IS NULL",
                &[P::I(now), P::S(id.as_str())],
            )
            .await?;
        }
        let detail = json!({ "from": { "role": before["role"], "disabled": before["disabled"] }, "to": { "role": role, "disabled": b.disabled } });
        audit::write(db, origin, Some(who), "user_updated", "user", Some(id.as_str()), detail).await;
    }
    let after: Option<Value> = db::first(
        db,
        "SELECT id, email, name, role, language, client_id, disabled FROM users WHERE id = ?1",
        &[P::S(id.as_str())],
    )
    .await?;
    let after = after.ok_or_else(|| ApiError::not_found("no such user"))?;
    respond::json(200, &disabled_as_bool(after))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewKeyBody {
    name: String,
    scopes: Vec<String>,
    /// Optional lifetime; without it the key lasts until revoked (or its maker loses admin rights).
    expires_in_days: Option<u32>,
}

/// The longest lifetime a key may be given (a year): integrations are expected to rotate.
const MAX_KEY_DAYS: u32 = 366;

/// `POST /api/admin/api-keys`: the key is in this response only; the server keeps its hash.
pub async fn create_key(
    mut req: Request,
    max_body: usize,
    db: &D1Database,
    who: &Principal,
    origin: Origin<'_>,
) -> HandlerResult {
    let b: NewKeyBody = body::read_json(&mut req, max_body).await?;
    let name = b.name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(ApiError::validation("name must be 1-80 characters"));
    }
    if b.scopes.is_empty() || b.scopes.len() > SCOPES.len() {
        return Err(ApiError::validation(format!(
            "scopes must be a non-empty list from: {}",
            SCOPES.join(", ")
        )));
    }
    if let Some(bad) = b.scopes.iter().find(|s| !SCOPES.contains(&s.as_str())) {
        let bad: String = bad.chars().take(40).collect();
        return Err(ApiError::validation(format!(
            "unknown scope {bad:?}; allowed: {}",
            SCOPES.join(", ")
        )));
    }
    if b.expires_in_days.is_some_and(|d| d == 0 || d > MAX_KEY_DAYS) {
        return Err(ApiError::validation(format!(
            "expires_in_days must be 1-{MAX_KEY_DAYS}"
        )));
    }
    let now = now_ms() as i64;
    let expires_at = b.expires_in_days.map(|d| now + i64::from(d) * 86_400_000);
    let (key, prefix) = new_api_key(random_bytes::<32>());
    let id = new_id(random16());
    let scopes = serde_json::to_string(&b.scopes).unwrap_or_else(|_| "[]".into());
    db::run(
        db,
        "INSERT INTO api_keys (id, name, prefix, key_hash, scopes, created_by, created_at, expires_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        &[
            P::S(&id),
            P::S(name),
            P::S(&prefix),
            P::S(&sha256_hex(&key)),
            P::S(&scopes),
            P::S(&who.id),
            P::I(now),
            expires_at.map(P::I).unwrap_or(P::Null),
        ],
    )
    .await?;
    audit::write(
        db,
        origin,
        Some(who),
        "api_key_created",
        "api_key",
        Some(&id),
        json!({ "name": name, "scopes": b.scopes, "expires_at": expires_at }),
    )
    .await;
    respond::json(
        201,
        &json!({ "id": id, "name": name, "prefix": prefix, "scopes": b.scopes, "expires_at": expires_at, "key": key }),
    )
}

/// `GET /api/admin/api-keys`: metadata only, never the key or its hash.
pub async fn list_keys(db: &D1Database) -> HandlerResult {
    let rows: Vec<Value> = db::all(
        db,
        "SELECT id, name, prefix, scopes, created_by, created_at, last_used_at, expires_at, revoked_at FROM api_keys ORDER BY created_at DESC",
        &[],
    )
    .await?;
    let rows: Vec<Value> = rows
        .into_iter()
        .map(|mut r| {
            r["scopes"] = serde_json::from_str(r["scopes"].as_str().unwrap_or("[]")).unwrap_or(json!([]));
            r
        })
        .collect();
    respond::json(200, &json!({ "api_keys": rows }))
}

/// `DELETE /api/admin/api-keys/{id}`
pub async fn revoke_key(id: &str, db: &D1Database, who: &Principal, origin: Origin<'_>) -> HandlerResult {
    let id = EntityId::parse(id)?;
    let changed = db::run(
        db,
        "UPDATE api_keys SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
        &[P::I(now_ms() as i64), P::S(id.as_str())],
    )
    .await?;
    if changed == 0 {
        return Err(ApiError::not_found("no active API key with this id"));
    }
    audit::write(
        db,
        origin,
        Some(who),
        "api_key_revoked",
        "api_key",
        Some(id.as_str()),
        json!({}),
    )
    .await;
    respond::json(200, &json!({ "id": id.as_str(), "revoked": true }))
}

#[derive(Deserialize)]
struct AuditQuery {
    limit: Option<String>,
    before: Option<String>,
    action: Option<String>,
}

/// `GET /api/admin/audit?limit=&before=&action=`: newest first, cursor = the last row's id.
pub async fn audit_log(req: &Request, db: &D1Database) -> HandlerResult {
    let q: AuditQuery = req.query().map_err(|_| ApiError::validation("bad query string"))?;
    let limit = match q.limit.as_deref() {
        None => 50,
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=200).contains(n))
            .ok_or_else(|| ApiError::validation("limit must be 1-200"))?,
    };
    let before = match q.before.as_deref() {
        None => i64::MAX,
        Some(s) => s
            .parse::<i64>()
            .map_err(|_| ApiError::validation("before must be an entry id"))?,
    };
    if q.action.as_ref().is_some_and(|a| a.chars().count() > 64) {
        return Err(ApiError::validation("action must be at most 64 characters"));
    }
    let rows: Vec<Value> = db::all(
        db,
        "SELECT id, actor_id, actor_role, action, target_type, target_id, ip, request_id, detail, created_at \
         FROM activity_log WHERE id < ?1 AND (?2 IS NULL OR action = ?2) ORDER BY id DESC LIMIT ?3",
        &[P::I(before), q.action.as_deref().into(), P::I(limit)],
    )
    .await?;
    let next = if rows.len() as i64 == limit {
        rows.last().and_then(|r| r["id"].as_f64()).map(|v| v as i64)
    } else {
        None
    };
    let rows: Vec<Value> = rows
        .into_iter()
        .map(|mut r| {
            r["detail"] = serde_json::from_str(r["detail"].as_str().unwrap_or("null")).unwrap_or(Value::Null);
            r
        })
        .collect();
    respond::json(200, &json!({ "entries": rows, "next_before": next }))
}
