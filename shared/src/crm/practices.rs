//! Practices: their fields (declared once, with each field's check, by `writable_fields!`: the value
//! struct [`PracticeFields`], the bodies [`NewPracticeBody`] and [`PracticePatchBody`], and [`COLUMNS`]),
//! and the list query. Status changes are the workflow's ([`super::status`]).

use serde::Deserialize;

use super::check::{date, id, idr, invalid, text, type_code, MAX_NOTES};
use super::fields::{writable_fields, Money, Optional, Required};
use super::list::{consultant, opt_id, Paging};
use super::record::{versioned_insert, versioned_update};
use super::status::{self, PracticeStatus};
use crate::error::ApiError;

writable_fields! {
    /// A practice's editable fields (status changes go through [`status::StatusChangeBody`]). Dates are `YYYY-MM-DD`.
    fields PracticeFields;
    /// `POST /crm/practices`. Without `fee_idr`, the type's default fee applies. A new practice has no
    /// submission or approval date yet (the workflow stamps them).
    create NewPracticeBody { client_id: String }
    /// `PATCH /crm/practices/{id}`: same rules as [`super::clients::ClientPatchBody`].
    patch PracticePatchBody;
    /// The stored columns of [`PracticeFields`], in the order of [`PracticeFields::cells`].
    columns COLUMNS;
    type_code: Required = type_code,
    consultant_id: Optional = id,
    fee_idr: Money = idr,
    start_date: Optional = date,
    #[create(serde(skip_deserializing))]
    submitted_at: Optional = date,
    #[create(serde(skip_deserializing))]
    approved_at: Optional = date,
    expiry_date: Optional = date,
    notes: Optional = |f, s| text(f, s, 1, MAX_NOTES, true),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPractice {
    pub client_id: String,
    pub fields: PracticeFields,
}

impl NewPracticeBody {
    pub fn validate(self) -> Result<NewPractice, ApiError> {
        let (client_id, fields) = self.validate_with(|b| id("client_id", &b.client_id))?;
        Ok(NewPractice { client_id, fields })
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

/// The INSERT of a new practice: `?1` the id, `?2` the client id, then the values of [`COLUMNS`], then the creation time.
pub fn insert_sql() -> String {
    versioned_insert(
        "practices",
        &["id", "client_id"],
        &[("status", "'inquiry'"), ("paid_idr", "0")],
        &COLUMNS,
    )
}

/// The UPDATE of a practice's fields (see [`versioned_update`]).
pub fn update_sql() -> String {
    versioned_update("practices", &COLUMNS)
}

#[cfg(test)]
mod tests {
    use super::super::record::Cell;
    use super::*;

    #[test]
    fn practice_inputs() {
        let p = NewPracticeBody {
            client_id: "c1".into(),
            type_code: "E33G".into(),
            consultant_id: None,
            fee_idr: Some(12_500_000),
            start_date: None,
            submitted_at: None,
            approved_at: None,
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
                submitted_at: None,
                approved_at: None,
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
    fn the_sql_names_every_column_once() {
        use super::super::record::assert_names_every_column_once;
        assert_names_every_column_once(&insert_sql(), &update_sql(), &COLUMNS);
        assert_eq!(
            insert_sql(),
            "INSERT INTO practices (id, client_id, status, paid_idr, type_code, consultant_id, fee_idr, start_date, \
             submitted_at, approved_at, expiry_date, notes, version, created_at, updated_at) \
             VALUES (?1, ?2, 'inquiry', 0, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 1, ?11, ?11)"
        );
    }

    #[test]
    fn bodies_are_read_as_before() {
        let read = |v: serde_json::Value| serde_json::from_value::<NewPracticeBody>(v);
        let e = read(serde_json::json!({ "client_id": "c", "type_code": "E33G", "submitted_at": "2025-01-01" }))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown field `submitted_at`, expected one of `client_id`, `type_code`, `consultant_id`, `fee_idr`, \
             `start_date`, `expiry_date`, `notes`",
            "a new practice has no submission date"
        );
        assert_eq!(
            read(serde_json::json!({ "type_code": "E33G" }))
                .unwrap_err()
                .to_string(),
            "missing field `client_id`"
        );
        let e = read(serde_json::json!({ "client_id": "../c", "type_code": "bad code" }))
            .unwrap()
            .validate()
            .unwrap_err();
        assert!(
            e.message.starts_with("client_id: "),
            "the extra field is checked first: {}",
            e.message
        );
        let p = read(serde_json::json!({ "client_id": "c1", "type_code": "E33G", "fee_idr": null, "notes": " n " }))
            .unwrap()
            .validate()
            .unwrap();
        assert_eq!(
            (p.client_id.as_str(), p.fields.fee_idr, p.fields.notes.as_deref()),
            ("c1", None, Some("n"))
        );
        assert_eq!(p.fields.submitted_at, None);
        let e = serde_json::from_value::<PracticePatchBody>(serde_json::json!({ "approved_at": "2025-13-01" }))
            .unwrap()
            .apply(p.fields.clone())
            .unwrap_err();
        assert!(e.message.starts_with("approved_at "), "{}", e.message);
        let e = serde_json::from_value::<PracticePatchBody>(serde_json::json!({ "fee_idr": -5 }))
            .unwrap()
            .apply(p.fields.clone())
            .unwrap_err();
        assert!(
            e.message.starts_with("fee_idr: must be a whole amount"),
            "{}",
            e.message
        );
        let e = serde_json::from_value::<PracticePatchBody>(serde_json::json!({ "fee_idr": "" })).unwrap_err();
        assert!(e.to_string().starts_with("invalid type: string"), "{e}");
        let kept =
            serde_json::from_value::<PracticePatchBody>(serde_json::json!({ "fee_idr": null, "type_code": null }))
                .unwrap()
                .apply(p.fields.clone())
                .unwrap();
        assert_eq!(kept, p.fields);
        assert_eq!(
            NewPracticeBody::field_names(),
            [
                "client_id",
                "type_code",
                "consultant_id",
                "fee_idr",
                "start_date",
                "expiry_date",
                "notes"
            ]
        );
        assert_eq!(PracticePatchBody::field_names().len(), COLUMNS.len() + 1);
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
