//! Team analytics: practices by status, revenue (payments) by practice type and month, interactions
//! logged per team member, and the average time practices spend in each status (from the history).

use nuzantara_shared::crm::status::ALL;
use serde_json::{json, Map, Value};

use crate::context::Ctx;
use crate::db;
use crate::respond::{self, HandlerResult};

/// `GET /crm/analytics`
pub async fn report(ctx: &Ctx) -> HandlerResult {
    let db = db::db(ctx)?;
    let by_status: Vec<Value> =
        db::all(&db, "SELECT status, COUNT(*) AS n FROM practices GROUP BY status", &[]).await?;
    let mut statuses: Map<String, Value> = ALL.iter().map(|s| (s.as_str().to_string(), json!(0))).collect();
    for r in by_status {
        if let Some(s) = r["status"].as_str() {
            statuses.insert(s.to_string(), r["n"].clone());
        }
    }
    let revenue: Vec<Value> = db::all(
        &db,
        "SELECT substr(pp.paid_on, 1, 7) AS month, p.type_code, t.name AS type_name, SUM(pp.amount_idr) AS paid_idr, \
           COUNT(*) AS payments \
         FROM practice_payments pp JOIN practices p ON p.id = pp.practice_id LEFT JOIN practice_types t ON t.code = p.type_code \
         GROUP BY month, p.type_code ORDER BY month DESC, paid_idr DESC LIMIT 1000",
        &[],
    )
    .await?;
    let per_consultant: Vec<Value> = db::all(
        &db,
        "SELECT i.created_by AS user_id, u.name, COUNT(*) AS interactions, MAX(i.occurred_at) AS last_at \
         FROM interactions i JOIN users u ON u.id = i.created_by WHERE i.kind != 'reminder' \
         GROUP BY i.created_by ORDER BY interactions DESC, u.name",
        &[],
    )
    .await?;
    // Time in a status = from entering it to the next change of the same practice.
    let avg_days: Vec<Value> = db::all(
        &db,
        "SELECT to_status AS status, COUNT(*) AS transitions, ROUND(AVG(next_at - changed_at) / 86400000.0, 2) AS avg_days \
         FROM (SELECT to_status, changed_at, LEAD(changed_at) OVER (PARTITION BY practice_id ORDER BY changed_at, id) AS next_at \
               FROM practice_status_history) \
         WHERE next_at IS NOT NULL GROUP BY to_status ORDER BY to_status",
        &[],
    )
    .await?;
    let totals: Option<Value> = db::first(
        &db,
        "SELECT (SELECT COUNT(*) FROM clients WHERE status != 'archived') AS clients, COUNT(*) AS practices, \
           COALESCE(SUM(CASE WHEN status != 'cancelled' THEN fee_idr END), 0) AS fees_idr, COALESCE(SUM(paid_idr), 0) AS paid_idr \
         FROM practices",
        &[],
    )
    .await?;
    respond::json(
        200,
        &json!({
            "practices_by_status": statuses,
            "revenue_by_type_month": revenue,
            "interactions_per_consultant": per_consultant,
            "avg_days_in_status": avg_days,
            "totals": totals,
        }),
    )
}
