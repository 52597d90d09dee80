//! Password rules and stored hash records. The hash itself is PBKDF2-HMAC-SHA256 computed by the
//! platform (WebCrypto in the worker, Node's crypto in the admin script); the record keeps scheme,
//! iterations and salt with the hash so the cost can be raised later without breaking old logins.

use base64::{engine::general_purpose::STANDARD_NO_PAD as B64, Engine};

use crate::error::ApiError;

pub const SCHEME: &str = "pbkdf2-sha256";
/// Deployed Workers refuse PBKDF2 above 100,000 iterations (workerd issue 1346), although local
/// workerd accepts more: a higher count would pass every local test and fail the first real login.
pub const MAX_ITERATIONS: u32 = 100_000;
pub const ITERATIONS: u32 = 100_000;
// The cost is checked when the crate compiles: at least 100,000 (the floor), at most the
// production cap. A count outside that range does not build.
const _: () = assert!(ITERATIONS >= 100_000 && ITERATIONS <= MAX_ITERATIONS && MAX_ITERATIONS == 100_000);
pub const HASH_BYTES: usize = 32;
pub const SALT_BYTES: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordRecord {
    pub iterations: u32,
    pub salt: Vec<u8>,
    pub hash: Vec<u8>,
}

impl PasswordRecord {
    pub fn parse(s: &str) -> Option<Self> {
        let mut parts = s.split('$');
        if parts.next()? != SCHEME {
            return None;
        }
        let iterations: u32 = parts.next()?.parse().ok()?;
        let salt = B64.decode(parts.next()?).ok()?;
        let hash = B64.decode(parts.next()?).ok()?;
        if parts.next().is_some() || iterations == 0 || iterations > MAX_ITERATIONS || hash.len() != HASH_BYTES {
            return None;
        }
        Some(Self { iterations, salt, hash })
    }

    pub fn format(&self) -> String {
        format!(
            "{SCHEME}${}${}${}",
            self.iterations,
            B64.encode(&self.salt),
            B64.encode(&self.hash)
        )
    }

    /// A record no password matches, verified against when the user does not exist so that an unknown
    /// e-mail costs the same time as a wrong password.
    pub fn decoy() -> Self {
        Self {
            iterations: ITERATIONS,
            salt: vec![0x5a; SALT_BYTES],
            hash: vec![0; HASH_BYTES],
        }
    }
}

/// Compares without an early exit, so timing does not reveal how many bytes matched.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A password of 8–256 characters, or a PIN of 6+ digits (the firm's team used PINs).
pub fn check_new_password(p: &str) -> Result<(), ApiError> {
    let n = p.chars().count();
    let pin = n >= 6 && p.chars().all(|c| c.is_ascii_digit());
    if n > 256 {
        return Err(ApiError::validation("password must be at most 256 characters"));
    }
    if n < 8 && !pin {
        return Err(ApiError::validation(
            "password must be at least 8 characters, or a PIN of at least 6 digits",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_the_iteration_cap_holds() {
        let r = PasswordRecord {
            iterations: ITERATIONS,
            salt: vec![1; 16],
            hash: vec![2; 32],
        };
        assert_eq!(PasswordRecord::parse(&r.format()), Some(r.clone()));
        let too_costly = PasswordRecord {
            iterations: 600_000,
            ..r.clone()
        }
        .format();
        assert_eq!(PasswordRecord::parse(&too_costly), None);
        assert_eq!(PasswordRecord::parse("bcrypt$10$x$y"), None);
        assert_eq!(PasswordRecord::parse("pbkdf2-sha256$100000$AAAA"), None);
        assert_eq!(PasswordRecord::parse(""), None);
    }

    #[test]
    fn constant_time_eq_is_equality() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }

    #[test]
    fn pins_of_six_digits_and_long_passwords_are_accepted() {
        assert!(check_new_password("123456").is_ok());
        assert!(check_new_password("correct horse").is_ok());
        assert_eq!(check_new_password("12345").unwrap_err().status(), 422);
        assert_eq!(check_new_password("short1").unwrap_err().status(), 422);
        assert!(check_new_password(&"x".repeat(257)).is_err());
    }
}
