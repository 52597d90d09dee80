//! Optimistic concurrency: every update says which version of the record it read.

use crate::error::ApiError;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
