//! The tool executor: every call is checked against the tool's JSON Schema and the caller's role
//! before it runs, counted in the metrics, and logged when it fails. Used by the chat's tool loop and by `POST /api/tools/{name}`.

mod email;
mod google;
mod kb;
mod memory;
mod prices;

pub use email::confirm as confirm_email;

use nuzantara_shared::error::{ApiError, ApiResult};
use nuzantara_shared::log::{self, RequestLog};
use nuzantara_shared::tools::{schema, tool, TOOLS};
use serde::Serialize;
use serde_json::{json, Value};
use worker::{console_log, Request};

use crate::context::{self, Ctx};
use crate::platform::clock_ms;
use crate::respond::{self, HandlerResult};
use crate::{body, crm};

/// A tool's answer: `summary` is a line a person can read (and the offline provider quotes).
#[derive(Debug, Clone, Serialize)]
pub struct ToolOutput {
    pub name: String,
    pub summary: String,
    pub value: Value,
}

pub async fn execute(ctx: &Ctx, name: &str, args: &Value) -> ApiResult<ToolOutput> {
    let def = tool(name)
        .ok_or_else(|| ApiError::not_found(format!("no tool named {:?}", name.chars().take(40).collect::<String>())))?;
    // A tool whose integration is not configured does not exist for the caller.
    if !def.available(&ctx.config) {
        return Err(ApiError::not_found(format!("no tool named {name:?}")));
    }
    if !def.allowed(ctx.principal.as_ref()) {
        let why = match (def.permission, &ctx.principal) {
            (Some(perm), Some(p)) if p.role == nuzantara_shared::auth::Role::Service => {
                format!("this API key lacks the '{perm}' scope the {name} tool needs")
            }
            _ => format!("the {name} tool is not available to you"),
        };
        return Err(ApiError::forbidden(why));
    }
    schema::validate(&def.parameters, args)
        .map_err(|errs| ApiError::validation(format!("invalid arguments for {name}: {}", errs.join("; "))))?;
    let started = clock_ms();
    let result = match name {
        "search_kb" => kb::search(ctx, args).await,
        "kbli_lookup" => kb::kbli(ctx, args).await,
        "get_pricing" => prices::get_pricing(ctx, args).await,
        "calculate_quote" => prices::quote(ctx, args).await,
        "retrieve_memory" => memory::retrieve(ctx, args).await,
        "save_memory" => memory::save(ctx, args).await,
        "client_lookup" | "practice_status" | "log_interaction" | "create_lead" => {
            crm::tools::run(ctx, name, args).await
        }
        "book_consultation" => google::book(ctx, args).await,
        "send_email" => google::prepare_email(ctx, args).await,
        _ => Err(ApiError::internal(format!("tool {name} has no executor"))),
    };
    // Counted always; logged when it failed or the deployment logs everything (the chat's answer row keeps
    // the tools it used).
    context::metrics(|m| m.incr("tool_calls", "Tool calls run (chat and POST /api/tools)."));
    if result.is_err() {
        context::metrics(|m| m.incr("tool_call_failures", "Tool calls that returned an error."));
    }
    if result.is_err() || ctx.config.request_log == RequestLog::All {
        console_log!(
            "{}",
            log::line(
                "info",
                "tool call",
                &ctx.request_id,
                json!({ "tool": name, "ok": result.is_ok(), "ms": clock_ms() - started })
            )
        );
    }
    result.map(|(summary, value)| ToolOutput {
        name: name.to_string(),
        summary,
        value,
    })
}

/// `GET /api/tools`: the tools this caller may use.
pub fn list(ctx: &Ctx) -> HandlerResult {
    let tools: Vec<&nuzantara_shared::tools::ToolDef> = TOOLS
        .iter()
        .filter(|t| t.allowed(ctx.principal.as_ref()) && t.available(&ctx.config))
        .collect();
    respond::json(200, &json!({ "tools": tools }))
}

/// `POST /api/tools/{name}`: run one tool directly (the body is its arguments).
pub async fn run(name: &str, mut req: Request, ctx: &Ctx) -> HandlerResult {
    let args: Value = body::json(&mut req, ctx).await?;
    let out = execute(ctx, name, &args).await?;
    respond::json(200, &out)
}
