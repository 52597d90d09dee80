//! Memory tools: facts a signed-in user asked the assistant to remember.

use nuzantara_shared::error::ApiResult;
use serde_json::{json, Value};

use crate::context::Ctx;
use crate::memory;

pub async fn retrieve(ctx: &Ctx, args: &Value) -> ApiResult<(String, Value)> {
    let who = ctx.principal()?;
    let facts = memory::facts(
        &ctx.db()?,
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

pub async fn save(ctx: &Ctx, args: &Value) -> ApiResult<(String, Value)> {
    let who = ctx.principal()?;
    let fact = args["fact"].as_str().unwrap_or_default();
    let saved = memory::save_fact(&ctx.db()?, &who.id, fact, "chat").await?;
    Ok((format!("Remembered: {fact}"), saved))
}
