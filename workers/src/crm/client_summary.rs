//! The client summary: a client with their open practices, last interactions, next deadlines and
//! what they owe, read from the client, practice and interaction stores.

use nuzantara_shared::crm::status::PracticeStatus;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use worker::D1Database;

use super::practice_row;
use super::practice_views::PracticeView;
use super::{clients, interactions, not_found, today};
use crate::db::{self, P};
use crate::respond::{self, HandlerResult};

#[derive(Serialize, Deserialize)]
struct Deadline {
    practice_id: String,
    type_name: Option<String>,
    kind: String,
    date: String,
}

/// `GET /crm/clients/{id}/summary`: the client, open practices, last interactions, next deadlines
/// (permit expiries and the expected end of open practices) and money owed.
pub async fn summary(db: &D1Database, id: &str) -> HandlerResult {
    let client = clients::load(db, id).await?.ok_or_else(|| not_found("client"))?;
    let open: Vec<&str> = nuzantara_shared::crm::status::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.as_str())
        .collect();
    let practices: Vec<PracticeView> = practice_row::of_client(db, id)
        .await?
        .into_iter()
        .map(PracticeView::new)
        .collect();
    let open_practices: Vec<&PracticeView> = practices
        .iter()
        .filter(|p| open.contains(&p.row.status.as_str()))
        .collect();
    let today = today().to_string();
    let deadlines: Vec<Deadline> = db::all(
        db,
        "SELECT id AS practice_id, type_name, kind, date FROM ( \
           SELECT p.id, t.name AS type_name, 'permit_expiry' AS kind, p.expiry_date AS date FROM practices p \
             JOIN practice_types t ON t.code = p.type_code \
             WHERE p.client_id = ?1 AND p.expiry_date >= ?2 AND p.status NOT IN ('cancelled', 'rejected') \
           UNION ALL \
           SELECT p.id, t.name, 'expected_completion', date(p.start_date, '+' || t.duration_days || ' days') FROM practices p \
             JOIN practice_types t ON t.code = p.type_code \
             WHERE p.client_id = ?1 AND p.status IN ('quoted', 'in_progress', 'submitted') \
               AND p.start_date IS NOT NULL AND t.duration_days IS NOT NULL) \
         ORDER BY date LIMIT 10",
        &[P::S(id), P::S(&today)],
    )
    .await?;
    let interactions = interactions::latest(db, id, 10).await?;
    let balance: i64 = practices
        .iter()
        .filter(|p| PracticeStatus::parse(&p.row.status).is_some_and(|s| s != PracticeStatus::Cancelled))
        .map(|p| (p.row.fields.fee_idr.unwrap_or(0) - p.row.paid_idr).max(0))
        .sum();
    let documents: Option<Value> = db::first(
        db,
        "SELECT COUNT(*) AS n FROM documents WHERE client_id = ?1 AND deleted_at IS NULL",
        &[P::S(id)],
    )
    .await?;
    respond::json(
        200,
        &json!({
            "client": client,
            "practice_count": practices.len(),
            "open_practices": open_practices,
            "last_interactions": interactions,
            "next_deadlines": deadlines,
            "balance_due_idr": balance,
            "document_count": documents.and_then(|d| d["n"].as_i64()).unwrap_or(0),
        }),
    )
}
