//! Identifiers: generated from randomness the caller passes in, parsed strictly when they come from outside.

use crate::error::ApiError;

/// Makes a 128-bit random id as 32 lowercase hex characters. The caller supplies the bytes
/// (`crypto.getRandomValues` in the worker, a seeded source in tests).
pub fn new_id(random: [u8; 16]) -> String {
    hex::encode(random)
}

/// A request id: honoured from `X-Request-Id` when it is short and printable (so it can go into logs
/// and headers without injection), generated otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(String);

impl RequestId {
    pub fn from_header_or(header: Option<&str>, random: [u8; 16]) -> Self {
        match header {
            Some(h) if Self::acceptable(h) => Self(h.to_string()),
            _ => Self(new_id(random)),
        }
    }
    fn acceptable(h: &str) -> bool {
        (1..=128).contains(&h.len()) && h.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An opaque entity id from a URL or a body: 1–64 characters of `[A-Za-z0-9_-]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EntityId(String);

impl EntityId {
    pub fn parse(s: &str) -> Result<Self, ApiError> {
        if (1..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            Ok(Self(s.to_string()))
        } else {
            Err(ApiError::validation(
                "id must be 1-64 characters of letters, digits, '-' or '_'",
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_honoured_only_when_safe() {
        assert_eq!(RequestId::from_header_or(Some("abc-123"), [0; 16]).as_str(), "abc-123");
        let injected = RequestId::from_header_or(Some("x\r\nSet-Cookie: a=b"), [1; 16]);
        assert_eq!(injected.as_str(), "01010101010101010101010101010101");
        let long = "a".repeat(200);
        assert_eq!(RequestId::from_header_or(Some(&long), [2; 16]).as_str().len(), 32);
        assert_eq!(RequestId::from_header_or(None, [0xab; 16]).as_str(), "ab".repeat(16));
    }

    #[test]
    fn entity_ids_reject_path_and_sql_tricks() {
        assert!(EntityId::parse("c_9f8e-1").is_ok());
        for bad in ["", "../etc/passwd", "1' OR '1'='1", "a b", &"x".repeat(65)] {
            assert_eq!(EntityId::parse(bad).unwrap_err().status(), 422, "{bad}");
        }
    }
}
