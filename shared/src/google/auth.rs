//! Service-account auth with domain-wide delegation: a JWT assertion signed RS256 with the account's key
//! (`sub` = the Workspace user to act as), exchanged at the token endpoint for an access token that is
//! cached per user and scopes until shortly before it expires.

use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::ServiceAccount;

/// A cached token is dropped this long before Google's expiry, so a call never starts with a token that
/// dies in flight.
pub const REFRESH_MARGIN_SECS: i64 = 300;
/// Assertions live one hour, Google's maximum.
pub const ASSERTION_SECS: i64 = 3600;
pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// The assertion's claims (RFC 7523 as Google reads them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub scope: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    pub sub: String,
}

/// A failed Google call: the HTTP status when there was one, and a short reason (never a token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoogleError {
    pub status: Option<u16>,
    pub message: String,
}

impl GoogleError {
    pub fn new(status: Option<u16>, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for GoogleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.status {
            Some(s) => write!(f, "Google answered {s}: {}", self.message),
            None => write!(f, "Google: {}", self.message),
        }
    }
}

/// The RSA key of a PEM key file, PKCS#8 (`BEGIN PRIVATE KEY`, what Google issues) or PKCS#1.
/// jsonwebtoken's own PEM parser is behind a feature this build leaves off, so the PKCS#8 wrapper is
/// taken off here: `SEQUENCE { INTEGER version, SEQUENCE algorithm, OCTET STRING pkcs1 }`.
pub fn signing_key(pem: &str) -> Result<EncodingKey, String> {
    let pem = pem.replace("\\n", "\n");
    let (label, der) = pem_body(&pem).ok_or("private_key is not a PEM block")?;
    let pkcs1 = match label.as_str() {
        "RSA PRIVATE KEY" => der,
        "PRIVATE KEY" => pkcs8_inner(&der).ok_or("private_key is not an RSA PKCS#8 key")?,
        _ => return Err(format!("private_key is a {label}, not a private key")),
    };
    let key = EncodingKey::from_rsa_der(&pkcs1);
    // Prove the key signs (a truncated secret would otherwise fail at the first call).
    jsonwebtoken::encode(&Header::new(Algorithm::RS256), &serde_json::json!({}), &key)
        .map_err(|_| "private_key is not a usable RSA key".to_string())?;
    Ok(key)
}

fn pem_body(pem: &str) -> Option<(String, Vec<u8>)> {
    let start = pem.find("-----BEGIN ")?;
    let rest = &pem[start + 11..];
    let label_end = rest.find("-----")?;
    let label = rest[..label_end].to_string();
    let body_start = label_end + 5;
    let end = rest.find(&format!("-----END {label}-----"))?;
    let b64: String = rest[body_start..end].chars().filter(|c| !c.is_whitespace()).collect();
    let der = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    Some((label, der))
}

/// One DER element at the start of `b`: (tag, contents, rest).
fn der_element(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, b) = b.split_first()?;
    let (&first, mut b) = b.split_first()?;
    let len = if first < 0x80 {
        first as usize
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || b.len() < n {
            return None;
        }
        let len = b[..n].iter().fold(0usize, |acc, x| acc << 8 | *x as usize);
        b = &b[n..];
        len
    };
    (b.len() >= len).then(|| (tag, &b[..len], &b[len..]))
}

fn pkcs8_inner(der: &[u8]) -> Option<Vec<u8>> {
    let (0x30, seq, _) = der_element(der)? else { return None };
    let (0x02, _, rest) = der_element(seq)? else {
        return None;
    };
    let (0x30, _, rest) = der_element(rest)? else {
        return None;
    };
    let (0x04, key, _) = der_element(rest)? else {
        return None;
    };
    Some(key.to_vec())
}

/// The claims of an assertion acting as `sub` with `scopes`, issued at `now_secs`.
pub fn claims(sa: &ServiceAccount, sub: &str, scopes: &[&str], now_secs: i64) -> Claims {
    Claims {
        iss: sa.client_email.clone(),
        scope: scopes.join(" "),
        aud: sa.token_uri.clone(),
        exp: now_secs + ASSERTION_SECS,
        iat: now_secs,
        sub: sub.to_string(),
    }
}

/// The signed assertion (header `{"alg":"RS256","typ":"JWT"}`).
pub fn assertion(sa: &ServiceAccount, sub: &str, scopes: &[&str], now_secs: i64) -> Result<String, GoogleError> {
    let key = signing_key(&sa.private_key).map_err(|e| GoogleError::new(None, e))?;
    jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims(sa, sub, scopes, now_secs), &key)
        .map_err(|e| GoogleError::new(None, format!("signing the assertion: {e}")))
}

/// The form body of the token request.
pub fn token_request_body(assertion: &str) -> String {
    format!(
        "grant_type={}&assertion={}",
        super::url_encode(GRANT_TYPE),
        super::url_encode(assertion)
    )
}

#[derive(Debug, Clone, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    #[serde(default = "default_expires_in")]
    pub expires_in: i64,
}

fn default_expires_in() -> i64 {
    3600
}

/// A token as cached: usable until `use_until_ms`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CachedToken {
    pub access_token: String,
    pub use_until_ms: i64,
}

impl CachedToken {
    pub fn from_response(r: TokenResponse, now_ms: i64) -> Self {
        let usable = (r.expires_in - REFRESH_MARGIN_SECS).max(0);
        Self {
            access_token: r.access_token,
            use_until_ms: now_ms + usable * 1000,
        }
    }
    pub fn fresh(&self, now_ms: i64) -> bool {
        now_ms < self.use_until_ms
    }
}

/// The cache key of a user's token for a set of scopes (hashed: e-mails stay out of key listings).
pub fn cache_key(sub: &str, scopes: &[&str]) -> String {
    let mut s: Vec<&str> = scopes.to_vec();
    s.sort_unstable();
    let digest = Sha256::digest(format!("{}\n{}", sub.to_ascii_lowercase(), s.join(" ")));
    format!("google-token:{}", hex::encode(&digest[..16]))
}

/// Where tokens are cached (KV in the worker).
#[allow(async_fn_in_trait)]
pub trait TokenStore {
    async fn get(&self, key: &str) -> Option<CachedToken>;
    /// Best effort: a failed write only costs a token request later.
    async fn put(&self, key: &str, token: &CachedToken, ttl_secs: i64);
}

/// The token endpoint: posts the form body, returns the parsed answer.
#[allow(async_fn_in_trait)]
pub trait TokenEndpoint {
    async fn exchange(&self, url: &str, form: &str) -> Result<TokenResponse, GoogleError>;
}

/// An access token for `sub` with `scopes`: the cached one while fresh, else a new one (then cached).
pub async fn access_token(
    store: &impl TokenStore,
    endpoint: &impl TokenEndpoint,
    sa: &ServiceAccount,
    sub: &str,
    scopes: &[&str],
    now_ms: i64,
) -> Result<String, GoogleError> {
    let key = cache_key(sub, scopes);
    if let Some(t) = store.get(&key).await.filter(|t| t.fresh(now_ms)) {
        return Ok(t.access_token);
    }
    let jwt = assertion(sa, sub, scopes, now_ms / 1000)?;
    let token = CachedToken::from_response(
        endpoint.exchange(&sa.token_uri, &token_request_body(&jwt)).await?,
        now_ms,
    );
    let ttl = (token.use_until_ms - now_ms) / 1000;
    if ttl > 0 {
        store.put(&key, &token, ttl).await;
    }
    Ok(token.access_token)
}

#[cfg(test)]
#[path = "auth_tests.rs"]
pub(crate) mod tests;
