//! Practice types and practices: the status workflow (each change and its history row written in one
//! batch), fees and payments, dates, and renewals (permits expiring, open practices overdue).

use nuzantara_shared::crm::clients::ClientStatus;
use nuzantara_shared::crm::cursor::{paginate, Cursor};
use nuzantara_shared::crm::dates::Date;
use nuzantara_shared::crm::list::within_days;
use nuzantara_shared::crm::payments::PaymentBody;
use nuzantara_shared::crm::practices::{NewPracticeBody, PracticeFields, PracticeListQuery, PracticePatchBody};
use nuzantara_shared::crm::renewals::window_for;
use nuzantara_shared::crm::status::StatusChangeBody;
use nuzantara_shared::crm::version::resolve_version;
use nuzantara_shared::error::{ApiError, ApiResult};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use worker::{D1Database, Request};

use super::clients::check_consultant;
use super::practice_row::{self, cols, load, load_visible, PracticeRow, FROM};
use super::practice_views::{PracticeDetail, PracticeView, ViewedPractice};
use super::{header, json_with_etag, not_found, query, stale, today, Sql, Viewer};
use crate::db::{self, P};
use crate::respond::{self, HandlerResult};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PracticeType {
    pub code: String,
    pub name: String,
    pub category: String,
    pub default_fee_idr: Option<i64>,
    pub duration_days: Option<i64>,
    pub validity_days: Option<i64>,
    pub description: Option<String>,
}

async fn practice_type(db: &D1Database, code: &str) -> ApiResult<PracticeType> {
    let row: Option<PracticeType> = db::first(
        db,
        "SELECT code, name, category, default_fee_idr, duration_days, validity_days, description FROM practice_types WHERE code = ?1",
        &[P::S(code)],
    )
    .await?;
    row.ok_or_else(|| ApiError::validation("type_code: no such practice type (see GET /crm/practice-types)"))
}

/// `GET /crm/practice-types`
pub async fn types(db: &D1Database) -> HandlerResult {
    let rows: Vec<PracticeType> = db::all(
        db,
        "SELECT code, name, category, default_fee_idr, duration_days, validity_days, description FROM practice_types \
         ORDER BY CASE category WHEN 'visa' THEN 1 WHEN 'kitas' THEN 2 WHEN 'kitap' THEN 3 WHEN 'business' THEN 4 ELSE 5 END, created_at, code",
        &[],
    )
    .await?;
    respond::json(200, &json!({ "practice_types": rows }))
}

/// `GET /crm/practices`: a client user sees their own only (`me`: the caller's id, for `consultant_id=me`).
pub async fn list(db: &D1Database, req: &Request, me: &str, viewer: &Viewer) -> HandlerResult {
    let q: PracticeListQuery = query(req)?;
    let f = q.validate(me)?;
    let mut q = Sql::new(format!("SELECT {} {FROM} WHERE 1 = 1", cols()));
    if let Some(own) = viewer.client_scope() {
        let p = q.arg(P::S(own));
        q.push(&format!(" AND p.client_id = {p}"));
    }
    if let Some(c) = &f.client_id {
        let p = q.arg(P::S(c));
        q.push(&format!(" AND p.client_id = {p}"));
    }
    if let Some(s) = f.status {
        let p = q.arg(P::S(s.as_str()));
        q.push(&format!(" AND p.status = {p}"));
    }
    if let Some(c) = &f.consultant_id {
        let p = q.arg(P::S(c));
        q.push(&format!(" AND p.consultant_id = {p}"));
    }
    if let Some(t) = &f.type_code {
        let p = q.arg(P::S(t));
        q.push(&format!(" AND p.type_code = {p}"));
    }
    q.page("p.created_at", "p.id", &f.page);
    let rows: Vec<PracticeRow> = db::all(db, &q.sql, &q.params).await?;
    let (rows, next) = paginate(rows, f.page.limit, |r| Cursor::new(r.created_at, r.id.clone()));
    let views: Vec<ViewedPractice> = rows.into_iter().map(|r| ViewedPractice::new(r, viewer)).collect();
    respond::json(200, &json!({ "practices": views, "next_cursor": next }))
}

/// `POST /crm/practices`: status `inquiry`, fee defaulting to the type's; the first history row is
/// written in the same batch.
/// `author`: the caller's user id, for the first history row.
pub async fn create(db: &D1Database, b: NewPracticeBody, author: Option<&str>) -> HandlerResult {
    let new = b.validate()?;
    let client = super::clients::load(db, &new.client_id)
        .await?
        .ok_or_else(|| not_found("client"))?;
    if client.fields.status == ClientStatus::Archived {
        return Err(ApiError::conflict(
            "the client is archived; restore it (status active) first",
        ));
    }
    let ty = practice_type(db, &new.fields.type_code).await?;
    if let Some(c) = &new.fields.consultant_id {
        check_consultant(db, c).await?;
    }
    // The client's consultant and the type's fee, unless given.
    let f = PracticeFields {
        type_code: ty.code.clone(),
        consultant_id: new.fields.consultant_id.clone().or(client.fields.consultant_id),
        fee_idr: new.fields.fee_idr.or(ty.default_fee_idr),
        ..new.fields
    };
    let row = practice_row::insert(db, &new.client_id, &f, author).await?;
    let view = PracticeView::new(row);
    json_with_etag(201, &view, view.row.version)
}

/// `GET /crm/practices/{id}`: with status history and payments, as the viewer may see them.
pub async fn get(db: &D1Database, id: &str, viewer: &Viewer) -> HandlerResult {
    let row = load_visible(db, id, viewer).await?;
    let version = row.version;
    let detail = PracticeDetail::load(db, row, viewer).await?;
    json_with_etag(200, &detail, version)
}

/// `PATCH /crm/practices/{id}`: details only; the version read is required.
pub async fn update(db: &D1Database, id: &str, req: &Request, b: PracticePatchBody) -> HandlerResult {
    let if_match = header(req, "If-Match");
    let version = resolve_version(if_match.as_deref(), b.version)?;
    let current = load(db, id).await?.ok_or_else(|| not_found("practice"))?;
    if current.version != version {
        return Err(stale("practice", current.version));
    }
    let next = b.apply(current.fields.clone())?;
    if next.type_code != current.fields.type_code {
        practice_type(db, &next.type_code).await?;
    }
    if next.consultant_id != current.fields.consultant_id {
        if let Some(c) = &next.consultant_id {
            check_consultant(db, c).await?;
        }
    }
    let row = practice_row::write(db, id, version, &next).await?;
    let view = PracticeView::new(row);
    json_with_etag(200, &view, view.row.version)
}

/// `POST /crm/practices/{id}/status`: a legal move only; the practice and its history row change
/// together (one batch, both guarded by the version read) or not at all.
pub async fn change_status(
    db: &D1Database,
    id: &str,
    req: &Request,
    b: StatusChangeBody,
    author: Option<&str>,
) -> HandlerResult {
    let if_match = header(req, "If-Match");
    let version = resolve_version(if_match.as_deref(), b.version)?;
    let current = load(db, id).await?.ok_or_else(|| not_found("practice"))?;
    if current.version != version {
        return Err(stale("practice", current.version));
    }
    let ty = practice_type(db, &current.fields.type_code).await.ok();
    let t = b.plan(&current.state(), today(), ty.and_then(|t| t.validity_days))?;
    let row = practice_row::change_status(db, id, version, &t, author).await?;
    let view = PracticeView::new(row);
    json_with_etag(200, &view, view.row.version)
}

/// `POST /crm/practices/{id}/payments`: the payment and the practice's running total in one batch.
/// Payments add up, so no version is needed; the practice's version still moves on.
pub async fn add_payment(db: &D1Database, id: &str, b: PaymentBody, author: Option<&str>) -> HandlerResult {
    let p = b.validate(today())?;
    load(db, id).await?.ok_or_else(|| not_found("practice"))?;
    let (pay_id, now, row) = practice_row::add_payment(db, id, &p, author).await?;
    let payment = json!({
        "id": pay_id, "practice_id": id, "amount_idr": p.amount_idr, "paid_on": p.paid_on, "method": p.method.as_str(),
        "note": p.note, "created_at": now
    });
    respond::json(201, &json!({ "payment": payment, "practice": PracticeView::new(row) }))
}

#[derive(Deserialize, Default)]
struct RenewalsQuery {
    within_days: Option<String>,
}

#[derive(Deserialize)]
struct Overdue {
    #[serde(flatten)]
    row: PracticeRow,
    expected_by: String,
}

/// Permits (of practices not rejected or cancelled, of clients not archived) expiring from today to
/// `today + within`, soonest first.
pub async fn expiring(db: &D1Database, today: Date, within: i64) -> ApiResult<Vec<PracticeRow>> {
    db::all(
        db,
        &format!(
            "SELECT {} {FROM} WHERE p.expiry_date >= ?1 AND p.expiry_date <= ?2 \
             AND p.status NOT IN ('cancelled', 'rejected') AND c.status != 'archived' ORDER BY p.expiry_date, p.id LIMIT 1000",
            cols()
        ),
        &[P::S(&today.to_string()), P::S(&today.add_days(within).to_string())],
    )
    .await
}

/// `GET /crm/practices/renewals?within_days=N`: permits expiring (with their reminder window), and open
/// practices past their type's typical duration since they started.
pub async fn renewals(db: &D1Database, req: &Request) -> HandlerResult {
    let q: RenewalsQuery = query(req)?;
    let within = within_days(q.within_days.as_deref())?;
    let today = today();
    let renewals: Vec<Value> = expiring(db, today, within)
        .await?
        .into_iter()
        .map(|r| {
            let days_left = r
                .fields
                .expiry_date
                .as_deref()
                .and_then(Date::parse_opt)
                .map(|d| today.days_until(d))
                .unwrap_or(0);
            let mut v = serde_json::to_value(PracticeView::new(r)).unwrap_or_default();
            v["days_left"] = json!(days_left);
            v["window"] = json!(window_for(days_left));
            v
        })
        .collect();
    let expected = "date(p.start_date, '+' || t.duration_days || ' days')";
    let overdue: Vec<Overdue> = db::all(
        db,
        &format!(
            "SELECT {}, {expected} AS expected_by {FROM} WHERE p.status IN ('quoted', 'in_progress', 'submitted') \
             AND p.start_date IS NOT NULL AND t.duration_days IS NOT NULL AND {expected} < ?1 AND c.status != 'archived' \
             ORDER BY expected_by, p.id LIMIT 1000",
            cols()
        ),
        &[P::S(&today.to_string())],
    )
    .await?;
    let overdue: Vec<Value> = overdue
        .into_iter()
        .map(|o| {
            let late = Date::parse_opt(&o.expected_by)
                .map(|d| d.days_until(today))
                .unwrap_or(0);
            let mut v = serde_json::to_value(PracticeView::new(o.row)).unwrap_or_default();
            v["expected_by"] = json!(o.expected_by);
            v["days_overdue"] = json!(late);
            v
        })
        .collect();
    respond::json(
        200,
        &json!({ "today": today.to_string(), "within_days": within, "renewals": renewals, "overdue": overdue }),
    )
}
