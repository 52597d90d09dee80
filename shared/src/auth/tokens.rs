//! Opaque tokens: refresh tokens and API keys. Both are 256-bit random values shown to their owner
//! once; only their SHA-256 is stored (a fast hash suffices for values with this much entropy).

use base64::{engine::general_purpose::URL_SAFE_NO_PAD as B64, Engine};
use sha2::{Digest, Sha256};

pub const REFRESH_PREFIX: &str = "rt_";
pub const API_KEY_PREFIX: &str = "nzk_";
pub const REFRESH_TTL_SECS: u64 = 30 * 24 * 3600;

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

pub fn new_refresh_token(random: [u8; 32]) -> String {
    format!("{REFRESH_PREFIX}{}", B64.encode(random))
}

/// `nzk_<8-hex public prefix>_<secret>`: the prefix identifies the key in lists without revealing it.
pub fn new_api_key(random: [u8; 32]) -> (String, String) {
    let prefix = hex::encode(&random[..4]);
    (format!("{API_KEY_PREFIX}{prefix}_{}", B64.encode(&random[4..])), prefix)
}

/// What an `Authorization: Bearer` value is.
#[derive(Debug, PartialEq, Eq)]
pub enum Bearer<'a> {
    ApiKey(&'a str),
    Jwt(&'a str),
}

/// Parses an Authorization header; `None` when absent or not a well-formed Bearer value.
pub fn parse_authorization(h: &str) -> Option<Bearer<'_>> {
    let (scheme, value) = h.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let value = value.trim();
    if value.is_empty() || value.len() > 4096 || !value.bytes().all(|b| b.is_ascii_graphic()) {
        return None;
    }
    Some(if value.starts_with(API_KEY_PREFIX) {
        Bearer::ApiKey(value)
    } else {
        Bearer::Jwt(value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_have_their_prefixes_and_differ_by_randomness() {
        let a = new_refresh_token([1; 32]);
        assert!(a.starts_with("rt_") && a.len() > 40);
        assert_ne!(a, new_refresh_token([2; 32]));
        let (key, prefix) = new_api_key([0xab; 32]);
        assert_eq!(prefix, "abababab");
        assert!(key.starts_with("nzk_abababab_"));
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn authorization_headers_parse_strictly() {
        assert_eq!(parse_authorization("Bearer nzk_1_x"), Some(Bearer::ApiKey("nzk_1_x")));
        assert_eq!(parse_authorization("bearer a.b.c"), Some(Bearer::Jwt("a.b.c")));
        assert_eq!(parse_authorization("Basic dXNlcg=="), None);
        assert_eq!(parse_authorization("Bearer "), None);
        assert_eq!(parse_authorization("Bearer a\u{7f}b"), None);
    }
}
