//! Clients: their fields (declared once, with each field's check, by `writable_fields!`: the value
//! struct [`ClientFields`], the bodies [`NewClientBody`] and [`ClientPatchBody`], and [`COLUMNS`]), and the
//! list query.

use serde::{Deserialize, Serialize};

use super::check::{email, id, invalid, phone, text, MAX_NAME, MAX_NOTES, MAX_QUERY, MAX_SHORT};
use super::fields::{writable_fields, Choice, Named, Optional, Required};
use super::list::{consultant, needle, phone_digits, Paging};
use super::record::{versioned_insert, versioned_update};
use crate::error::ApiError;
use crate::lang::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClientStatus {
    Lead,
    Active,
    Inactive,
    Archived,
}

impl ClientStatus {
    pub const ALL: [ClientStatus; 4] = [Self::Lead, Self::Active, Self::Inactive, Self::Archived];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lead => "lead",
            Self::Active => "active",
            Self::Inactive => "inactive",
            Self::Archived => "archived",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

impl Named for ClientStatus {
    fn name(self) -> &'static str {
        self.as_str()
    }
}

impl Named for Lang {
    fn name(self) -> &'static str {
        self.code()
    }
}

writable_fields! {
    /// A client's editable fields, validated.
    fields ClientFields;
    /// `POST /crm/clients`
    create NewClientBody {}
    /// `PATCH /crm/clients/{id}`: absent or null fields stay as they are; an empty string clears an
    /// optional field. `version` (or `If-Match`) is the version the caller read.
    patch ClientPatchBody;
    /// The stored columns of [`ClientFields`], in the order of [`ClientFields::cells`]: the select list,
    /// the INSERT and the UPDATE of the worker's client store are built from this.
    columns COLUMNS;
    full_name: Required = |f, s| text(f, s, 1, MAX_NAME, false),
    email: Optional = email,
    phone: Optional = phone,
    whatsapp: Optional = phone,
    nationality: Optional = |f, s| text(f, s, 1, MAX_SHORT, false),
    company_name: Optional = |f, s| text(f, s, 1, MAX_SHORT, false),
    status: Choice<ClientStatus> = ClientStatus::Lead,
    consultant_id: Optional = id,
    language: Choice<Lang> = Lang::En,
    notes: Optional = |f, s| text(f, s, 1, MAX_NOTES, true),
}

impl NewClientBody {
    pub fn validate(self) -> Result<ClientFields, ApiError> {
        self.validate_with(|_| Ok(())).map(|((), f)| f)
    }
}

/// Query of `GET /crm/clients`.
#[derive(Debug, Default, Deserialize)]
pub struct ClientListQuery {
    pub q: Option<String>,
    pub status: Option<String>,
    pub consultant_id: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientFilter {
    /// Text to find (ASCII-lowercased) in name, e-mail, company and phone, matched with `instr()` against
    /// the clients' lower-cased `search_text`. Not `LIKE`: D1 refuses patterns over 50 bytes, and `instr`
    /// needs no escaping.
    pub needle: Option<String>,
    /// The digits of the query (4+), matched against phone numbers without their punctuation.
    pub digits: Option<String>,
    /// `None`: every status but archived.
    pub status: Option<ClientStatus>,
    pub consultant_id: Option<String>,
    pub page: Paging,
}

impl ClientListQuery {
    /// `me_id` resolves `consultant_id=me`.
    pub fn validate(self, me_id: &str) -> Result<ClientFilter, ApiError> {
        let q = match self.q.as_deref() {
            None => None,
            Some(q) if q.trim().is_empty() && q.chars().count() <= MAX_QUERY => None,
            Some(q) => Some(text("q", q, 1, MAX_QUERY, false)?),
        };
        let digits = q.as_deref().and_then(phone_digits);
        Ok(ClientFilter {
            needle: q.as_deref().map(needle),
            digits,
            status: self
                .status
                .map(|s| {
                    ClientStatus::parse(&s)
                        .ok_or_else(|| invalid("status", "must be lead, active, inactive or archived"))
                })
                .transpose()?,
            consultant_id: consultant(self.consultant_id, me_id)?,
            page: Paging::parse(self.cursor.as_deref(), self.limit.as_deref())?,
        })
    }
}

/// The INSERT of a new client: `?1` the id, then the values of [`COLUMNS`], then the creation time.
pub fn insert_sql() -> String {
    versioned_insert("clients", &["id"], &[], &COLUMNS)
}

/// The UPDATE of a client's fields (see [`versioned_update`]).
pub fn update_sql() -> String {
    versioned_update("clients", &COLUMNS)
}

#[cfg(test)]
mod tests {
    use super::super::record::Cell;
    use super::*;

    fn client() -> ClientFields {
        NewClientBody {
            full_name: "  Marco Rossi ".into(),
            email: Some("Marco.Rossi@Example.IT".into()),
            phone: Some("+39 (06) 1234567".into()),
            whatsapp: None,
            nationality: Some("Italian".into()),
            company_name: None,
            status: None,
            consultant_id: None,
            language: Some(Lang::It),
            notes: Some("Wants E33G.\nCall after 5pm.".into()),
        }
        .validate()
        .unwrap()
    }

    #[test]
    fn new_clients_are_trimmed_normalised_and_defaulted() {
        let c = client();
        assert_eq!(c.full_name, "Marco Rossi");
        assert_eq!(c.email.as_deref(), Some("marco.rossi@example.it"));
        assert_eq!(c.status, ClientStatus::Lead);
        assert_eq!(c.language, Lang::It);
        assert!(c.notes.unwrap().contains('\n'));
    }

    #[test]
    fn bad_client_fields_are_422_naming_the_field() {
        let long_name = "x".repeat(121);
        let long_notes = "x".repeat(4001);
        let cases = [
            ("full_name", "   "),
            ("full_name", long_name.as_str()),
            ("full_name", "a\u{0}b"),
            ("email", "not-an-email"),
            ("email", "admin@test.local'--"),
            ("phone", "call me"),
            ("whatsapp", "1; DROP TABLE"),
            ("consultant_id", "../x"),
            ("notes", long_notes.as_str()),
        ];
        for (field, value) in cases {
            let mut body = serde_json::json!({ "full_name": "A" });
            body[field] = value.into();
            let body: NewClientBody = serde_json::from_value(body).unwrap();
            let e = body.validate().unwrap_err();
            assert_eq!(e.status(), 422);
            assert!(e.message.starts_with(field), "{field}: {}", e.message);
        }
    }

    #[test]
    fn patches_change_clear_or_keep() {
        let c = client();
        let p = ClientPatchBody {
            phone: Some(String::new()),
            company_name: Some("PT Bali Rossi".into()),
            ..Default::default()
        };
        let after = p.apply(c.clone()).unwrap();
        assert_eq!(after.phone, None);
        assert_eq!(after.company_name.as_deref(), Some("PT Bali Rossi"));
        assert_eq!(after.email, c.email, "absent fields stay");
        assert!(
            ClientPatchBody {
                full_name: Some(" ".into()),
                ..Default::default()
            }
            .apply(c.clone())
            .is_err(),
            "a name cannot be cleared"
        );
        assert!(ClientPatchBody {
            email: Some("bad".into()),
            ..Default::default()
        }
        .apply(c)
        .is_err());
    }

    #[test]
    fn columns_are_the_fields_in_the_order_of_cells() {
        let c = client();
        let json = serde_json::to_value(&c).unwrap();
        let obj = json.as_object().unwrap();
        assert_eq!(obj.len(), COLUMNS.len(), "every field has a column");
        for (col, cell) in COLUMNS.iter().zip(c.cells()) {
            let expected = match &obj[*col] {
                serde_json::Value::Null => Cell::Null,
                serde_json::Value::String(s) => Cell::Text(s),
                other => panic!("{col}: {other}"),
            };
            assert_eq!(cell, expected, "{col}");
        }
        // The bodies accept exactly these fields (plus the patch's version).
        let all: serde_json::Map<String, serde_json::Value> =
            COLUMNS.iter().map(|c| (c.to_string(), obj[*c].clone())).collect();
        let mut body = serde_json::Value::Object(all);
        body["full_name"] = "A".into();
        assert!(serde_json::from_value::<NewClientBody>(body.clone()).is_ok());
        assert!(serde_json::from_value::<ClientPatchBody>(body.clone()).is_ok());
        body["extra"] = 1.into();
        assert!(serde_json::from_value::<NewClientBody>(body).is_err());
    }

    #[test]
    fn the_sql_names_every_column_once() {
        use super::super::record::{assert_names_every_column_once, named_columns};
        assert_names_every_column_once(&insert_sql(), &update_sql(), &COLUMNS);
        assert_eq!(
            named_columns(&insert_sql()).len(),
            COLUMNS.len() + 4,
            "id, the fields, version and the two times"
        );
        assert_eq!(
            insert_sql(),
            "INSERT INTO clients (id, full_name, email, phone, whatsapp, nationality, company_name, status, \
             consultant_id, language, notes, version, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 1, ?12, ?12)"
        );
    }

    #[test]
    fn bodies_are_read_as_before() {
        let e = serde_json::from_value::<NewClientBody>(serde_json::json!({ "email": "a@b.co" })).unwrap_err();
        assert_eq!(e.to_string(), "missing field `full_name`");
        let e = serde_json::from_value::<NewClientBody>(serde_json::json!({ "full_name": "A", "x": 1 })).unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown field `x`, expected one of `full_name`, `email`, `phone`, `whatsapp`, `nationality`, \
             `company_name`, `status`, `consultant_id`, `language`, `notes`"
        );
        let e = serde_json::from_value::<ClientPatchBody>(serde_json::json!({ "id": "c" })).unwrap_err();
        assert!(e.to_string().ends_with("`language`, `notes`, `version`"), "{e}");
        let e = serde_json::from_value::<ClientPatchBody>(serde_json::json!({ "status": "gone" })).unwrap_err();
        assert!(e.to_string().starts_with("unknown variant `gone`"), "{e}");
        // null is absent: nothing changes.
        let c = client();
        let p: ClientPatchBody =
            serde_json::from_value(serde_json::json!({ "email": null, "status": null, "version": 3 })).unwrap();
        assert_eq!(p.version, Some(3));
        assert_eq!(p.apply(c.clone()).unwrap(), c);
        let p: ClientPatchBody =
            serde_json::from_value(serde_json::json!({ "status": "active", "language": "id", "notes": "" })).unwrap();
        let after = p.apply(c).unwrap();
        assert_eq!(
            (after.status, after.language, after.notes),
            (ClientStatus::Active, Lang::Id, None)
        );
        let e = ClientPatchBody {
            phone: Some("call me".into()),
            ..Default::default()
        }
        .apply(client())
        .unwrap_err();
        assert_eq!(e.status(), 422);
        assert!(
            e.message.starts_with("phone: not a valid phone number"),
            "{}",
            e.message
        );
        assert_eq!(NewClientBody::field_names(), COLUMNS);
        assert_eq!(ClientPatchBody::field_names().len(), COLUMNS.len() + 1);
    }

    #[test]
    fn list_filters() {
        let f = ClientListQuery {
            q: Some(" 50%_Off É ".into()),
            status: Some("active".into()),
            consultant_id: Some("me".into()),
            ..Default::default()
        }
        .validate("u1")
        .unwrap();
        assert_eq!(
            f.needle.as_deref(),
            Some("50%_off É"),
            "taken literally, ASCII-lowercased like SQLite's lower()"
        );
        assert_eq!(f.digits, None);
        assert_eq!(
            (f.status, f.consultant_id.as_deref(), f.page.limit),
            (Some(ClientStatus::Active), Some("u1"), 25)
        );
        let f = ClientListQuery {
            q: Some("0813-3805".into()),
            ..Default::default()
        }
        .validate("u")
        .unwrap();
        assert_eq!(f.digits.as_deref(), Some("8133805"), "a local leading 0 is dropped");
        assert!(ClientListQuery {
            status: Some("gone".into()),
            ..Default::default()
        }
        .validate("u")
        .is_err());
        assert!(ClientListQuery {
            q: Some("x".repeat(101)),
            ..Default::default()
        }
        .validate("u")
        .is_err());
    }
}
