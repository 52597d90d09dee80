//! Clients: their fields (declared once in [`ClientFields`] and [`COLUMNS`], checked once per field by
//! [`check_field`]), the create and patch bodies, and the list query.

use serde::{Deserialize, Serialize};

use super::check::{clear_or, email, id, invalid, opt, phone, text, MAX_NAME, MAX_NOTES, MAX_QUERY, MAX_SHORT};
use super::list::{consultant, needle, phone_digits, Paging};
use super::record::Cell;
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

/// A client's editable fields, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientFields {
    pub full_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub whatsapp: Option<String>,
    pub nationality: Option<String>,
    pub company_name: Option<String>,
    pub status: ClientStatus,
    pub consultant_id: Option<String>,
    pub language: Lang,
    pub notes: Option<String>,
}

/// The stored columns of [`ClientFields`], in the order of [`ClientFields::cells`]: the select list,
/// the INSERT and the UPDATE of the worker's client store are built from this.
pub const COLUMNS: [&str; 10] = [
    "full_name",
    "email",
    "phone",
    "whatsapp",
    "nationality",
    "company_name",
    "status",
    "consultant_id",
    "language",
    "notes",
];

impl ClientFields {
    /// The values of [`COLUMNS`], in order.
    pub fn cells(&self) -> [Cell<'_>; 10] {
        [
            Cell::Text(&self.full_name),
            self.email.as_deref().into(),
            self.phone.as_deref().into(),
            self.whatsapp.as_deref().into(),
            self.nationality.as_deref().into(),
            self.company_name.as_deref().into(),
            Cell::Text(self.status.as_str()),
            self.consultant_id.as_deref().into(),
            Cell::Text(self.language.code()),
            self.notes.as_deref().into(),
        ]
    }
}

/// The check of each free-text field, by name: the one place a client field's rule is written
/// (creates and patches both use it).
fn check_field(field: &'static str) -> impl Fn(&str) -> Result<String, ApiError> {
    move |s| match field {
        "full_name" => text(field, s, 1, MAX_NAME, false),
        "email" => email(field, s),
        "phone" | "whatsapp" => phone(field, s),
        "nationality" | "company_name" => text(field, s, 1, MAX_SHORT, false),
        "consultant_id" => id(field, s),
        _ => text(field, s, 1, MAX_NOTES, true),
    }
}

/// `POST /crm/clients`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewClientBody {
    pub full_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub whatsapp: Option<String>,
    pub nationality: Option<String>,
    pub company_name: Option<String>,
    pub status: Option<ClientStatus>,
    pub consultant_id: Option<String>,
    pub language: Option<Lang>,
    pub notes: Option<String>,
}

impl NewClientBody {
    pub fn validate(self) -> Result<ClientFields, ApiError> {
        Ok(ClientFields {
            full_name: check_field("full_name")(&self.full_name)?,
            email: opt(self.email, check_field("email"))?,
            phone: opt(self.phone, check_field("phone"))?,
            whatsapp: opt(self.whatsapp, check_field("whatsapp"))?,
            nationality: opt(self.nationality, check_field("nationality"))?,
            company_name: opt(self.company_name, check_field("company_name"))?,
            status: self.status.unwrap_or(ClientStatus::Lead),
            consultant_id: opt(self.consultant_id, check_field("consultant_id"))?,
            language: self.language.unwrap_or(Lang::En),
            notes: opt(self.notes, check_field("notes"))?,
        })
    }
}

/// `PATCH /crm/clients/{id}`: absent or null fields stay as they are; an empty string clears an
/// optional field. `version` (or `If-Match`) is the version the caller read.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientPatchBody {
    pub full_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub whatsapp: Option<String>,
    pub nationality: Option<String>,
    pub company_name: Option<String>,
    pub status: Option<ClientStatus>,
    pub consultant_id: Option<String>,
    pub language: Option<Lang>,
    pub notes: Option<String>,
    pub version: Option<i64>,
}

impl ClientPatchBody {
    /// The record after this patch.
    pub fn apply(self, mut c: ClientFields) -> Result<ClientFields, ApiError> {
        if let Some(n) = self.full_name {
            c.full_name = check_field("full_name")(&n)?;
        }
        for (field, value, slot) in [
            ("email", self.email, &mut c.email),
            ("phone", self.phone, &mut c.phone),
            ("whatsapp", self.whatsapp, &mut c.whatsapp),
            ("nationality", self.nationality, &mut c.nationality),
            ("company_name", self.company_name, &mut c.company_name),
            ("consultant_id", self.consultant_id, &mut c.consultant_id),
            ("notes", self.notes, &mut c.notes),
        ] {
            if let Some(v) = clear_or(value, check_field(field))? {
                *slot = v;
            }
        }
        if let Some(s) = self.status {
            c.status = s;
        }
        if let Some(l) = self.language {
            c.language = l;
        }
        Ok(c)
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

#[cfg(test)]
mod tests {
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
