//! A practice as stored, with the joins every view needs (client, type, consultant), and how it is read:
//! by id, by id for a viewer, by client. The views per role (`practice_views`) and the handlers
//! (`practices`) both build on this, so neither imports the other for it.

use nuzantara_shared::crm::practices::{PracticeFields, COLUMNS};
use nuzantara_shared::crm::record::select_list;
use nuzantara_shared::crm::status::PracticeStatus;
use nuzantara_shared::error::ApiResult;
use serde::{Deserialize, Serialize};
use worker::D1Database;

use super::{not_found, Viewer};
use crate::db::{self, P};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PracticeRow {
    pub id: String,
    pub client_id: String,
    pub client_name: Option<String>,
    pub type_code: String,
    pub type_name: Option<String>,
    pub category: Option<String>,
    pub consultant_id: Option<String>,
    pub consultant_name: Option<String>,
    pub status: String,
    pub fee_idr: Option<i64>,
    pub paid_idr: i64,
    pub start_date: Option<String>,
    pub submitted_at: Option<String>,
    pub approved_at: Option<String>,
    pub expiry_date: Option<String>,
    pub notes: Option<String>,
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
    /// What is still owed (negative when overpaid).
    pub fn balance_idr(&self) -> i64 {
        self.fee_idr.unwrap_or(0) - self.paid_idr
    }
    pub(super) fn fields(&self) -> PracticeFields {
        PracticeFields {
            type_code: self.type_code.clone(),
            consultant_id: self.consultant_id.clone(),
            fee_idr: self.fee_idr,
            start_date: self.start_date.clone(),
            submitted_at: self.submitted_at.clone(),
            approved_at: self.approved_at.clone(),
            expiry_date: self.expiry_date.clone(),
            notes: self.notes.clone(),
        }
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
