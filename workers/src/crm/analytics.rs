//! Team analytics: practices by status and by type, renewals due per week ahead, payments per month
//! (in all and by practice type), each consultant's open workload, interactions logged per team member,
//! and the average time practices spend in each status (from the history).

use nuzantara_shared::crm::analytics::{
    first_month_start, renewals_by_week, revenue_by_month, RENEWAL_WEEKS, REVENUE_MONTHS,
};
use nuzantara_shared::crm::status::ALL;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use worker::D1Database;

use super::today;
use crate::db::{self, P};
use crate::respond::{self, HandlerResult};

#[derive(Deserialize)]
struct Expiring {
    expiry_date: String,
    n: i64,
}

#[derive(Deserialize)]
struct Month {
    month: String,
    paid_idr: i64,
    payments: i64,
}

/// `GET /crm/analytics`
pub async fn report(db: &D1Database) -> HandlerResult {
    let by_status: Vec<Value> = db::all(db, "SELECT status, COUNT(*) AS n FROM practices GROUP BY status", &[]).await?;
    let mut statuses: Map<String, Value> = ALL.iter().map(|s| (s.as_str().to_string(), json!(0))).collect();
    for r in by_status {
        if let Some(s) = r["status"].as_str() {
            statuses.insert(s.to_string(), r["n"].clone());
        }
    }
    let revenue: Vec<Value> = db::all(
        db,
        "SELECT substr(pp.paid_on, 1, 7) AS month, p.type_code, t.name AS type_name, SUM(pp.amount_idr) AS paid_idr, \
           COUNT(*) AS payments \
         FROM practice_payments pp JOIN practices p ON p.id = pp.practice_id LEFT JOIN practice_types t ON t.code = p.type_code \
         GROUP BY month, p.type_code ORDER BY month DESC, paid_idr DESC LIMIT 1000",
        &[],
    )
    .await?;
    let per_consultant: Vec<Value> = db::all(
        db,
        "SELECT i.created_by AS user_id, u.name, COUNT(*) AS interactions, MAX(i.occurred_at) AS last_at \
         FROM interactions i JOIN users u ON u.id = i.created_by WHERE i.kind != 'reminder' \
         GROUP BY i.created_by ORDER BY interactions DESC, u.name",
        &[],
    )
    .await?;
    // Time in a status = from entering it to the next change of the same practice.
    let avg_days: Vec<Value> = db::all(
        db,
        "SELECT to_status AS status, COUNT(*) AS transitions, ROUND(AVG(next_at - changed_at) / 86400000.0, 2) AS avg_days \
         FROM (SELECT to_status, changed_at, LEAD(changed_at) OVER (PARTITION BY practice_id ORDER BY changed_at, id) AS next_at \
               FROM practice_status_history) \
         WHERE next_at IS NOT NULL GROUP BY to_status ORDER BY to_status",
        &[],
    )
    .await?;
    // The statuses of practices still being worked on, as an SQL list.
    let open = ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    let by_type: Vec<Value> = db::all(
        db,
        &format!(
            "SELECT p.type_code, t.name AS type_name, t.category, COUNT(*) AS practices, \
           SUM(CASE WHEN p.status IN ({open}) THEN 1 ELSE 0 END) AS open \
         FROM practices p LEFT JOIN practice_types t ON t.code = p.type_code \
         GROUP BY p.type_code ORDER BY practices DESC, p.type_code"
        ),
        &[],
    )
    .await?;
    let today = today();
    // The same permits as GET /crm/practices/renewals: of practices not rejected or cancelled, of clients not archived.
    let expiring: Vec<Expiring> = db::all(
        db,
        "SELECT p.expiry_date, COUNT(*) AS n FROM practices p JOIN clients c ON c.id = p.client_id \
         WHERE p.expiry_date >= ?1 AND p.expiry_date < ?2 AND p.status NOT IN ('cancelled', 'rejected') \
           AND c.status != 'archived' GROUP BY p.expiry_date",
        &[
            P::S(&today.to_string()),
            P::S(&today.add_days(RENEWAL_WEEKS * 7).to_string()),
        ],
    )
    .await?;
    let expiring: Vec<(String, i64)> = expiring.into_iter().map(|e| (e.expiry_date, e.n)).collect();
    let months: Vec<Month> = db::all(
        db,
        "SELECT substr(paid_on, 1, 7) AS month, SUM(amount_idr) AS paid_idr, COUNT(*) AS payments \
         FROM practice_payments WHERE paid_on >= ?1 GROUP BY month",
        &[P::S(&first_month_start(today, REVENUE_MONTHS))],
    )
    .await?;
    let months: Vec<(String, i64, i64)> = months.into_iter().map(|m| (m.month, m.paid_idr, m.payments)).collect();
    // Every active team member, with the open practices (of clients not archived) they are the consultant of.
    let workload: Vec<Value> = db::all(
        db,
        &format!(
            "SELECT u.id AS user_id, u.name, COUNT(p.id) AS open_practices, COUNT(DISTINCT p.client_id) AS clients, \
           COALESCE(SUM(MAX(COALESCE(p.fee_idr, 0) - p.paid_idr, 0)), 0) AS outstanding_idr \
         FROM users u LEFT JOIN practices p ON p.consultant_id = u.id \
           AND p.status IN ({open}) AND p.client_id IN (SELECT id FROM clients WHERE status != 'archived') \
         WHERE u.role IN ('admin', 'consultant') AND u.disabled = 0 \
         GROUP BY u.id ORDER BY open_practices DESC, u.name"
        ),
        &[],
    )
    .await?;
    let totals: Option<Value> = db::first(
        db,
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
            "practices_by_type": by_type,
            "renewals_by_week": renewals_by_week(today, RENEWAL_WEEKS, &expiring),
            "revenue_by_month": revenue_by_month(today, REVENUE_MONTHS, &months),
            "consultant_workload": workload,
            "revenue_by_type_month": revenue,
            "interactions_per_consultant": per_consultant,
            "avg_days_in_status": avg_days,
            "totals": totals,
        }),
    )
}
