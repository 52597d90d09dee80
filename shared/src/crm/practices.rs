//! Practices: their fields (declared once in [`PracticeFields`] and [`COLUMNS`]), the create and patch
//! bodies and the list query. Status changes are the workflow's ([`super::status`]).

use serde::{Deserialize, Serialize};

use super::check::{clear_or, date, id, idr, invalid, opt, text, type_code, MAX_NOTES};
use super::list::{consultant, opt_id, Paging};
use super::record::Cell;
use super::status::{self, PracticeStatus};
use crate::error::ApiError;

/// A practice's editable fields (status changes go through [`status::StatusChangeBody`]). Dates are `YYYY-MM-DD`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PracticeFields {
    pub type_code: String,
    pub consultant_id: Option<String>,
    pub fee_idr: Option<i64>,
    pub start_date: Option<String>,
    pub submitted_at: Option<String>,
    pub approved_at: Option<String>,
    pub expiry_date: Option<String>,
    pub notes: Option<String>,
}

/// The stored columns of [`PracticeFields`], in the order of [`PracticeFields::cells`].
pub const COLUMNS: [&str; 8] = [
    "type_code",
    "consultant_id",
    "fee_idr",
    "start_date",
    "submitted_at",
    "approved_at",
    "expiry_date",
    "notes",
];

impl PracticeFields {
    /// The values of [`COLUMNS`], in order.
    pub fn cells(&self) -> [Cell<'_>; 8] {
        [
            Cell::Text(&self.type_code),
            self.consultant_id.as_deref().into(),
            self.fee_idr.into(),
            self.start_date.as_deref().into(),
            self.submitted_at.as_deref().into(),
            self.approved_at.as_deref().into(),
            self.expiry_date.as_deref().into(),
            self.notes.as_deref().into(),
        ]
    }
}

/// `POST /crm/practices`. Without `fee_idr`, the type's default fee applies.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPracticeBody {
    pub client_id: String,
    pub type_code: String,
    pub consultant_id: Option<String>,
    pub fee_idr: Option<i64>,
    pub start_date: Option<String>,
    pub expiry_date: Option<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPractice {
    pub client_id: String,
    pub fields: PracticeFields,
}

fn notes(s: &str) -> Result<String, ApiError> {
    text("notes", s, 1, MAX_NOTES, true)
}

impl NewPracticeBody {
    pub fn validate(self) -> Result<NewPractice, ApiError> {
        Ok(NewPractice {
            client_id: id("client_id", &self.client_id)?,
            fields: PracticeFields {
                type_code: type_code("type_code", &self.type_code)?,
                consultant_id: opt(self.consultant_id, |s| id("consultant_id", s))?,
                fee_idr: self.fee_idr.map(|v| idr("fee_idr", v)).transpose()?,
                start_date: opt(self.start_date, |s| date("start_date", s))?,
                submitted_at: None,
                approved_at: None,
                expiry_date: opt(self.expiry_date, |s| date("expiry_date", s))?,
                notes: opt(self.notes, notes)?,
            },
        })
    }
}

/// `PATCH /crm/practices/{id}`: same rules as [`super::clients::ClientPatchBody`].
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PracticePatchBody {
    pub type_code: Option<String>,
    pub consultant_id: Option<String>,
    pub fee_idr: Option<i64>,
    pub start_date: Option<String>,
    pub submitted_at: Option<String>,
    pub approved_at: Option<String>,
    pub expiry_date: Option<String>,
    pub notes: Option<String>,
    pub version: Option<i64>,
}

impl PracticePatchBody {
    pub fn apply(self, mut p: PracticeFields) -> Result<PracticeFields, ApiError> {
        if let Some(t) = self.type_code {
            p.type_code = type_code("type_code", &t)?;
        }
        if let Some(v) = clear_or(self.consultant_id, |s| id("consultant_id", s))? {
            p.consultant_id = v;
        }
        if let Some(f) = self.fee_idr {
            p.fee_idr = Some(idr("fee_idr", f)?);
        }
        for (field, value, slot) in [
            ("start_date", self.start_date, &mut p.start_date),
            ("submitted_at", self.submitted_at, &mut p.submitted_at),
            ("approved_at", self.approved_at, &mut p.approved_at),
            ("expiry_date", self.expiry_date, &mut p.expiry_date),
        ] {
            if let Some(v) = clear_or(value, |s| date(field, s))? {
                *slot = v;
            }
        }
        if let Some(v) = clear_or(self.notes, notes)? {
            p.notes = v;
        }
        Ok(p)
    }
}

/// Query of `GET /crm/practices`.
#[derive(Debug, Default, Deserialize)]
pub struct PracticeListQuery {
    pub client_id: Option<String>,
    pub status: Option<String>,
    pub consultant_id: Option<String>,
    pub type_code: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PracticeFilter {
    pub client_id: Option<String>,
    pub status: Option<PracticeStatus>,
    pub consultant_id: Option<String>,
    pub type_code: Option<String>,
    pub page: Paging,
}

impl PracticeListQuery {
    pub fn validate(self, me_id: &str) -> Result<PracticeFilter, ApiError> {
        Ok(PracticeFilter {
            client_id: opt_id("client_id", self.client_id.as_deref())?,
            status: self
                .status
                .map(|s| {
                    PracticeStatus::parse(&s).ok_or_else(|| {
                        let all: Vec<&str> = status::ALL.iter().map(|s| s.as_str()).collect();
                        invalid("status", &format!("must be one of {}", all.join(", ")))
                    })
                })
                .transpose()?,
            consultant_id: consultant(self.consultant_id, me_id)?,
            type_code: self
                .type_code
                .as_deref()
                .map(|s| type_code("type_code", s))
                .transpose()?,
            page: Paging::parse(self.cursor.as_deref(), self.limit.as_deref())?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn practice_inputs() {
        let p = NewPracticeBody {
            client_id: "c1".into(),
            type_code: "E33G".into(),
            consultant_id: None,
            fee_idr: Some(12_500_000),
            start_date: None,
            expiry_date: Some("2026-01-31".into()),
            notes: None,
        }
        .validate()
        .unwrap();
        assert_eq!(p.fields.expiry_date.as_deref(), Some("2026-01-31"));
        let bad_fee = NewPracticeBody {
            fee_idr: Some(-1),
            ..NewPracticeBody {
                client_id: "c".into(),
                type_code: "X".into(),
                consultant_id: None,
                fee_idr: None,
                start_date: None,
                expiry_date: None,
                notes: None,
            }
        };
        assert_eq!(bad_fee.validate().unwrap_err().status(), 422);
        let patched = PracticePatchBody {
            expiry_date: Some(String::new()),
            fee_idr: Some(5),
            ..Default::default()
        }
        .apply(p.fields)
        .unwrap();
        assert_eq!((patched.expiry_date.as_deref(), patched.fee_idr), (None, Some(5)));
        assert!(PracticePatchBody {
            start_date: Some("tomorrow".into()),
            ..Default::default()
        }
        .apply(patched)
        .is_err());
    }

    #[test]
    fn columns_are_the_fields_in_the_order_of_cells() {
        let p = PracticeFields {
            type_code: "E33G".into(),
            consultant_id: None,
            fee_idr: Some(7),
            start_date: Some("2025-01-02".into()),
            submitted_at: None,
            approved_at: Some("2025-02-03".into()),
            expiry_date: None,
            notes: Some("n".into()),
        };
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json.as_object().unwrap().len(), COLUMNS.len());
        for (col, cell) in COLUMNS.iter().zip(p.cells()) {
            let expected = match &json[*col] {
                serde_json::Value::Null => Cell::Null,
                serde_json::Value::String(s) => Cell::Text(s),
                serde_json::Value::Number(n) => Cell::Int(n.as_i64().unwrap()),
                other => panic!("{col}: {other}"),
            };
            assert_eq!(cell, expected, "{col}");
        }
    }

    #[test]
    fn list_filters() {
        let f = PracticeListQuery {
            status: Some("in_progress".into()),
            consultant_id: Some("me".into()),
            type_code: Some("E33G".into()),
            ..Default::default()
        }
        .validate("u1")
        .unwrap();
        assert_eq!(
            (
                f.status,
                f.consultant_id.as_deref(),
                f.type_code.as_deref(),
                f.page.limit
            ),
            (Some(PracticeStatus::InProgress), Some("u1"), Some("E33G"), 25)
        );
        let e = PracticeListQuery {
            status: Some("done".into()),
            ..Default::default()
        }
        .validate("u")
        .unwrap_err();
        assert!(
            e.message.starts_with("status: must be one of inquiry, quoted"),
            "{}",
            e.message
        );
    }
}
