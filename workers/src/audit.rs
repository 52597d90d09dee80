//! The activity (audit) log: logins, role and key changes, exports and deletions.

use nuzantara_shared::auth::Principal;
use nuzantara_shared::log;
use serde_json::{json, Value};
use worker::console_error;

use crate::context::Ctx;
use crate::db::{self, P};
use crate::platform::now_ms;

/// Writes one audit row. A failed audit write is logged loudly but does not fail the user's request.
pub async fn record(
    ctx: &Ctx,
    who: Option<&Principal>,
    action: &str,
    target_type: &str,
    target_id: Option<&str>,
    detail: Value,
) {
    let result = async {
        let db = db::db(ctx)?;
        db::run(
            &db,
            "INSERT INTO activity_log (actor_id, actor_role, action, target_type, target_id, ip, request_id, detail, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            &[
                who.map(|p| p.id.as_str()).into(),
                who.map(|p| p.role.as_str()).into(),
                P::S(action),
                P::S(target_type),
                target_id.into(),
                P::S(&ctx.ip),
                P::S(&ctx.request_id),
                P::S(&detail.to_string()),
                P::I(now_ms() as i64),
            ],
        )
        .await
    }
    .await;
    if let Err(e) = result {
        console_error!(
            "{}",
            log::line(
                "error",
                "audit write failed",
                &ctx.request_id,
                json!({ "action": action, "detail": e.detail })
            )
        );
    }
}
