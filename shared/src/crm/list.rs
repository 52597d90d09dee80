//! What every list query shares: the page (`cursor`, `limit`), id filters, `consultant_id=me`, the
//! text search's needle and digits, and the query of the plain paged lists (interactions, documents).
//! Each resource's list query (`clients`, `practices`) adds its own filters on top of these.

use serde::Deserialize;

use super::check::{id, invalid};
use super::cursor::{page_size, Cursor};
use super::interactions::InteractionKind;
use super::{DEFAULT_PAGE, MAX_PAGE};
use crate::error::ApiError;

/// Where a page starts and how long it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paging {
    pub cursor: Option<Cursor>,
    pub limit: u32,
}

impl Paging {
    /// `cursor` as a previous page gave it (422 otherwise); `limit` 1..=[`MAX_PAGE`], default [`DEFAULT_PAGE`].
    pub fn parse(cursor: Option<&str>, limit: Option<&str>) -> Result<Self, ApiError> {
        Ok(Self {
            cursor: cursor.map(Cursor::decode).transpose()?,
            limit: page_size(limit, DEFAULT_PAGE, MAX_PAGE)?,
        })
    }
}

/// An optional id filter (422 naming the field when malformed).
pub fn opt_id(field: &str, raw: Option<&str>) -> Result<Option<String>, ApiError> {
    raw.map(|s| id(field, s)).transpose()
}

/// `consultant_id`: an id, or `me` for the caller (`me_id`).
pub fn consultant(raw: Option<String>, me_id: &str) -> Result<Option<String>, ApiError> {
    raw.map(|c| {
        if c == "me" {
            Ok(me_id.to_string())
        } else {
            id("consultant_id", &c)
        }
    })
    .transpose()
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

/// Query of the plain paged lists (interactions, documents).
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
    pub page: Paging,
}

impl PageQuery {
    pub fn validate(self) -> Result<Page, ApiError> {
        Ok(Page {
            client_id: opt_id("client_id", self.client_id.as_deref())?,
            practice_id: opt_id("practice_id", self.practice_id.as_deref())?,
            kind: self
                .kind
                .map(|k| InteractionKind::parse(&k).ok_or_else(|| invalid("kind", "is not an interaction kind")))
                .transpose()?,
            page: Paging::parse(self.cursor.as_deref(), self.limit.as_deref())?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_defaults_bounds_and_cursors() {
        assert_eq!(
            Paging::parse(None, None).unwrap(),
            Paging {
                cursor: None,
                limit: DEFAULT_PAGE
            }
        );
        let c = Cursor::new(1_748_770_200_000, "abc").encode();
        let p = Paging::parse(Some(&c), Some("100")).unwrap();
        assert_eq!((p.cursor, p.limit), (Some(Cursor::new(1_748_770_200_000, "abc")), 100));
        for bad in ["0", "101", "x", ""] {
            let e = Paging::parse(None, Some(bad)).unwrap_err();
            assert_eq!(e.message, "limit must be a whole number from 1 to 100");
        }
        let e = Paging::parse(Some("nope"), None).unwrap_err();
        assert_eq!(e.status(), 422);
        assert!(e.message.starts_with("cursor"), "{}", e.message);
    }

    #[test]
    fn ids_and_me() {
        assert_eq!(opt_id("client_id", None).unwrap(), None);
        assert_eq!(opt_id("client_id", Some("c1")).unwrap().as_deref(), Some("c1"));
        assert!(opt_id("client_id", Some("../x"))
            .unwrap_err()
            .message
            .starts_with("client_id:"));
        assert_eq!(consultant(Some("me".into()), "u7").unwrap().as_deref(), Some("u7"));
        assert_eq!(consultant(Some("u2".into()), "u7").unwrap().as_deref(), Some("u2"));
        assert!(consultant(Some("a b".into()), "u7")
            .unwrap_err()
            .message
            .starts_with("consultant_id:"));
    }

    #[test]
    fn page_queries_and_search_helpers() {
        let p = PageQuery {
            kind: Some("call".into()),
            practice_id: Some("p1".into()),
            ..Default::default()
        }
        .validate()
        .unwrap();
        assert_eq!(
            (p.kind, p.practice_id.as_deref(), p.page.limit),
            (Some(InteractionKind::Call), Some("p1"), 25)
        );
        assert!(PageQuery {
            kind: Some("fax".into()),
            ..Default::default()
        }
        .validate()
        .is_err());
        assert!(PageQuery {
            limit: Some("500".into()),
            ..Default::default()
        }
        .validate()
        .is_err());
        assert_eq!(phone_digits("+62 813"), Some("62813".into()));
        assert_eq!(phone_digits("0813-3805"), Some("8133805".into()));
        assert_eq!(phone_digits("Rossi 12"), None);
        assert_eq!(needle("  Ünï ROSSI "), "Ünï rossi");
        assert_eq!(within_days(None).unwrap(), 30);
        assert_eq!(within_days(Some("365")).unwrap(), 365);
        assert!(
            within_days(Some("0")).is_err() && within_days(Some("366")).is_err() && within_days(Some("x")).is_err()
        );
    }
}
