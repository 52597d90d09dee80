//! Password rules and stored hash records. The hash itself is PBKDF2-HMAC-SHA256 computed by the
//! platform (WebCrypto in the worker, Node's crypto in the admin script); the record keeps scheme,
//! iterations and salt with the hash so the cost can be raised later without breaking old logins.

use base64::{engine::general_purpose::STANDARD_NO_PAD as B64, Engine};

use crate::auth::Role;
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
/// Team accounts (admins, consultants) reach the CRM and every client's data: a long password (ASVS 2.1.1).
pub const TEAM_MIN_CHARS: usize = 12;
/// Client accounts may use a password of 8 characters or a PIN of at least 6 digits (typed on a phone).
pub const CLIENT_MIN_CHARS: usize = 8;
pub const PIN_MIN_DIGITS: usize = 6;
pub const MAX_CHARS: usize = 256;

static COMMON: &str = include_str!("common-passwords.txt");

/// Whether `p` is one of the bundled most-common passwords (ignoring case), or one character repeated.
pub fn is_common(p: &str) -> bool {
    let lower = p.to_lowercase();
    let mut chars = lower.chars();
    let first = chars.next();
    if first.is_some() && chars.all(|c| Some(c) == first) {
        return true;
    }
    COMMON
        .lines()
        .filter(|l| !l.starts_with('#'))
        .any(|l| l.trim() == lower)
}

/// The password policy for a new password of an account with `role`: team passwords of at least 12
/// characters; clients 8 characters or a PIN of 6+ digits; never one of the most common passwords.
pub fn check_new_password(p: &str, role: Role) -> Result<(), ApiError> {
    let n = p.chars().count();
    if n > MAX_CHARS {
        return Err(ApiError::validation("password must be at most 256 characters"));
    }
    let pin = n >= PIN_MIN_DIGITS && p.chars().all(|c| c.is_ascii_digit());
    if role == Role::Client {
        if n < CLIENT_MIN_CHARS && !pin {
            return Err(ApiError::validation(
                "password must be at least 8 characters, or a PIN of at least 6 digits",
            ));
        }
    } else if n < TEAM_MIN_CHARS {
        return Err(ApiError::validation(
            "team passwords must be at least 12 characters (PINs are for client accounts)",
        ));
    }
    if is_common(p) {
        return Err(ApiError::validation(
            "this password is among the most common ones; choose another",
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
    fn pins_only_for_clients_and_team_passwords_of_twelve_characters() {
        assert!(check_new_password("483920", Role::Client).is_ok());
        assert!(check_new_password("correct horse", Role::Client).is_ok());
        assert_eq!(check_new_password("12345", Role::Client).unwrap_err().status(), 422);
        assert_eq!(check_new_password("short1", Role::Client).unwrap_err().status(), 422);
        for role in [Role::Admin, Role::Consultant] {
            let e = check_new_password("483920", role).unwrap_err();
            assert!(e.message.contains("12 characters"), "{}", e.message);
            assert_eq!(check_new_password("eleven-char", role).unwrap_err().status(), 422);
            assert!(check_new_password("twelve-chars", role).is_ok());
        }
        assert!(check_new_password(&"x".repeat(257), Role::Client).is_err());
    }

    #[test]
    fn the_most_common_passwords_are_refused_for_every_role() {
        for (p, role) in [
            ("123456", Role::Client),
            ("Password1", Role::Client),
            ("QWERTY123", Role::Client),
            ("passwordpassword", Role::Admin),
            ("qwertyqwerty", Role::Consultant),
            ("aaaaaaaaaaaaaaa", Role::Admin),
        ] {
            let e = check_new_password(p, role).unwrap_err();
            assert!(e.message.contains("common"), "{p}: {}", e.message);
        }
        assert!(!is_common("kopi-luwak-ubud-7"));
        assert!(
            !is_common("# the most common passwords"),
            "the list's comment lines are not entries"
        );
    }
}
