//! A practice as stored, with the joins every view needs (client, type, consultant), and the practice
//! store: how it is read (by id, by id for a viewer, by client) and written (created with its first
//! history row, its fields updated, a status change with its history row, a payment with the total). The views per role (`practice_views`) and the handlers
//! (`practices`) both build on this, so neither imports the other for it.

use nuzantara_shared::crm::payments::Payment;
use nuzantara_shared::crm::practices::{insert_sql, update_sql, PracticeFields, COLUMNS};
use nuzantara_shared::crm::record::select_list;
use nuzantara_shared::crm::status::PracticeStatus;
use nuzantara_shared::crm::status::{PracticeState, Transition};
use nuzantara_shared::error::{ApiError, ApiResult};
use serde::{Deserialize, Serialize};
use worker::D1Database;

use super::{new_record_id, not_found, now, stale, Viewer};
use crate::db::{self, P};

/// A practice as stored: its fields (declared once, in [`PracticeFields`]), where it stands in the
/// workflow and what was paid, the names joined in, and the record's bookkeeping.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PracticeRow {
    pub id: String,
    pub client_id: String,
    pub client_name: Option<String>,
    pub type_name: Option<String>,
    pub category: Option<String>,
    pub consultant_name: Option<String>,
    pub status: String,
    pub paid_idr: i64,
    #[serde(flatten)]
    pub fields: PracticeFields,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The select list of a [`PracticeRow`]: the stored fields ([`COLUMNS`]), the workflow's and the
/// bookkeeping columns, and the joined names.
pub fn cols() -> String {
    format!(
        "p.id, p.client_id, p.status, p.paid_idr, {}, c.full_name AS client_name, t.name AS type_name, t.category, \
         u.name AS consultant_name, p.version, p.created_at, p.updated_at",
        select_list("p", &COLUMNS)
    )
}
pub const FROM: &str = "FROM practices p JOIN clients c ON c.id = p.client_id \
     LEFT JOIN practice_types t ON t.code = p.type_code LEFT JOIN users u ON u.id = p.consultant_id";

impl PracticeRow {
    pub fn status(&self) -> PracticeStatus {
        PracticeStatus::parse(&self.status).unwrap_or(PracticeStatus::Inquiry)
    }
    /// The practice as a status change sees it.
    pub fn state(&self) -> PracticeState {
        let f = &self.fields;
        PracticeState {
            status: self.status(),
            start_date: f.start_date.clone(),
            submitted_at: f.submitted_at.clone(),
            approved_at: f.approved_at.clone(),
            expiry_date: f.expiry_date.clone(),
        }
    }
    /// What is still owed (negative when overpaid).
    pub fn balance_idr(&self) -> i64 {
        self.fields.fee_idr.unwrap_or(0) - self.paid_idr
    }
}

pub async fn load(db: &D1Database, id: &str) -> ApiResult<Option<PracticeRow>> {
    db::first(db, &format!("SELECT {} {FROM} WHERE p.id = ?1", cols()), &[P::S(id)]).await
}

/// 404 when the practice does not exist or belongs to another client than the viewer.
pub async fn load_visible(db: &D1Database, id: &str, viewer: &Viewer) -> ApiResult<PracticeRow> {
    let row = load(db, id).await?.ok_or_else(|| not_found("practice"))?;
    viewer.check(&row.client_id, "practice")?;
    Ok(row)
}

/// A client's practices, newest first (the caller picks the view).
pub async fn of_client(db: &D1Database, client_id: &str) -> ApiResult<Vec<PracticeRow>> {
    db::all(
        db,
        &format!(
            "SELECT {} {FROM} WHERE p.client_id = ?1 ORDER BY p.created_at DESC, p.id DESC LIMIT 200",
            cols()
        ),
        &[P::S(client_id)],
    )
    .await
}

/// Adds a practice (status `inquiry`, nothing paid) and its first history row in one batch.
pub async fn insert(
    db: &D1Database,
    client_id: &str,
    f: &PracticeFields,
    author: Option<&str>,
) -> ApiResult<PracticeRow> {
    let id = new_record_id();
    let now = now();
    let mut params = vec![P::S(&id), P::S(client_id)];
    params.extend(f.cells().map(P::from));
    params.push(P::I(now));
    let insert = db::stmt(db, &insert_sql(), &params)?;
    let history = db::stmt(
        db,
        "INSERT INTO practice_status_history (practice_id, from_status, to_status, changed_by, changed_at) VALUES (?1, NULL, 'inquiry', ?2, ?3)",
        &[P::S(&id), author.into(), P::I(now)],
    )?;
    db::batch(db, vec![insert, history]).await?;
    load(db, &id)
        .await?
        .ok_or_else(|| ApiError::internal("practice vanished after insert"))
}

/// Writes a practice's fields if it is still at `version`; 409 when someone else got there first.
pub async fn write(db: &D1Database, id: &str, version: i64, f: &PracticeFields) -> ApiResult<PracticeRow> {
    let mut params = Vec::from(f.cells().map(P::from));
    params.extend([P::I(now()), P::S(id), P::I(version)]);
    let changed = db::run(db, &update_sql(), &params).await?;
    let row = load(db, id).await?.ok_or_else(|| not_found("practice"))?;
    if changed == 0 {
        return Err(stale("practice", row.version));
    }
    Ok(row)
}

/// Writes a planned status change and its history row together (one batch, both guarded by the
/// version read and the status it started from) or not at all (409).
pub async fn change_status(
    db: &D1Database,
    id: &str,
    version: i64,
    t: &Transition,
    author: Option<&str>,
) -> ApiResult<PracticeRow> {
    let now = now();
    let history = db::stmt(
        db,
        "INSERT INTO practice_status_history (practice_id, from_status, to_status, changed_by, changed_at, note) \
         SELECT id, status, ?2, ?3, ?4, ?5 FROM practices WHERE id = ?1 AND version = ?6 AND status = ?7",
        &[
            P::S(id),
            P::S(t.to.as_str()),
            author.into(),
            P::I(now),
            t.note.as_deref().into(),
            P::I(version),
            P::S(t.from.as_str()),
        ],
    )?;
    let update = db::stmt(
        db,
        "UPDATE practices SET status = ?1, start_date = ?2, submitted_at = ?3, approved_at = ?4, expiry_date = ?5, \
         version = version + 1, updated_at = ?6 WHERE id = ?7 AND version = ?8 AND status = ?9",
        &[
            P::S(t.to.as_str()),
            t.start_date.as_deref().into(),
            t.submitted_at.as_deref().into(),
            t.approved_at.as_deref().into(),
            t.expiry_date.as_deref().into(),
            P::I(now),
            P::S(id),
            P::I(version),
            P::S(t.from.as_str()),
        ],
    )?;
    let changes = db::batch_changes(db, vec![history, update]).await?;
    let row = load(db, id).await?.ok_or_else(|| not_found("practice"))?;
    if changes.get(1).copied().unwrap_or(0) == 0 {
        return Err(stale("practice", row.version));
    }
    Ok(row)
}

/// Records a payment and adds it to the practice's running total in one batch; the new payment's id,
/// its time and the practice after it.
pub async fn add_payment(
    db: &D1Database,
    id: &str,
    p: &Payment,
    author: Option<&str>,
) -> ApiResult<(String, i64, PracticeRow)> {
    let pay_id = new_record_id();
    let now = now();
    let insert = db::stmt(
        db,
        "INSERT INTO practice_payments (id, practice_id, amount_idr, paid_on, method, note, recorded_by, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        &[
            P::S(&pay_id),
            P::S(id),
            P::I(p.amount_idr),
            P::S(&p.paid_on),
            P::S(p.method.as_str()),
            p.note.as_deref().into(),
            author.into(),
            P::I(now),
        ],
    )?;
    let total = db::stmt(
        db,
        "UPDATE practices SET paid_idr = paid_idr + ?1, version = version + 1, updated_at = ?2 WHERE id = ?3",
        &[P::I(p.amount_idr), P::I(now), P::S(id)],
    )?;
    db::batch(db, vec![insert, total]).await?;
    let row = load(db, id).await?.ok_or_else(|| not_found("practice"))?;
    Ok((pay_id, now, row))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_select_list_yields_exactly_the_rows_fields() {
        let row: PracticeRow = serde_json::from_value(serde_json::json!({
            "id": "p1", "client_id": "c1", "client_name": null, "type_code": "E33G", "type_name": null,
            "category": null, "consultant_id": null, "consultant_name": null, "status": "inquiry", "fee_idr": null,
            "paid_idr": 0, "start_date": null, "submitted_at": null, "approved_at": null, "expiry_date": null,
            "notes": null, "version": 1, "created_at": 0, "updated_at": 0
        }))
        .unwrap();
        let json = serde_json::to_value(&row).unwrap();
        let mut keys: Vec<String> = json.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        assert_eq!(super::super::selected(&cols()), keys);
    }
}
