//! The tool executor: every call is checked against the tool's JSON Schema and the caller's role
//! before it runs, counted in the metrics, and logged when it fails. Used by the chat's tool loop and by `POST /api/tools/{name}`.

mod email;
mod google;
mod kb;
mod memory;
mod prices;

pub use email::confirm as confirm_email;

use nuzantara_shared::chat::turn::{self, ToolRunner};
use nuzantara_shared::error::{ApiError, ApiResult};
use nuzantara_shared::llm::ToolSpec;
use nuzantara_shared::log::{self, RequestLog};
use nuzantara_shared::tools::{offered, schema, tool};
use serde::Serialize;
use serde_json::{json, Value};
use worker::{console_log, Request};

use nuzantara_shared::auth::Principal;
use nuzantara_shared::config::Config;
use std::rc::Rc;

use crate::context::{self, Ctx};
use crate::platform::clock_ms;
use crate::respond::{self, HandlerResult};
use crate::{body, crm, rag};

/// What the tools need: search (and through it D1, KV and the documents' bucket), the config, the caller
/// and the request id (for the log).
pub struct Deps {
    pub rag: rag::Deps,
    pub config: Rc<Config>,
    pub principal: Option<Principal>,
    pub request_id: String,
}

impl Deps {
    /// Taken once at the router boundary (and by the chat, whose tool loop runs these).
    pub fn of(ctx: &Ctx) -> ApiResult<Self> {
        Ok(Self {
            rag: rag::Deps::of(ctx)?,
            config: ctx.config.clone(),
            principal: ctx.principal.clone(),
            request_id: ctx.request_id.clone(),
        })
    }

    /// The D1 database.
    pub fn db(&self) -> &worker::D1Database {
        self.rag.kb.db()
    }
}

/// A tool's answer: `summary` is a line a person can read (and the offline provider quotes).
#[derive(Debug, Clone, Serialize)]
pub struct ToolOutput {
    pub name: String,
    pub summary: String,
    pub value: Value,
}

/// The chat engine's tool port: the tools this caller may use.
impl ToolRunner for Deps {
    fn specs(&self) -> Vec<ToolSpec> {
        offered(self.principal.as_ref(), &self.config)
            .iter()
            .map(|t| t.spec())
            .collect()
    }
    async fn run(&self, name: &str, args: &Value) -> ApiResult<turn::ToolOutput> {
        let out = execute(self, name, args).await?;
        Ok(turn::ToolOutput {
            summary: out.summary,
            value: out.value,
        })
    }
}

pub async fn execute(d: &Deps, name: &str, args: &Value) -> ApiResult<ToolOutput> {
    let def = tool(name)
        .ok_or_else(|| ApiError::not_found(format!("no tool named {:?}", name.chars().take(40).collect::<String>())))?;
    // A tool whose integration is not configured does not exist for the caller.
    if !def.available(&d.config) {
        return Err(ApiError::not_found(format!("no tool named {name:?}")));
    }
    if !def.allowed(d.principal.as_ref()) {
        return Err(ApiError::forbidden(def.refusal(d.principal.as_ref())));
    }
    schema::validate(&def.parameters, args)
        .map_err(|errs| ApiError::validation(format!("invalid arguments for {name}: {}", errs.join("; "))))?;
    let started = clock_ms();
    let result = match name {
        "search_kb" => kb::search(&d.rag, args).await,
        "kbli_lookup" => kb::kbli(&d.rag, args).await,
        "get_pricing" => prices::get_pricing(&d.rag.docs, args).await,
        "calculate_quote" => prices::quote(&d.rag.docs, &d.config, args).await,
        "retrieve_memory" => memory::retrieve(d.db(), d.principal.as_ref(), args).await,
        "save_memory" => memory::save(d.db(), d.principal.as_ref(), args).await,
        "client_lookup" | "practice_status" | "log_interaction" | "create_lead" => {
            crm::tools::run(d.db(), d.principal.as_ref(), name, args).await
        }
        "book_consultation" => google::book(d, args).await,
        "send_email" => google::prepare_email(d, args).await,
        _ => Err(ApiError::internal(format!("tool {name} has no executor"))),
    };
    // Counted always; logged when it failed or the deployment logs everything (the chat's answer row keeps
    // the tools it used).
    context::metrics(|m| m.incr("tool_calls", "Tool calls run (chat and POST /api/tools)."));
    if result.is_err() {
        context::metrics(|m| m.incr("tool_call_failures", "Tool calls that returned an error."));
    }
    if result.is_err() || d.config.request_log == RequestLog::All {
        console_log!(
            "{}",
            log::line(
                "info",
                "tool call",
                &d.request_id,
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
pub fn list(config: &Config, principal: Option<&Principal>) -> HandlerResult {
    respond::json(200, &json!({ "tools": offered(principal, config) }))
}

/// `POST /api/tools/{name}`: run one tool directly (the body is its arguments).
pub async fn run(name: &str, mut req: Request, d: &Deps) -> HandlerResult {
    let args: Value = body::read_json(&mut req, d.config.max_body_bytes).await?;
    let out = execute(d, name, &args).await?;
    respond::json(200, &out)
}
