//! User rows and creation (shared by the admin routes and login).

use nuzantara_shared::auth::password::check_new_password;
use nuzantara_shared::auth::Role;
use nuzantara_shared::error::{ApiError, ApiResult};
use nuzantara_shared::ids::new_id;
use serde::{Deserialize, Serialize};
use worker::D1Database;

use super::crypto;
use crate::db::{self, P};
use crate::platform::{now_ms, random16};

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    #[serde(skip_serializing)]
    pub password_hash: String,
    pub language: String,
    pub client_id: Option<String>,
    pub disabled: f64,
    /// Bumped when the password, role or account state changes; access tokens carry it (see `auth::revocation`).
    #[serde(skip_serializing)]
    pub session_epoch: f64,
}

pub const USER_COLUMNS: &str = "id, email, name, role, password_hash, language, client_id, disabled, session_epoch";

impl UserRow {
    pub fn role(&self) -> Option<Role> {
        Role::parse(&self.role)
    }
    pub fn public(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id, "email": self.email, "name": self.name, "role": self.role,
            "language": self.language, "client_id": self.client_id, "disabled": self.disabled != 0.0,
        })
    }
}

pub async fn by_email(db: &D1Database, email: &str) -> ApiResult<Option<UserRow>> {
    db::first(
        db,
        &format!("SELECT {USER_COLUMNS} FROM users WHERE email = ?1"),
        &[P::S(email)],
    )
    .await
}

pub async fn by_id(db: &D1Database, id: &str) -> ApiResult<Option<UserRow>> {
    db::first(
        db,
        &format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1"),
        &[P::S(id)],
    )
    .await
}

/// A new account. Validates the e-mail, the role, the password (or PIN) and the client link.
pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub password: &'a str,
    pub client_id: Option<&'a str>,
    pub language: &'a str,
}

pub async fn create_user(db: &D1Database, u: NewUser<'_>) -> ApiResult<UserRow> {
    let email = u.email.trim().to_lowercase();
    if !nuzantara_shared::validate::email(&email) {
        return Err(ApiError::validation("email is not a valid address"));
    }
    let name = u.name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(ApiError::validation("name must be 1-120 characters"));
    }
    if u.role == Role::Service {
        return Err(ApiError::validation(
            "role must be admin, consultant or client (integrators use API keys)",
        ));
    }
    if !["en", "id", "it"].contains(&u.language) {
        return Err(ApiError::validation("language must be en, id or it"));
    }
    check_new_password(u.password, u.role)?;
    if u.role == Role::Client && u.client_id.is_none() {
        return Err(ApiError::validation(
            "a client account needs the client_id it belongs to",
        ));
    }
    if let Some(cid) = u.client_id {
        let exists: Option<serde_json::Value> =
            db::first(db, "SELECT id FROM clients WHERE id = ?1", &[P::S(cid)]).await?;
        if exists.is_none() {
            return Err(ApiError::validation("client_id does not name an existing client"));
        }
    }
    if by_email(db, &email).await?.is_some() {
        return Err(ApiError::conflict("a user with this email already exists"));
    }
    let hash = crypto::hash_password(u.password).await?;
    let id = new_id(random16());
    let now = now_ms() as i64;
    let mut writes = vec![db::stmt(
        db,
        "INSERT INTO users (id, email, name, role, password_hash, language, client_id, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
        &[
            P::S(&id),
            P::S(&email),
            P::S(name),
            P::S(u.role.as_str()),
            P::S(&hash),
            P::S(u.language),
            u.client_id.into(),
            P::I(now),
        ],
    )?];
    if u.role.is_team() {
        writes.push(db::stmt(
            db,
            "INSERT INTO team_members (user_id, created_at, updated_at) VALUES (?1, ?2, ?2)",
            &[P::S(&id), P::I(now)],
        )?);
    }
    db::batch(db, writes).await?;
    by_id(db, &id)
        .await?
        .ok_or_else(|| ApiError::internal("user vanished after insert"))
}
