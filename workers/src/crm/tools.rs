//! The CRM tools of the chat, as plain functions over the same domain code as the HTTP routes.
//!
//! - [`client_lookup`]`(db, viewer, query)`: up to 5 clients matching a name, e-mail, phone or company,
//!   each with their open practices.
//! - [`practice_status`]`(db, viewer, practice_id, client_id)`: one practice, or every practice of a
//!   client, with status, dates, fees and allowed next statuses.
//! - [`log_interaction`]`(db, viewer, author, client_id, new)`: adds to a client's timeline.
//! - [`create_lead`]`(db, viewer, fields)`: a new client with status `lead` (an existing e-mail is a 409).
//!
//! [`run`] dispatches a tool call by name (arguments as JSON, validated by
//! `nuzantara_shared::crm::tools::CrmTool`), handing each tool the database and the caller. Each returns
//! `(summary, value)`: a line a person can read and the data. Rights are the caller's ([`Viewer`]): the team and API keys see everything, a client
//! user only their own practices and in the client view (the tool registry keeps these tools for the team
//! today; the client branch is there so that opening one to clients cannot leak), anyone else nothing.

use nuzantara_shared::crm::clients::{ClientFields, ClientFilter};
use nuzantara_shared::crm::interactions::NewInteraction;
use nuzantara_shared::crm::list::{needle, phone_digits, Paging};
use nuzantara_shared::crm::tools::CrmTool;
use nuzantara_shared::error::{ApiError, ApiResult};
use serde_json::{json, Value};
use worker::D1Database;

use super::practice_row::{self, PracticeRow};
use super::practice_views::{PracticeView, ViewedPractice};
use super::{author, clients, interactions, now, Viewer};
use nuzantara_shared::auth::Principal;

fn team_only(viewer: &Viewer) -> ApiResult<()> {
    if viewer.is_team() {
        Ok(())
    } else {
        Err(ApiError::forbidden("CRM tools are for the team"))
    }
}

/// Runs a CRM tool call for `who`; `Err` 404 when `name` is not a CRM tool.
pub async fn run(db: &D1Database, who: Option<&Principal>, name: &str, args: &Value) -> ApiResult<(String, Value)> {
    let call =
        CrmTool::parse(name, args).ok_or_else(|| ApiError::not_found(format!("no CRM tool named {name:?}")))??;
    let viewer = Viewer::of(who);
    match call {
        CrmTool::ClientLookup { query } => client_lookup(db, &viewer, &query).await,
        CrmTool::PracticeStatus { practice_id, client_id } => {
            practice_status(db, &viewer, practice_id.as_deref(), client_id.as_deref()).await
        }
        CrmTool::LogInteraction {
            client_id,
            kind,
            summary,
            practice_id,
        } => {
            let new = NewInteraction {
                kind,
                summary,
                practice_id,
                occurred_at: now(),
            };
            log_interaction(db, &viewer, author(who), &client_id, &new).await
        }
        CrmTool::CreateLead(fields) => create_lead(db, &viewer, fields).await,
    }
}

/// Clients matching `query` (name, e-mail, company, phone digits), at most 5, with their open practices.
pub async fn client_lookup(db: &D1Database, viewer: &Viewer, query: &str) -> ApiResult<(String, Value)> {
    team_only(viewer)?;
    let filter = ClientFilter {
        needle: Some(needle(query)),
        digits: phone_digits(query),
        status: None,
        consultant_id: None,
        page: Paging { cursor: None, limit: 5 },
    };
    let (found, more) = clients::search(db, &filter).await?;
    let mut out = Vec::new();
    let mut lines = Vec::new();
    for c in found {
        let open: Vec<PracticeView> = practice_row::of_client(db, &c.id)
            .await?
            .into_iter()
            .filter(|r| r.status().is_open() || r.status().holds_permit() && r.fields.expiry_date.is_some())
            .map(PracticeView::new)
            .collect();
        let contact = c.fields.email.clone().or(c.fields.phone.clone()).unwrap_or_default();
        lines.push(format!(
            "{} ({}; {}; {} practice(s))",
            c.fields.full_name,
            c.fields.status.as_str(),
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
    db: &D1Database,
    viewer: &Viewer,
    practice_id: Option<&str>,
    client_id: Option<&str>,
) -> ApiResult<(String, Value)> {
    if *viewer == Viewer::Anonymous {
        return Err(ApiError::forbidden("sign in to see practices"));
    }
    let rows: Vec<PracticeRow> = match (practice_id, client_id) {
        (Some(p), _) => vec![practice_row::load_visible(db, p, viewer).await?],
        (None, Some(c)) => {
            clients::load_visible(db, c, viewer).await?;
            practice_row::of_client(db, c).await?
        }
        (None, None) => return Err(ApiError::validation("give practice_id or client_id")),
    };
    let summary = if rows.is_empty() {
        "No practices.".to_string()
    } else {
        rows.iter().map(status_line).collect::<Vec<_>>().join("; ")
    };
    let views: Vec<ViewedPractice> = rows.into_iter().map(|r| ViewedPractice::new(r, viewer)).collect();
    Ok((summary, json!({ "practices": views })))
}

/// "E33G KITAS for Marco Rossi: approved, permit expires 2026-06-01, IDR 5000000 still due": only what
/// the client view shows too.
fn status_line(r: &PracticeRow) -> String {
    let mut s = format!(
        "{} for {}: {}",
        r.type_name.as_deref().unwrap_or(&r.fields.type_code),
        r.client_name.as_deref().unwrap_or("?"),
        r.status
    );
    if let Some(e) = &r.fields.expiry_date {
        s.push_str(&format!(", permit expires {e}"));
    }
    let due = r.balance_idr();
    if due > 0 {
        s.push_str(&format!(", IDR {due} still due"));
    }
    s
}

/// Adds an entry to a client's timeline, written by the caller (`author`: their user id).
pub async fn log_interaction(
    db: &D1Database,
    viewer: &Viewer,
    author: Option<&str>,
    client_id: &str,
    new: &NewInteraction,
) -> ApiResult<(String, Value)> {
    team_only(viewer)?;
    let row = interactions::log(db, client_id, new, None, author, None)
        .await?
        .ok_or_else(|| ApiError::internal("interaction not written"))?;
    Ok((
        format!("Logged a {} on the client's timeline.", new.kind.as_str()),
        json!(row),
    ))
}

/// A new lead.
pub async fn create_lead(db: &D1Database, viewer: &Viewer, fields: ClientFields) -> ApiResult<(String, Value)> {
    team_only(viewer)?;
    let row = clients::insert(db, &fields).await?;
    Ok((
        format!("Created lead {} (id {}).", row.fields.full_name, row.id),
        json!(row),
    ))
}
