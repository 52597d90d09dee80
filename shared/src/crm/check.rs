//! The field checks every CRM input is made of. Request bodies are read into the `*Body` structs of
//! each resource's module (unknown fields refused) and checked into plain values with these; a failure
//! is a 422 that names the field. Limits here match the OpenAPI description (`crm::openapi`), and the
//! server is never looser than the schema.

use super::dates::Date;
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

pub fn invalid(field: &str, why: &str) -> ApiError {
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

pub fn date(field: &str, s: &str) -> Result<String, ApiError> {
    Date::parse(field, s).map(|d| d.to_string())
}

/// A practice-type code: 1-64 characters of letters, digits, `-` or `_`.
pub fn type_code(field: &str, s: &str) -> Result<String, ApiError> {
    id(field, s)
}

/// An optional field of a new record: absent → `None`, else checked.
pub fn opt<T>(v: Option<String>, f: impl Fn(&str) -> Result<T, ApiError>) -> Result<Option<T>, ApiError> {
    v.as_deref().map(f).transpose()
}

/// An optional field of a patch: absent → unchanged (`None`), `""` → cleared (`Some(None)`), else checked.
pub fn clear_or<T>(v: Option<String>, f: impl Fn(&str) -> Result<T, ApiError>) -> Result<Option<Option<T>>, ApiError> {
    match v {
        None => Ok(None),
        Some(s) if s.is_empty() => Ok(Some(None)),
        Some(s) => f(&s).map(|t| Some(Some(t))),
    }
}
