//! Opaque list cursors. Lists are ordered newest first by `(timestamp, id)`; a cursor is the last row's
//! key, base64url-encoded so callers treat it as a token, and parsed strictly when it comes back.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::error::ApiError;
use crate::ids::EntityId;

/// Where the next page starts: rows strictly before `(at, id)` in `(at DESC, id DESC)` order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub at: i64,
    pub id: String,
}

const PREFIX: &str = "c1:";
/// Longest cursor accepted (a generous bound on what [`Cursor::encode`] makes).
pub const MAX_LEN: usize = 200;

impl Cursor {
    pub fn new(at: i64, id: impl Into<String>) -> Self {
        Self { at, id: id.into() }
    }

    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{PREFIX}{}:{}", self.at, self.id))
    }

    /// 422 for anything [`encode`](Self::encode) did not make.
    pub fn decode(s: &str) -> Result<Self, ApiError> {
        let bad = || ApiError::validation("cursor is not valid; use the next_cursor of a previous page");
        if s.len() > MAX_LEN {
            return Err(bad());
        }
        let raw = URL_SAFE_NO_PAD.decode(s).map_err(|_| bad())?;
        let text = String::from_utf8(raw).map_err(|_| bad())?;
        let rest = text.strip_prefix(PREFIX).ok_or_else(bad)?;
        let (at, id) = rest.split_once(':').ok_or_else(bad)?;
        if at.is_empty() || at.len() > 16 || !at.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let at = at.parse().map_err(|_| bad())?;
        let id = EntityId::parse(id).map_err(|_| bad())?;
        Ok(Self {
            at,
            id: id.as_str().to_string(),
        })
    }
}

/// Parses a page size: absent → `default`, else 1..=`max`.
pub fn page_size(raw: Option<&str>, default: u32, max: u32) -> Result<u32, ApiError> {
    match raw {
        None => Ok(default),
        Some(s) => s
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=max).contains(n) && s.len() <= 3 && s.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| ApiError::validation(format!("limit must be a whole number from 1 to {max}"))),
    }
}

/// Splits a page fetched with `limit + 1` rows into the page and the cursor of the next one.
pub fn paginate<T>(mut rows: Vec<T>, limit: u32, key: impl Fn(&T) -> Cursor) -> (Vec<T>, Option<String>) {
    if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        let next = rows.last().map(|r| key(r).encode());
        (rows, next)
    } else {
        (rows, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_looks_opaque() {
        let c = Cursor::new(1_748_770_200_000, "9f8e7d6c");
        let s = c.encode();
        assert!(!s.contains(':') && !s.contains("9f8e"), "{s}");
        assert_eq!(Cursor::decode(&s).unwrap(), c);
    }

    #[test]
    fn garbage_is_422() {
        let forged_id = URL_SAFE_NO_PAD.encode("c1:1:' OR 1=1 --");
        let negative = URL_SAFE_NO_PAD.encode("c1:-5:abc");
        let no_prefix = URL_SAFE_NO_PAD.encode("1:abc");
        let huge = URL_SAFE_NO_PAD.encode("c1:99999999999999999999:abc");
        for bad in [
            "",
            "!!!",
            "abc",
            forged_id.as_str(),
            negative.as_str(),
            no_prefix.as_str(),
            huge.as_str(),
            &"A".repeat(300),
        ] {
            assert_eq!(Cursor::decode(bad).unwrap_err().status(), 422, "{bad}");
        }
    }

    #[test]
    fn page_sizes_and_pages() {
        assert_eq!(page_size(None, 25, 100).unwrap(), 25);
        assert_eq!(page_size(Some("100"), 25, 100).unwrap(), 100);
        for bad in ["0", "101", "-1", "abc", "1.5", "+5", "0005", ""] {
            assert!(page_size(Some(bad), 25, 100).is_err(), "{bad}");
        }
        let (rows, next) = paginate(vec![(3, "c"), (2, "b"), (1, "a")], 2, |r| Cursor::new(r.0, r.1));
        assert_eq!(rows.len(), 2);
        assert_eq!(Cursor::decode(&next.unwrap()).unwrap(), Cursor::new(2, "b"));
        let (rows, next) = paginate(vec![(1, "a")], 2, |r| Cursor::new(r.0, r.1));
        assert_eq!((rows.len(), next), (1, None));
    }
}
