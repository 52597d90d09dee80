//! The confirmation an e-mail needs before it is sent. The `send_email` tool only *prepares* a message:
//! it is stored server-side under a random token and shown as a preview. Only `POST /api/email/confirm`
//! with that token sends it. The model only reads the tool's summary (the token travels to the user's client
//! in the chat stream's `tool` event) and no tool takes a token, so the model cannot confirm on the user's
//! behalf; the person who prepared it must confirm it themselves, within [`TTL_MS`], once.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::mime::Email;

/// How long a prepared e-mail waits for its confirmation.
pub const TTL_MS: i64 = 10 * 60_000;
const PREFIX: &str = "emc_";

/// What is stored with the token: exactly what will be sent, and for whom.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreparedEmail {
    pub client_id: String,
    /// `quote` or `checklist`, for the timeline.
    pub kind: String,
    pub email: EmailParts,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmailParts {
    pub from: String,
    pub to: String,
    pub subject: String,
    pub body: String,
}

impl From<&EmailParts> for Email {
    fn from(p: &EmailParts) -> Self {
        Email {
            from: p.from.clone(),
            to: p.to.clone(),
            subject: p.subject.clone(),
            body: p.body.clone(),
        }
    }
}

/// A confirmation token from 16 random bytes, and the hash it is stored under (the token itself is never
/// stored, so a database read does not let anyone send).
pub fn new_token(random: [u8; 16]) -> (String, String) {
    let token = format!("{PREFIX}{}", hex::encode(random));
    let hash = token_hash(&token);
    (token, hash)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A well-formed token (checked before any lookup).
pub fn well_formed(token: &str) -> bool {
    token
        .strip_prefix(PREFIX)
        .is_some_and(|h| h.len() == 32 && h.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()))
}

/// A stored confirmation as read back.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Stored {
    pub principal_id: String,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

/// Why a confirmation is refused. `Unknown` and `OtherUser` read the same to the caller (a token of
/// someone else's is not confirmed to exist).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Unknown,
    Expired,
    Used,
}

impl Refusal {
    pub fn message(self) -> &'static str {
        match self {
            Self::Unknown => "no e-mail is waiting for this confirmation",
            Self::Expired => "this confirmation expired: prepare the e-mail again",
            Self::Used => "this e-mail was already sent",
        }
    }
}

/// Whether `principal_id` may confirm `stored` at `now_ms`. (The worker then marks it used with a
/// conditional update, so two confirmations racing send once.)
pub fn check(stored: Option<&Stored>, principal_id: &str, now_ms: i64) -> Result<(), Refusal> {
    let s = stored
        .filter(|s| s.principal_id == principal_id)
        .ok_or(Refusal::Unknown)?;
    if s.used_at.is_some() {
        return Err(Refusal::Used);
    }
    if now_ms >= s.expires_at {
        return Err(Refusal::Expired);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_hex_stored_only_as_hashes() {
        let (t1, h1) = new_token([7; 16]);
        let (t2, _) = new_token([8; 16]);
        assert_ne!(t1, t2);
        assert!(well_formed(&t1) && well_formed(&t2));
        assert_eq!(h1, token_hash(&t1));
        assert!(!h1.contains(&t1[PREFIX.len()..]));
        for bad in [
            "",
            "emc_",
            "emc_XYZ",
            &t1[..t1.len() - 1],
            &t1.to_uppercase(),
            &format!("{t1}0"),
            &t1.replace("emc_", "abc_"),
        ] {
            assert!(!well_formed(bad), "{bad}");
        }
    }

    #[test]
    fn only_the_preparer_confirms_once_before_expiry() {
        let s = Stored {
            principal_id: "u1".into(),
            expires_at: 1_000 + TTL_MS,
            used_at: None,
        };
        assert_eq!(check(Some(&s), "u1", 1_000), Ok(()));
        assert_eq!(check(Some(&s), "u1", 1_000 + TTL_MS - 1), Ok(()));
        assert_eq!(check(Some(&s), "u1", 1_000 + TTL_MS), Err(Refusal::Expired));
        assert_eq!(
            check(Some(&s), "u2", 1_000),
            Err(Refusal::Unknown),
            "someone else's token does not exist"
        );
        assert_eq!(check(None, "u1", 1_000), Err(Refusal::Unknown));
        let used = Stored {
            used_at: Some(2_000),
            ..s
        };
        assert_eq!(check(Some(&used), "u1", 2_001), Err(Refusal::Used));
    }
}
