//! Google Workspace over its REST APIs: service-account auth with domain-wide delegation ([`auth`]), the
//! Calendar free/busy rules of a booking ([`calendar`]), the RFC 2822 messages Gmail sends ([`mime`]), and
//! the confirmation an e-mail needs before it leaves ([`confirm`]). Pure code: the worker does the I/O.

pub mod auth;
pub mod calendar;
pub mod confirm;
pub mod mime;
pub mod time;

use serde::Deserialize;

/// What the worker needs to call Google (from `GOOGLE_SERVICE_ACCOUNT_JSON` and friends, see config.rs).
#[derive(Debug, Clone, PartialEq)]
pub struct GoogleConfig {
    pub account: ServiceAccount,
    /// `GOOGLE_API_BASE` (default `https://www.googleapis.com`): Calendar at `/calendar/v3`, Gmail at `/gmail/v1`.
    pub api_base: String,
    /// The mailbox renewal reminders are sent from (`GOOGLE_REMINDER_SENDER`); unset: each consultant's own.
    pub reminder_sender: Option<String>,
    /// Length of a booked consultation when the caller gives none (minutes).
    pub default_minutes: u32,
}

/// The fields of a service-account key file that signing needs.
#[derive(Clone, PartialEq, Deserialize)]
pub struct ServiceAccount {
    pub client_email: String,
    pub private_key: String,
    #[serde(default = "default_token_uri")]
    pub token_uri: String,
}

// The private key never reaches a log line.
impl std::fmt::Debug for ServiceAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceAccount")
            .field("client_email", &self.client_email)
            .field("token_uri", &self.token_uri)
            .finish_non_exhaustive()
    }
}

fn default_token_uri() -> String {
    "https://oauth2.googleapis.com/token".into()
}

impl ServiceAccount {
    /// Parses the key file and checks its key's structure (no crypto: config parsing stays sync and cheap),
    /// so a truncated or wrong secret fails at start-up, not at the first booking. `token_url` (`GOOGLE_TOKEN_URL`) overrides the file's `token_uri`.
    pub fn parse(json: &str, token_url: Option<String>) -> Result<Self, String> {
        let mut sa: ServiceAccount = serde_json::from_str(json).map_err(|_| {
            "GOOGLE_SERVICE_ACCOUNT_JSON is not a service-account key file (client_email, private_key)".to_string()
        })?;
        if !sa.client_email.contains('@') {
            return Err("GOOGLE_SERVICE_ACCOUNT_JSON: client_email is not an e-mail address".into());
        }
        auth::signing_key(&sa.private_key).map_err(|e| format!("GOOGLE_SERVICE_ACCOUNT_JSON: {e}"))?;
        if let Some(u) = token_url {
            sa.token_uri = u;
        }
        if !(sa.token_uri.starts_with("https://") || sa.token_uri.starts_with("http://")) {
            return Err("the Google token URL is not an http(s) URL".into());
        }
        Ok(sa)
    }
}

/// Scopes, one per API, so that each cached token grants only what its caller uses.
pub const CALENDAR_SCOPE: &str = "https://www.googleapis.com/auth/calendar";
pub const GMAIL_SEND_SCOPE: &str = "https://www.googleapis.com/auth/gmail.send";

/// Percent-encodes one URL path segment or query value (calendar ids are e-mail addresses).
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
