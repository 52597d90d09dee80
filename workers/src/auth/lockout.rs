//! Failed-attempt lockout (logins and password changes) over the `login_failures` table. The attempt is
//! counted before the password is checked, in one statement, so parallel guesses cannot slip past the limit
//! (rules and the statement: `nuzantara_shared::auth::lockout`).

use nuzantara_shared::auth::lockout::attempt_sql;
use nuzantara_shared::error::{ApiError, ApiResult, ErrorCode};
use serde::Deserialize;
use worker::D1Database;

use crate::db::{self, P};

/// Counts an attempt for `key` (a hash naming the account and the action) and lets it go ahead, or refuses
/// with 429 and `Retry-After` while the key is locked.
pub async fn attempt(db: &D1Database, key: &str, now_ms: u64, what: &str) -> ApiResult<()> {
    let counted: Option<serde_json::Value> = db::first(db, &attempt_sql(), &[P::S(key), P::I(now_ms as i64)]).await?;
    if counted.is_some() {
        return Ok(());
    }
    let until = locked_until(db, key).await?.unwrap_or(now_ms + 1_000);
    let secs = until.saturating_sub(now_ms).div_ceil(1000).max(1);
    Err(ApiError::new(
        ErrorCode::RateLimited,
        format!("too many failed {what}; try again later"),
    )
    .with_header("Retry-After", secs.to_string()))
}

/// A success: the count starts again.
pub async fn clear(db: &D1Database, key: &str) -> ApiResult<()> {
    db::run(db, "DELETE FROM login_failures WHERE email_hash = ?1", &[P::S(key)])
        .await
        .map(|_| ())
}

async fn locked_until(db: &D1Database, key: &str) -> ApiResult<Option<u64>> {
    #[derive(Deserialize)]
    struct Row {
        locked_until: Option<f64>,
    }
    let row: Option<Row> = db::first(
        db,
        "SELECT locked_until FROM login_failures WHERE email_hash = ?1",
        &[P::S(key)],
    )
    .await?;
    Ok(row.and_then(|r| r.locked_until).map(|t| t as u64))
}
