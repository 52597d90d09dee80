//! What each viewer sees of a practice.
//!
//! The team sees everything: [`PracticeView`], with [`TeamStep`]s and [`TeamPayment`]s. A client user sees
//! their case as a client portal shows it: [`ClientPracticeView`], [`ClientStep`], [`ClientPayment`]. These
//! are typed views rather than team rows with keys blanked out, so a column added to a row reaches clients
//! only when someone adds it to their view on purpose, and the queries for clients do not even read the
//! internal columns (staff notes, who changed or recorded what).

use nuzantara_shared::error::ApiResult;
use serde::{Deserialize, Serialize};
use worker::D1Database;

use super::practice_row::PracticeRow;
use super::Viewer;
use crate::db::{self, P};

/// A practice as the team sees it: the row, the statuses it may move to, and what is still owed.
#[derive(Debug, Clone, Serialize)]
pub struct PracticeView {
    #[serde(flatten)]
    pub row: PracticeRow,
    pub allowed_next: Vec<&'static str>,
    pub balance_idr: i64,
}

impl PracticeView {
    pub fn new(row: PracticeRow) -> Self {
        Self {
            allowed_next: allowed_next(&row),
            balance_idr: row.balance_idr(),
            row,
        }
    }
}

fn allowed_next(row: &PracticeRow) -> Vec<&'static str> {
    row.status().next().iter().map(|s| s.as_str()).collect()
}

/// A practice as its client sees it: what the case is, where it stands, its dates and its money.
///
/// Left out: the team's notes, and the consultant's user id (the consultant is shown by name, which is
/// who the client talks to; the id is a key of the team's accounts and means nothing to a client).
/// `allowed_next` stays: it is the workflow's next steps, the same for every practice in that status.
#[derive(Debug, Clone, Serialize)]
pub struct ClientPracticeView {
    pub id: String,
    pub client_id: String,
    pub client_name: Option<String>,
    pub type_code: String,
    pub type_name: Option<String>,
    pub category: Option<String>,
    pub consultant_name: Option<String>,
    pub status: String,
    pub fee_idr: Option<i64>,
    pub paid_idr: i64,
    pub balance_idr: i64,
    pub start_date: Option<String>,
    pub submitted_at: Option<String>,
    pub approved_at: Option<String>,
    pub expiry_date: Option<String>,
    pub allowed_next: Vec<&'static str>,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<PracticeRow> for ClientPracticeView {
    fn from(r: PracticeRow) -> Self {
        Self {
            allowed_next: allowed_next(&r),
            balance_idr: r.balance_idr(),
            id: r.id,
            client_id: r.client_id,
            client_name: r.client_name,
            type_code: r.fields.type_code,
            type_name: r.type_name,
            category: r.category,
            consultant_name: r.consultant_name,
            status: r.status,
            fee_idr: r.fields.fee_idr,
            paid_idr: r.paid_idr,
            start_date: r.fields.start_date,
            submitted_at: r.fields.submitted_at,
            approved_at: r.fields.approved_at,
            expiry_date: r.fields.expiry_date,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// A practice as `viewer` may see it (anyone but the team gets the client's view).
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum ViewedPractice {
    Team(PracticeView),
    Client(ClientPracticeView),
}

impl ViewedPractice {
    pub fn new(row: PracticeRow, viewer: &Viewer) -> Self {
        if viewer.is_team() {
            Self::Team(PracticeView::new(row))
        } else {
            Self::Client(row.into())
        }
    }
}

/// One step of the status history, as the team sees it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TeamStep {
    pub from_status: Option<String>,
    pub to_status: String,
    pub changed_by: Option<String>,
    pub changed_by_name: Option<String>,
    pub changed_at: i64,
    pub note: Option<String>,
}

/// One step as its client sees it: where the case moved and when.
///
/// Not the note (the team's remarks), and not who made the change, neither user id nor name: the client's
/// contact is the consultant named on the practice, while which staff member (or which automated job)
/// recorded a step is the office's internal organisation, and naming them would invite clients to chase
/// people who are not handling their case.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClientStep {
    pub from_status: Option<String>,
    pub to_status: String,
    pub changed_at: i64,
}

/// A payment as the team sees it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TeamPayment {
    pub id: String,
    pub amount_idr: i64,
    pub paid_on: String,
    pub method: String,
    pub note: Option<String>,
    pub created_at: i64,
}

/// A payment as its client sees it, like a receipt: how much, when, how. Not the team's note, which can
/// record internal arrangements (discounts, follow-ups), nor who recorded it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClientPayment {
    pub id: String,
    pub amount_idr: i64,
    pub paid_on: String,
    pub method: String,
    pub created_at: i64,
}

/// A practice with its status history and payments (`GET /crm/practices/{id}`).
#[derive(Debug, Clone, Serialize)]
pub struct Detail<V, S, M> {
    #[serde(flatten)]
    pub practice: V,
    pub history: Vec<S>,
    pub payments: Vec<M>,
}

/// The detail as `viewer` may see it.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum PracticeDetail {
    Team(Detail<PracticeView, TeamStep, TeamPayment>),
    Client(Detail<ClientPracticeView, ClientStep, ClientPayment>),
}

const HISTORY_ORDER: &str = "WHERE h.practice_id = ?1 ORDER BY h.changed_at, h.id";
const PAYMENTS_ORDER: &str = "FROM practice_payments WHERE practice_id = ?1 ORDER BY paid_on, created_at";

impl PracticeDetail {
    /// Reads the history and payments of `row` with only the columns `viewer` may see.
    pub async fn load(db: &D1Database, row: PracticeRow, viewer: &Viewer) -> ApiResult<Self> {
        let id = [P::S(&row.id)];
        if viewer.is_team() {
            let history = db::all(
                db,
                &format!(
                    "SELECT h.from_status, h.to_status, h.changed_by, u.name AS changed_by_name, h.changed_at, h.note \
                     FROM practice_status_history h LEFT JOIN users u ON u.id = h.changed_by {HISTORY_ORDER}"
                ),
                &id,
            )
            .await?;
            let payments = db::all(
                db,
                &format!("SELECT id, amount_idr, paid_on, method, note, created_at {PAYMENTS_ORDER}"),
                &id,
            )
            .await?;
            let practice = PracticeView::new(row);
            Ok(Self::Team(Detail {
                practice,
                history,
                payments,
            }))
        } else {
            let history = db::all(
                db,
                &format!(
                    "SELECT h.from_status, h.to_status, h.changed_at FROM practice_status_history h {HISTORY_ORDER}"
                ),
                &id,
            )
            .await?;
            let payments = db::all(
                db,
                &format!("SELECT id, amount_idr, paid_on, method, created_at {PAYMENTS_ORDER}"),
                &id,
            )
            .await?;
            Ok(Self::Client(Detail {
                practice: row.into(),
                history,
                payments,
            }))
        }
    }
}
