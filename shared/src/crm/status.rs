//! The practice status workflow: the only place that says which status may follow which.
//!
//! ```text
//! inquiry ──► quoted ──► in_progress ──► submitted ──► approved ──► completed
//!    │           │            │              │    └──► rejected ──► completed
//!    │           │            │              │              └─────► in_progress (resubmission)
//!    └───────────┴────────────┴──────────────┴──► cancelled
//! ```
//!
//! `completed` and `cancelled` are final. A practice is *open* until it is approved, rejected, completed
//! or cancelled.

use serde::{Deserialize, Serialize};

use super::check;
use super::dates::Date;
use crate::error::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PracticeStatus {
    Inquiry,
    Quoted,
    InProgress,
    Submitted,
    Approved,
    Rejected,
    Completed,
    Cancelled,
}

use PracticeStatus::*;

/// Every status, in workflow order.
pub const ALL: [PracticeStatus; 8] = [
    Inquiry, Quoted, InProgress, Submitted, Approved, Rejected, Completed, Cancelled,
];

/// The transition table: each status and the statuses that may follow it.
pub const TRANSITIONS: &[(PracticeStatus, &[PracticeStatus])] = &[
    (Inquiry, &[Quoted, Cancelled]),
    (Quoted, &[InProgress, Cancelled]),
    (InProgress, &[Submitted, Cancelled]),
    (Submitted, &[Approved, Rejected, Cancelled]),
    (Approved, &[Completed]),
    (Rejected, &[InProgress, Completed]),
    (Completed, &[]),
    (Cancelled, &[]),
];

impl PracticeStatus {
    pub fn parse(s: &str) -> Option<Self> {
        ALL.into_iter().find(|st| st.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Inquiry => "inquiry",
            Quoted => "quoted",
            InProgress => "in_progress",
            Submitted => "submitted",
            Approved => "approved",
            Rejected => "rejected",
            Completed => "completed",
            Cancelled => "cancelled",
        }
    }

    /// The statuses that may follow this one (empty for final statuses).
    pub fn next(self) -> &'static [PracticeStatus] {
        TRANSITIONS
            .iter()
            .find(|(from, _)| *from == self)
            .map(|(_, to)| *to)
            .unwrap_or(&[])
    }

    pub fn can_become(self, to: PracticeStatus) -> bool {
        self.next().contains(&to)
    }

    /// Still being worked on (not yet decided or closed).
    pub fn is_open(self) -> bool {
        matches!(self, Inquiry | Quoted | InProgress | Submitted)
    }

    pub fn is_final(self) -> bool {
        self.next().is_empty()
    }

    /// A permit held under this practice can expire (so it takes part in renewals).
    pub fn holds_permit(self) -> bool {
        !matches!(self, Rejected | Cancelled)
    }

    /// The date column a move into this status stamps, if any.
    pub fn stamps(self) -> Option<&'static str> {
        match self {
            InProgress => Some("start_date"),
            Submitted => Some("submitted_at"),
            Approved => Some("approved_at"),
            _ => None,
        }
    }
}

/// Checks a status change. An illegal one is a 409 naming the statuses allowed from here.
pub fn check_transition(from: PracticeStatus, to: PracticeStatus) -> Result<(), ApiError> {
    if from.can_become(to) {
        return Ok(());
    }
    let allowed: Vec<&str> = from.next().iter().map(|s| s.as_str()).collect();
    let options = if allowed.is_empty() {
        "none (it is final)".to_string()
    } else {
        allowed.join(", ")
    };
    Err(ApiError::conflict(format!(
        "a practice cannot go from {} to {}; allowed next statuses: {options}",
        from.as_str(),
        to.as_str()
    )))
}

// ───────────────────────────── a status change ─────────────────────────────

/// `POST /crm/practices/{id}/status`. `date` is when the step happened (default: today in Bali) and
/// only applies to steps that stamp a date (in_progress → start_date, submitted, approved);
/// `expiry_date` (the permit's) only applies when approving or completing.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusChangeBody {
    pub status: PracticeStatus,
    pub version: Option<i64>,
    pub date: Option<String>,
    pub expiry_date: Option<String>,
    pub note: Option<String>,
}

/// The practice as a status change sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PracticeState {
    pub status: PracticeStatus,
    pub start_date: Option<String>,
    pub submitted_at: Option<String>,
    pub approved_at: Option<String>,
    pub expiry_date: Option<String>,
}

/// What a legal status change writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub from: PracticeStatus,
    pub to: PracticeStatus,
    pub start_date: Option<String>,
    pub submitted_at: Option<String>,
    pub approved_at: Option<String>,
    pub expiry_date: Option<String>,
    pub note: Option<String>,
}

impl StatusChangeBody {
    /// Plans the change: checks the workflow (409 with the allowed statuses), stamps the step's date,
    /// and on approval sets the permit's expiry (given, already known, or approval + the type's validity).
    pub fn plan(
        self,
        current: &PracticeState,
        today: Date,
        validity_days: Option<i64>,
    ) -> Result<Transition, ApiError> {
        check_transition(current.status, self.status)?;
        let to = self.status;
        let when = match self.date {
            None => today,
            Some(_) if to.stamps().is_none() => {
                return Err(check::invalid(
                    "date",
                    "only applies when moving to in_progress, submitted or approved",
                ))
            }
            Some(d) => Date::parse("date", &d)?,
        };
        let expiry = match self.expiry_date {
            Some(_) if !matches!(to, Approved | Completed) => {
                return Err(check::invalid(
                    "expiry_date",
                    "can only be set when approving or completing",
                ))
            }
            Some(d) => Some(Date::parse("expiry_date", &d)?.to_string()),
            None => None,
        };
        let note = check::opt(self.note, |s| check::text("note", s, 1, check::MAX_NOTES, true))?;
        let mut t = Transition {
            from: current.status,
            to,
            start_date: current.start_date.clone(),
            submitted_at: current.submitted_at.clone(),
            approved_at: current.approved_at.clone(),
            expiry_date: expiry.or_else(|| current.expiry_date.clone()),
            note,
        };
        let stamp = Some(when.to_string());
        match to {
            InProgress => t.start_date = t.start_date.or(stamp),
            Submitted => t.submitted_at = stamp,
            Approved => {
                t.approved_at = stamp;
                if t.expiry_date.is_none() {
                    t.expiry_date = validity_days.filter(|d| *d > 0).map(|d| when.add_days(d).to_string());
                }
            }
            _ => {}
        }
        Ok(t)
    }
}

#[cfg(test)]
mod tests;
