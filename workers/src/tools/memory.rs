//! Memory tools: facts a signed-in user asked the assistant to remember.

use nuzantara_shared::error::ApiResult;
use serde_json::{json, Value};

use nuzantara_shared::auth::Principal;
use nuzantara_shared::error::ApiError;

use worker::D1Database;

use crate::memory;

/// The signed-in caller (the memory routes are guarded; this is the tools' own check).
fn signed_in(p: Option<&Principal>) -> ApiResult<&Principal> {
    p.ok_or_else(|| ApiError::unauthorized("sign in first"))
}

pub async fn retrieve(db: &D1Database, principal: Option<&Principal>, args: &Value) -> ApiResult<(String, Value)> {
    let who = signed_in(principal)?;
    let facts = memory::facts(
        db,
        &who.id,
        args["query"].as_str(),
        args["limit"].as_i64().unwrap_or(20),
    )
    .await?;
    let summary = facts
        .iter()
        .filter_map(|f| f["content"].as_str())
        .map(|c| format!("- {c}"))
        .collect::<Vec<_>>()
        .join("\n");
    Ok((
        if summary.is_empty() {
            "No remembered facts.".into()
        } else {
            summary
        },
        json!({ "facts": facts }),
    ))
}

pub async fn save(db: &D1Database, principal: Option<&Principal>, args: &Value) -> ApiResult<(String, Value)> {
    let who = signed_in(principal)?;
    let fact = args["fact"].as_str().unwrap_or_default();
    let saved = memory::save_fact(db, &who.id, fact, "chat").await?;
    Ok((format!("Remembered: {fact}"), saved))
}
