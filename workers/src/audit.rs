//! The activity (audit) log: logins, role and key changes, exports and deletions.

use nuzantara_shared::auth::Principal;
use nuzantara_shared::error::ApiResult;
use nuzantara_shared::log;
use serde_json::{json, Value};
use worker::{console_error, D1Database};

use crate::context::Ctx;
use crate::db::{self, P};
use crate::platform::now_ms;

/// What each audit row says about the request: the caller's address and the request id.
#[derive(Clone, Copy)]
pub struct Origin<'a> {
    pub ip: &'a str,
    pub request_id: &'a str,
}

/// Writes one audit row. A failed audit write is logged loudly but does not fail the user's request.
pub async fn write(
    db: &D1Database,
    origin: Origin<'_>,
    who: Option<&Principal>,
    action: &str,
    target_type: &str,
    target_id: Option<&str>,
    detail: Value,
) {
    let result = db::run(
        db,
        "INSERT INTO activity_log (actor_id, actor_role, action, target_type, target_id, ip, request_id, detail, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        &[
            who.map(|p| p.id.as_str()).into(),
            who.map(|p| p.role.as_str()).into(),
            P::S(action),
            P::S(target_type),
            target_id.into(),
            P::S(origin.ip),
            P::S(origin.request_id),
            P::S(&detail.to_string()),
            P::I(now_ms() as i64),
        ],
    )
    .await;
    report(result, origin.request_id, action);
}

/// [`write`] for callers that still hold the whole request context (chat, search, tools, CRM).
pub async fn record(
    ctx: &Ctx,
    who: Option<&Principal>,
    action: &str,
    target_type: &str,
    target_id: Option<&str>,
    detail: Value,
) {
    match ctx.db() {
        Ok(db) => {
            let origin = Origin {
                ip: &ctx.ip,
                request_id: &ctx.request_id,
            };
            write(&db, origin, who, action, target_type, target_id, detail).await
        }
        Err(e) => report(Err(e), &ctx.request_id, action),
    }
}

fn report(result: ApiResult<u64>, request_id: &str, action: &str) {
    if let Err(e) = result {
        console_error!(
            "{}",
            log::line(
                "error",
                "audit write failed",
                request_id,
                json!({ "action": action, "detail": e.detail })
            )
        );
    }
}
