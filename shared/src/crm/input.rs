//! Validated CRM inputs. Request bodies are read into the `*Body` structs (unknown fields refused) and
//! then checked into plain values; a failure is a 422 that names the field. Limits here match the
//! OpenAPI description (`crm::openapi`), and the server is never looser than the schema.

use serde::{Deserialize, Serialize};

use super::cursor::{page_size, Cursor};
use super::dates::Date;
use super::status::PracticeStatus;
use super::{DEFAULT_PAGE, MAX_PAGE};
use crate::error::ApiError;
use crate::ids::EntityId;
use crate::validate;

/// Largest amount of money accepted (IDR 1 trillion), well inside JavaScript's exact integers.
pub const MAX_IDR: i64 = 1_000_000_000_000;
pub const MAX_NAME: usize = 120;
pub const MAX_EMAIL: usize = 254;
pub const MAX_PHONE: usize = 40;
pub const MAX_SHORT: usize = 120;
pub const MAX_NOTES: usize = 4000;
pub const MAX_QUERY: usize = 100;

// ───────────────────────────── field checks ─────────────────────────────

fn invalid(field: &str, why: &str) -> ApiError {
    ApiError::validation(format!("{field}: {why}"))
}

/// Trimmed text of `min..=max` characters. `multiline` allows newlines and tabs; other control
/// characters are always refused.
pub fn text(field: &str, s: &str, min: usize, max: usize, multiline: bool) -> Result<String, ApiError> {
    if s.chars().count() > max {
        return Err(invalid(field, &format!("must be at most {max} characters")));
    }
    let t = s.trim();
    if t.chars().count() < min {
        return Err(invalid(field, &format!("must be at least {min} non-blank characters")));
    }
    if t.chars()
        .any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\t' | '\r')))
    {
        return Err(invalid(field, "must not contain control characters"));
    }
    Ok(t.to_string())
}

/// An optional text field of a patch: absent → unchanged (`None`), `""` → cleared (`Some(None)`).
fn clearable(field: &str, v: Option<String>, max: usize, multiline: bool) -> Result<Option<Option<String>>, ApiError> {
    match v {
        None => Ok(None),
        Some(s) if s.is_empty() => Ok(Some(None)),
        Some(s) => text(field, &s, 1, max, multiline).map(|t| Some(Some(t))),
    }
}

pub fn email(field: &str, s: &str) -> Result<String, ApiError> {
    let t = s.trim();
    if s.chars().count() > MAX_EMAIL || !validate::email(t) {
        return Err(invalid(field, "not a valid e-mail address"));
    }
    Ok(t.to_ascii_lowercase())
}

pub fn phone(field: &str, s: &str) -> Result<String, ApiError> {
    let t = s.trim();
    if s.chars().count() > MAX_PHONE || !validate::phone(t) {
        return Err(invalid(
            field,
            "not a valid phone number (7-15 digits, optional +, spaces, dots, dashes, parentheses)",
        ));
    }
    Ok(t.to_string())
}

pub fn id(field: &str, s: &str) -> Result<String, ApiError> {
    EntityId::parse(s)
        .map(|e| e.as_str().to_string())
        .map_err(|_| invalid(field, "must be 1-64 characters of letters, digits, '-' or '_'"))
}

pub fn idr(field: &str, v: i64) -> Result<i64, ApiError> {
    if (0..=MAX_IDR).contains(&v) {
        Ok(v)
    } else {
        Err(invalid(
            field,
            &format!("must be a whole amount of rupiah from 0 to {MAX_IDR}"),
        ))
    }
}

fn date(field: &str, s: &str) -> Result<String, ApiError> {
    Date::parse(field, s).map(|d| d.to_string())
}

/// A practice-type code: 1-64 characters of letters, digits, `-` or `_`.
pub fn type_code(field: &str, s: &str) -> Result<String, ApiError> {
    id(field, s)
}

// ───────────────────────────── enums ─────────────────────────────

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    En,
    Id,
    It,
}

impl Language {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Id => "id",
            Self::It => "it",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::En, Self::Id, Self::It].into_iter().find(|v| v.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InteractionKind {
    Chat,
    Email,
    Whatsapp,
    Call,
    Meeting,
    Note,
    /// Written by the renewal job only.
    Reminder,
}

impl InteractionKind {
    /// The kinds a person may log by hand.
    pub const MANUAL: [InteractionKind; 6] = [
        Self::Chat,
        Self::Email,
        Self::Whatsapp,
        Self::Call,
        Self::Meeting,
        Self::Note,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Chat => "chat",
            Self::Email => "email",
            Self::Whatsapp => "whatsapp",
            Self::Call => "call",
            Self::Meeting => "meeting",
            Self::Note => "note",
            Self::Reminder => "reminder",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::MANUAL.as_slice(), &[Self::Reminder]]
            .concat()
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PaymentMethod {
    Transfer,
    Cash,
    Card,
    Other,
}

impl PaymentMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Transfer => "transfer",
            Self::Cash => "cash",
            Self::Card => "card",
            Self::Other => "other",
        }
    }
}

// ───────────────────────────── clients ─────────────────────────────

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
    pub language: Language,
    pub notes: Option<String>,
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
    pub language: Option<Language>,
    pub notes: Option<String>,
}

fn opt<T>(v: Option<String>, f: impl Fn(&str) -> Result<T, ApiError>) -> Result<Option<T>, ApiError> {
    v.as_deref().map(f).transpose()
}

impl NewClientBody {
    pub fn validate(self) -> Result<ClientFields, ApiError> {
        Ok(ClientFields {
            full_name: text("full_name", &self.full_name, 1, MAX_NAME, false)?,
            email: opt(self.email, |s| email("email", s))?,
            phone: opt(self.phone, |s| phone("phone", s))?,
            whatsapp: opt(self.whatsapp, |s| phone("whatsapp", s))?,
            nationality: opt(self.nationality, |s| text("nationality", s, 1, MAX_SHORT, false))?,
            company_name: opt(self.company_name, |s| text("company_name", s, 1, MAX_SHORT, false))?,
            status: self.status.unwrap_or(ClientStatus::Lead),
            consultant_id: opt(self.consultant_id, |s| id("consultant_id", s))?,
            language: self.language.unwrap_or(Language::En),
            notes: opt(self.notes, |s| text("notes", s, 1, MAX_NOTES, true))?,
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
    pub language: Option<Language>,
    pub notes: Option<String>,
    pub version: Option<i64>,
}

fn clear_or<T>(v: Option<String>, f: impl Fn(&str) -> Result<T, ApiError>) -> Result<Option<Option<T>>, ApiError> {
    match v {
        None => Ok(None),
        Some(s) if s.is_empty() => Ok(Some(None)),
        Some(s) => f(&s).map(|t| Some(Some(t))),
    }
}

impl ClientPatchBody {
    /// The record after this patch.
    pub fn apply(self, mut c: ClientFields) -> Result<ClientFields, ApiError> {
        if let Some(n) = self.full_name {
            c.full_name = text("full_name", &n, 1, MAX_NAME, false)?;
        }
        if let Some(v) = clear_or(self.email, |s| email("email", s))? {
            c.email = v;
        }
        if let Some(v) = clear_or(self.phone, |s| phone("phone", s))? {
            c.phone = v;
        }
        if let Some(v) = clear_or(self.whatsapp, |s| phone("whatsapp", s))? {
            c.whatsapp = v;
        }
        if let Some(v) = clearable("nationality", self.nationality, MAX_SHORT, false)? {
            c.nationality = v;
        }
        if let Some(v) = clearable("company_name", self.company_name, MAX_SHORT, false)? {
            c.company_name = v;
        }
        if let Some(s) = self.status {
            c.status = s;
        }
        if let Some(v) = clear_or(self.consultant_id, |s| id("consultant_id", s))? {
            c.consultant_id = v;
        }
        if let Some(l) = self.language {
            c.language = l;
        }
        if let Some(v) = clearable("notes", self.notes, MAX_NOTES, true)? {
            c.notes = v;
        }
        Ok(c)
    }
}

// ───────────────────────────── practices ─────────────────────────────

/// A practice's editable fields (status changes go through [`StatusChangeBody`]). Dates are `YYYY-MM-DD`.
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
                notes: opt(self.notes, |s| text("notes", s, 1, MAX_NOTES, true))?,
            },
        })
    }
}

/// `PATCH /crm/practices/{id}`: same rules as [`ClientPatchBody`].
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
        if let Some(v) = clearable("notes", self.notes, MAX_NOTES, true)? {
            p.notes = v;
        }
        Ok(p)
    }
}

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
        super::status::check_transition(current.status, self.status)?;
        let to = self.status;
        let when = match self.date {
            None => today,
            Some(_) if to.stamps().is_none() => {
                return Err(invalid(
                    "date",
                    "only applies when moving to in_progress, submitted or approved",
                ))
            }
            Some(d) => Date::parse("date", &d)?,
        };
        let expiry = match self.expiry_date {
            Some(_) if !matches!(to, PracticeStatus::Approved | PracticeStatus::Completed) => {
                return Err(invalid("expiry_date", "can only be set when approving or completing"))
            }
            Some(d) => Some(Date::parse("expiry_date", &d)?.to_string()),
            None => None,
        };
        let note = opt(self.note, |s| text("note", s, 1, MAX_NOTES, true))?;
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
            PracticeStatus::InProgress => t.start_date = t.start_date.or(stamp),
            PracticeStatus::Submitted => t.submitted_at = stamp,
            PracticeStatus::Approved => {
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

/// `POST /crm/practices/{id}/payments`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentBody {
    pub amount_idr: i64,
    pub paid_on: Option<String>,
    pub method: Option<PaymentMethod>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    pub amount_idr: i64,
    pub paid_on: String,
    pub method: PaymentMethod,
    pub note: Option<String>,
}

impl PaymentBody {
    pub fn validate(self, today: Date) -> Result<Payment, ApiError> {
        if !(1..=MAX_IDR).contains(&self.amount_idr) {
            return Err(invalid(
                "amount_idr",
                &format!("must be a whole amount of rupiah from 1 to {MAX_IDR}"),
            ));
        }
        let paid_on = match self.paid_on {
            Some(d) => Date::parse("paid_on", &d)?,
            None => today,
        };
        if paid_on > today.add_days(1) {
            return Err(invalid("paid_on", "cannot be in the future"));
        }
        Ok(Payment {
            amount_idr: self.amount_idr,
            paid_on: paid_on.to_string(),
            method: self.method.unwrap_or(PaymentMethod::Transfer),
            note: opt(self.note, |s| text("note", s, 1, MAX_NOTES, true))?,
        })
    }
}

// ───────────────────────────── interactions ─────────────────────────────

/// `POST /crm/clients/{id}/interactions`. `occurred_at` is Unix milliseconds (default: now).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InteractionBody {
    pub kind: InteractionKind,
    pub summary: String,
    pub practice_id: Option<String>,
    pub occurred_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInteraction {
    pub kind: InteractionKind,
    pub summary: String,
    pub practice_id: Option<String>,
    pub occurred_at: i64,
}

/// 2000-01-01T00:00:00Z: nothing the firm logs is older.
pub const EARLIEST_MS: i64 = 946_684_800_000;

impl InteractionBody {
    pub fn validate(self, now_ms: i64) -> Result<NewInteraction, ApiError> {
        if self.kind == InteractionKind::Reminder {
            return Err(invalid("kind", "reminders are written by the renewal job; use note"));
        }
        let occurred_at = self.occurred_at.unwrap_or(now_ms);
        if occurred_at < EARLIEST_MS || occurred_at > now_ms + 86_400_000 {
            return Err(invalid(
                "occurred_at",
                "must be Unix milliseconds between 2000 and tomorrow",
            ));
        }
        Ok(NewInteraction {
            kind: self.kind,
            summary: text("summary", &self.summary, 1, MAX_NOTES, true)?,
            practice_id: opt(self.practice_id, |s| id("practice_id", s))?,
            occurred_at,
        })
    }
}

/// `POST /crm/interactions/from-conversation`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FromConversationBody {
    pub client_id: String,
    pub conversation_id: String,
    pub practice_id: Option<String>,
}

/// Work sessions: an optional note.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockBody {
    pub notes: Option<String>,
}

impl ClockBody {
    pub fn notes(self) -> Result<Option<String>, ApiError> {
        opt(self.notes, |s| text("notes", s, 1, 500, true))
    }
}

// ───────────────────────────── optimistic concurrency ─────────────────────────────

/// The version an update is based on, from `If-Match` (`3`, `"3"` or `W/"3"`) or the body's `version`.
/// Neither → 422 (an update must say what it read); both and different → 422.
pub fn resolve_version(if_match: Option<&str>, body: Option<i64>) -> Result<i64, ApiError> {
    let header = match if_match.map(str::trim).filter(|h| !h.is_empty()) {
        None => None,
        Some(h) => {
            let v = h.strip_prefix("W/").unwrap_or(h).trim_matches('"');
            let n = v
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 1 && v.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| ApiError::validation("If-Match must be the record's version, e.g. \"3\""))?;
            Some(n)
        }
    };
    match (header, body) {
        (Some(h), Some(b)) if h != b => Err(ApiError::validation("If-Match and version disagree")),
        (Some(v), _) | (None, Some(v)) if v >= 1 => Ok(v),
        (None, Some(_)) => Err(ApiError::validation("version must be at least 1")),
        _ => Err(ApiError::validation(
            "send the version you read: an If-Match header or a version field (updates of stale data are refused with 409)",
        )),
    }
}

/// The ETag of a record version (what `If-Match` sends back).
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

// ───────────────────────────── list filters ─────────────────────────────

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
    pub cursor: Option<Cursor>,
    pub limit: u32,
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
            consultant_id: self
                .consultant_id
                .map(|c| {
                    if c == "me" {
                        Ok(me_id.to_string())
                    } else {
                        id("consultant_id", &c)
                    }
                })
                .transpose()?,
            cursor: self.cursor.as_deref().map(Cursor::decode).transpose()?,
            limit: page_size(self.limit.as_deref(), DEFAULT_PAGE, MAX_PAGE)?,
        })
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
    pub cursor: Option<Cursor>,
    pub limit: u32,
}

impl PracticeListQuery {
    pub fn validate(self, me_id: &str) -> Result<PracticeFilter, ApiError> {
        Ok(PracticeFilter {
            client_id: self.client_id.as_deref().map(|s| id("client_id", s)).transpose()?,
            status: self
                .status
                .map(|s| {
                    PracticeStatus::parse(&s).ok_or_else(|| {
                        let all: Vec<&str> = super::status::ALL.iter().map(|s| s.as_str()).collect();
                        invalid("status", &format!("must be one of {}", all.join(", ")))
                    })
                })
                .transpose()?,
            consultant_id: self
                .consultant_id
                .map(|c| {
                    if c == "me" {
                        Ok(me_id.to_string())
                    } else {
                        id("consultant_id", &c)
                    }
                })
                .transpose()?,
            type_code: self
                .type_code
                .as_deref()
                .map(|s| type_code("type_code", s))
                .transpose()?,
            cursor: self.cursor.as_deref().map(Cursor::decode).transpose()?,
            limit: page_size(self.limit.as_deref(), DEFAULT_PAGE, MAX_PAGE)?,
        })
    }
}

/// Query of the other paged lists (interactions, documents).
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    pub client_id: Option<String>,
    pub practice_id: Option<String>,
    pub kind: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub client_id: Option<String>,
    pub practice_id: Option<String>,
    pub kind: Option<InteractionKind>,
    pub cursor: Option<Cursor>,
    pub limit: u32,
}

impl PageQuery {
    pub fn validate(self) -> Result<Page, ApiError> {
        Ok(Page {
            client_id: self.client_id.as_deref().map(|s| id("client_id", s)).transpose()?,
            practice_id: self.practice_id.as_deref().map(|s| id("practice_id", s)).transpose()?,
            kind: self
                .kind
                .map(|k| InteractionKind::parse(&k).ok_or_else(|| invalid("kind", "is not an interaction kind")))
                .transpose()?,
            cursor: self.cursor.as_deref().map(Cursor::decode).transpose()?,
            limit: page_size(self.limit.as_deref(), DEFAULT_PAGE, MAX_PAGE)?,
        })
    }
}

/// The digits of a search that looks like (part of) a phone number, without leading zeros so that a
/// local `0812…` finds a stored `+62 812…`; `None` below 4 digits.
pub fn phone_digits(q: &str) -> Option<String> {
    let digits: String = q.chars().filter(char::is_ascii_digit).collect();
    let trimmed = digits.trim_start_matches('0');
    (trimmed.len() >= 4).then(|| trimmed.to_string())
}

/// The search text as `instr(search_text, …)` wants it: SQLite's `lower()` folds ASCII only, so this does too.
pub fn needle(q: &str) -> String {
    q.trim().to_ascii_lowercase()
}

/// `within_days` of the renewals route: 1..=365, default 30.
pub fn within_days(raw: Option<&str>) -> Result<i64, ApiError> {
    match raw {
        None => Ok(30),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=365).contains(n) && s.len() <= 3 && s.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| invalid("within_days", "must be a whole number of days from 1 to 365")),
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
            language: Some(Language::It),
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
        assert_eq!(c.language, Language::It);
        assert!(c.notes.unwrap().contains('\n'));
    }

    #[test]
    fn bad_client_fields_are_422_naming_the_field() {
        let base = || NewClientBody {
            full_name: "A".into(),
            email: None,
            phone: None,
            whatsapp: None,
            nationality: None,
            company_name: None,
            status: None,
            consultant_id: None,
            language: None,
            notes: None,
        };
        let cases: Vec<(NewClientBody, &str)> = vec![
            (
                NewClientBody {
                    full_name: "   ".into(),
                    ..base()
                },
                "full_name",
            ),
            (
                NewClientBody {
                    full_name: "x".repeat(121),
                    ..base()
                },
                "full_name",
            ),
            (
                NewClientBody {
                    full_name: "a\u{0}b".into(),
                    ..base()
                },
                "full_name",
            ),
            (
                NewClientBody {
                    email: Some("not-an-email".into()),
                    ..base()
                },
                "email",
            ),
            (
                NewClientBody {
                    email: Some("admin@test.local'--".into()),
                    ..base()
                },
                "email",
            ),
            (
                NewClientBody {
                    phone: Some("call me".into()),
                    ..base()
                },
                "phone",
            ),
            (
                NewClientBody {
                    whatsapp: Some("1; DROP TABLE".into()),
                    ..base()
                },
                "whatsapp",
            ),
            (
                NewClientBody {
                    consultant_id: Some("../x".into()),
                    ..base()
                },
                "consultant_id",
            ),
            (
                NewClientBody {
                    notes: Some("x".repeat(4001)),
                    ..base()
                },
                "notes",
            ),
        ];
        for (body, field) in cases {
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
    fn versions_from_if_match_or_body() {
        assert_eq!(resolve_version(Some("3"), None).unwrap(), 3);
        assert_eq!(resolve_version(Some("\"4\""), None).unwrap(), 4);
        assert_eq!(resolve_version(Some("W/\"5\""), Some(5)).unwrap(), 5);
        assert_eq!(resolve_version(None, Some(2)).unwrap(), 2);
        for (h, b) in [
            (None, None),
            (Some("x"), None),
            (Some("0"), None),
            (Some("2"), Some(3)),
            (None, Some(0)),
            (Some("-1"), None),
            (Some("*"), None),
        ] {
            assert_eq!(resolve_version(h, b).unwrap_err().status(), 422, "{h:?} {b:?}");
        }
        assert_eq!(etag(7), "\"7\"");
    }

    fn state(status: PracticeStatus) -> PracticeState {
        PracticeState {
            status,
            start_date: None,
            submitted_at: None,
            approved_at: None,
            expiry_date: None,
        }
    }
    fn change(status: PracticeStatus) -> StatusChangeBody {
        StatusChangeBody {
            status,
            version: Some(1),
            date: None,
            expiry_date: None,
            note: None,
        }
    }

    #[test]
    fn status_changes_stamp_dates_and_default_the_expiry() {
        let today = Date::parse_opt("2025-06-01").unwrap();
        let t = change(PracticeStatus::InProgress)
            .plan(&state(PracticeStatus::Quoted), today, None)
            .unwrap();
        assert_eq!(t.start_date.as_deref(), Some("2025-06-01"));
        let t = StatusChangeBody {
            date: Some("2025-05-20".into()),
            ..change(PracticeStatus::Submitted)
        }
        .plan(&state(PracticeStatus::InProgress), today, None)
        .unwrap();
        assert_eq!(t.submitted_at.as_deref(), Some("2025-05-20"));
        let t = change(PracticeStatus::Approved)
            .plan(&state(PracticeStatus::Submitted), today, Some(365))
            .unwrap();
        assert_eq!(
            (t.approved_at.as_deref(), t.expiry_date.as_deref()),
            (Some("2025-06-01"), Some("2026-06-01"))
        );
        let t = StatusChangeBody {
            expiry_date: Some("2025-12-31".into()),
            ..change(PracticeStatus::Approved)
        }
        .plan(&state(PracticeStatus::Submitted), today, Some(365))
        .unwrap();
        assert_eq!(t.expiry_date.as_deref(), Some("2025-12-31"));
        let t = change(PracticeStatus::Approved)
            .plan(&state(PracticeStatus::Submitted), today, None)
            .unwrap();
        assert_eq!(t.expiry_date, None, "no validity known, no expiry invented");
    }

    #[test]
    fn bad_status_changes() {
        let today = Date::parse_opt("2025-06-01").unwrap();
        let e = change(PracticeStatus::Approved)
            .plan(&state(PracticeStatus::Inquiry), today, None)
            .unwrap_err();
        assert_eq!(e.status(), 409);
        assert!(e.message.contains("quoted, cancelled"));
        let e = StatusChangeBody {
            date: Some("2025-01-01".into()),
            ..change(PracticeStatus::Cancelled)
        }
        .plan(&state(PracticeStatus::Inquiry), today, None)
        .unwrap_err();
        assert_eq!(e.status(), 422);
        let e = StatusChangeBody {
            expiry_date: Some("2026-01-01".into()),
            ..change(PracticeStatus::Quoted)
        }
        .plan(&state(PracticeStatus::Inquiry), today, None)
        .unwrap_err();
        assert_eq!(e.status(), 422);
        let e = StatusChangeBody {
            date: Some("2025-02-30".into()),
            ..change(PracticeStatus::InProgress)
        }
        .plan(&state(PracticeStatus::Quoted), today, None)
        .unwrap_err();
        assert_eq!(e.status(), 422);
    }

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
    fn payments_and_interactions() {
        let today = Date::parse_opt("2025-06-01").unwrap();
        let p = PaymentBody {
            amount_idr: 5_000_000,
            paid_on: None,
            method: None,
            note: None,
        }
        .validate(today)
        .unwrap();
        assert_eq!((p.paid_on.as_str(), p.method), ("2025-06-01", PaymentMethod::Transfer));
        assert!(PaymentBody {
            amount_idr: 0,
            paid_on: None,
            method: None,
            note: None
        }
        .validate(today)
        .is_err());
        assert!(PaymentBody {
            amount_idr: 1,
            paid_on: Some("2030-01-01".into()),
            method: None,
            note: None
        }
        .validate(today)
        .is_err());
        let now = 1_748_770_200_000;
        let i = InteractionBody {
            kind: InteractionKind::Call,
            summary: " Called about E33G ".into(),
            practice_id: None,
            occurred_at: None,
        }
        .validate(now)
        .unwrap();
        assert_eq!((i.summary.as_str(), i.occurred_at), ("Called about E33G", now));
        assert!(InteractionBody {
            kind: InteractionKind::Reminder,
            summary: "x".into(),
            practice_id: None,
            occurred_at: None
        }
        .validate(now)
        .is_err());
        assert!(InteractionBody {
            kind: InteractionKind::Note,
            summary: "x".into(),
            practice_id: None,
            occurred_at: Some(5)
        }
        .validate(now)
        .is_err());
        assert!(InteractionBody {
            kind: InteractionKind::Note,
            summary: "".into(),
            practice_id: None,
            occurred_at: None
        }
        .validate(now)
        .is_err());
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
            (f.status, f.consultant_id.as_deref(), f.limit),
            (Some(ClientStatus::Active), Some("u1"), 25)
        );
        let f = ClientListQuery {
            q: Some("0813-3805".into()),
            ..Default::default()
        }
        .validate("u")
        .unwrap();
        assert_eq!(f.digits.as_deref(), Some("8133805"), "a local leading 0 is dropped");
        assert_eq!(phone_digits("+62 813"), Some("62813".into()));
        assert_eq!(phone_digits("Rossi 12"), None);
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
        assert!(PracticeListQuery {
            status: Some("done".into()),
            ..Default::default()
        }
        .validate("u")
        .is_err());
        assert!(PageQuery {
            kind: Some("fax".into()),
            ..Default::default()
        }
        .validate()
        .is_err());
        assert_eq!(within_days(None).unwrap(), 30);
        assert!(
            within_days(Some("0")).is_err() && within_days(Some("366")).is_err() && within_days(Some("x")).is_err()
        );
    }
}
