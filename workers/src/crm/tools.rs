//! The CRM tools of the chat, as plain functions over the same domain code as the HTTP routes.
//!
//! - [`client_lookup`]`(ctx, query)`: up to 5 clients matching a name, e-mail, phone or company, each
//!   with their open practices.
//! - [`practice_status`]`(ctx, practice_id, client_id)`: one practice, or every practice of a client,
//!   with status, dates, fees and allowed next statuses.
//! - [`log_interaction`]`(ctx, client_id, kind, summary, practice_id)`: adds to a client's timeline.
//! - [`create_lead`]`(ctx, fields)`: a new client with status `lead` (an existing e-mail is a 409).
//!
//! [`run`] dispatches a tool call by name (arguments as JSON, validated by
//! `nuzantara_shared::crm::tools::CrmTool`). Each returns `(summary, value)`: a line a person can read and
//! the data. Rights are the caller's (`ctx.principal`): the team and API keys see everything, a client
//! user only their own practices and in the client view (the tool registry keeps these tools for the team
//! today; the client branch is there so that opening one to clients cannot leak), anyone else nothing.

use nuzantara_shared::crm::clients::{ClientFields, ClientFilter};
use nuzantara_shared::crm::interactions::{InteractionKind, NewInteraction};
use nuzantara_shared::crm::list::{needle, phone_digits, Paging};
use nuzantara_shared::crm::tools::CrmTool;
use nuzantara_shared::error::{ApiError, ApiResult};
use serde_json::{json, Value};

use super::practice_row::{self, PracticeRow};
use super::practice_views::{PracticeView, ViewedPractice};
use super::{author, clients, interactions, now, Viewer};
use crate::context::Ctx;
use crate::db;

fn team_only(ctx: &Ctx) -> ApiResult<()> {
    if Viewer::of(ctx).is_team() {
        Ok(())
    } else {
        Err(ApiError::forbidden("CRM tools are for the team"))
    }
}

/// Runs a CRM tool call; `Err` 404 when `name` is not a CRM tool.
pub async fn run(ctx: &Ctx, name: &str, args: &Value) -> ApiResult<(String, Value)> {
    let call =
        CrmTool::parse(name, args).ok_or_else(|| ApiError::not_found(format!("no CRM tool named {name:?}")))??;
    match call {
        CrmTool::ClientLookup { query } => client_lookup(ctx, &query).await,
        CrmTool::PracticeStatus { practice_id, client_id } => {
            practice_status(ctx, practice_id.as_deref(), client_id.as_deref()).await
        }
        CrmTool::LogInteraction {
            client_id,
            kind,
            summary,
            practice_id,
        } => log_interaction(ctx, &client_id, kind, &summary, practice_id.as_deref()).await,
        CrmTool::CreateLead(fields) => create_lead(ctx, fields).await,
    }
}

/// Clients matching `query` (name, e-mail, company, phone digits), at most 5, with their open practices.
pub async fn client_lookup(ctx: &Ctx, query: &str) -> ApiResult<(String, Value)> {
    team_only(ctx)?;
    let filter = ClientFilter {
        needle: Some(needle(query)),
        digits: phone_digits(query),
        status: None,
        consultant_id: None,
        page: Paging { cursor: None, limit: 5 },
    };
    let db = db::db(ctx)?;
    let (found, more) = clients::search(&db, &filter).await?;
    let mut out = Vec::new();
    let mut lines = Vec::new();
    for c in found {
        let open: Vec<PracticeView> = practice_row::of_client(&db, &c.id)
            .await?
            .into_iter()
            .filter(|r| r.status().is_open() || r.status().holds_permit() && r.expiry_date.is_some())
            .map(PracticeView::new)
            .collect();
        let contact = c.email.clone().or(c.phone.clone()).unwrap_or_default();
        lines.push(format!(
            "{} ({}; {}; {} practice(s))",
            c.full_name,
            c.status,
            contact,
            open.len()
        ));
        out.push(json!({ "client": c, "practices": open }));
    }
    let summary = if out.is_empty() {
        format!("No client matches {query:?}.")
    } else {
        format!(
            "{} client(s) match {query:?}{}: {}",
            out.len(),
            if more.is_some() { " (more exist)" } else { "" },
            lines.join("; ")
        )
    };
    Ok((summary, json!({ "clients": out })))
}

/// One practice (`practice_id`) or all of a client's (`client_id`), each in the caller's view (a client
/// user gets the client view: no team notes, no staff user ids), with a summary line per practice.
pub async fn practice_status(
    ctx: &Ctx,
    practice_id: Option<&str>,
    client_id: Option<&str>,
) -> ApiResult<(String, Value)> {
    let viewer = Viewer::of(ctx);
    if viewer == Viewer::Anonymous {
        return Err(ApiError::forbidden("sign in to see practices"));
    }
    let db = db::db(ctx)?;
    let rows: Vec<PracticeRow> = match (practice_id, client_id) {
        (Some(p), _) => vec![practice_row::load_visible(&db, p, &viewer).await?],
        (None, Some(c)) => {
            clients::load_visible(&db, c, &viewer).await?;
            practice_row::of_client(&db, c).await?
        }
        (None, None) => return Err(ApiError::validation("give practice_id or client_id")),
    };
    let summary = if rows.is_empty() {
        "No practices.".to_string()
    } else {
        rows.iter().map(status_line).collect::<Vec<_>>().join("; ")
    };
    let views: Vec<ViewedPractice> = rows.into_iter().map(|r| ViewedPractice::new(r, &viewer)).collect();
    Ok((summary, json!({ "practices": views })))
}

/// "E33G KITAS for Marco Rossi: approved, permit expires 2026-06-01, IDR 5000000 still due": only what
/// the client view shows too.
fn status_line(r: &PracticeRow) -> String {
    let mut s = format!(
        "{} for {}: {}",
        r.type_name.as_deref().unwrap_or(&r.type_code),
        r.client_name.as_deref().unwrap_or("?"),
        r.status
    );
    if let Some(e) = &r.expiry_date {
        s.push_str(&format!(", permit expires {e}"));
    }
    let due = r.balance_idr();
    if due > 0 {
        s.push_str(&format!(", IDR {due} still due"));
    }
    s
}

/// Adds an entry to a client's timeline, written by the caller.
pub async fn log_interaction(
    ctx: &Ctx,
    client_id: &str,
    kind: InteractionKind,
    summary: &str,
    practice_id: Option<&str>,
) -> ApiResult<(String, Value)> {
    team_only(ctx)?;
    let db = db::db(ctx)?;
    let new = NewInteraction {
        kind,
        summary: summary.to_string(),
        practice_id: practice_id.map(str::to_string),
        occurred_at: now(),
    };
    let row = interactions::log(&db, client_id, &new, None, author(ctx), None)
        .await?
        .ok_or_else(|| ApiError::internal("interaction not written"))?;
    Ok((
        format!("Logged a {} on the client's timeline.", kind.as_str()),
        json!(row),
    ))
}

/// A new lead.
pub async fn create_lead(ctx: &Ctx, fields: ClientFields) -> ApiResult<(String, Value)> {
    team_only(ctx)?;
    let db = db::db(ctx)?;
    let row = clients::insert(&db, &fields).await?;
    Ok((format!("Created lead {} (id {}).", row.full_name, row.id), json!(row)))
}
