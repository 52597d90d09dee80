//! Service-account auth with domain-wide delegation: a JWT assertion signed RS256 with the account's key
//! (`sub` = the Workspace user to act as), exchanged at the token endpoint for an access token that is
//! cached per user and scopes until shortly before it expires. The JWT is built here; the RSA signature
//! itself comes from the caller's [`AssertionSigner`] (WebCrypto in the worker), so no big-integer code
//! ships in the WASM.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::ServiceAccount;

/// A cached token is dropped this long before Google's expiry, so a call never starts with a token that
/// dies in flight.
pub const REFRESH_MARGIN_SECS: i64 = 300;
/// Assertions live one hour, Google's maximum.
pub const ASSERTION_SECS: i64 = 3600;
pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// The assertion's JOSE header.
pub const HEADER_JSON: &str = r#"{"alg":"RS256","typ":"JWT"}"#;

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

/// An RSA private key as PKCS#8 DER (what WebCrypto's `importKey("pkcs8", …)` takes).
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKey(Vec<u8>);

impl SigningKey {
    pub fn pkcs8_der(&self) -> &[u8] {
        &self.0
    }
}

// Key material never reaches a log line.
impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({} bytes)", self.0.len())
    }
}

/// Signs RSASSA-PKCS1-v1_5 with SHA-256 (JWS `RS256`): the worker's is WebCrypto, the tests' the `rsa`
/// crate. Returns the raw signature; a key the backend refuses is an `Err` with a short reason.
#[allow(async_fn_in_trait)]
pub trait AssertionSigner {
    async fn sign_rs256(&self, key: &SigningKey, signing_input: &[u8]) -> Result<Vec<u8>, String>;
}

/// The RSA key of a PEM key file, PKCS#8 (`BEGIN PRIVATE KEY`, what Google issues) or PKCS#1 (wrapped
/// into PKCS#8 here). Only the DER structure is checked, without crypto, so reading the config stays
/// cheap: an RSAPrivateKey of nine integers under the rsaEncryption algorithm. Whether the numbers form
/// a key shows at the first signature.
pub fn signing_key(pem: &str) -> Result<SigningKey, String> {
    let pem = pem.replace("\\n", "\n");
    let (label, der) = pem_body(&pem).ok_or("private_key is not a PEM block")?;
    let pkcs8 = match label.as_str() {
        "RSA PRIVATE KEY" => wrap_pkcs1(&der),
        "PRIVATE KEY" => der,
        _ => return Err(format!("private_key is a {label}, not a private key")),
    };
    let pkcs1 = pkcs8_inner(&pkcs8).ok_or("private_key is not an RSA PKCS#8 key")?;
    if !is_rsa_private_key(&pkcs1) {
        return Err("private_key is not a usable RSA key".into());
    }
    Ok(SigningKey(pkcs8))
}

fn pem_body(pem: &str) -> Option<(String, Vec<u8>)> {
    let start = pem.find("-----BEGIN ")?;
    let rest = &pem[start + 11..];
    let label_end = rest.find("-----")?;
    let label = rest[..label_end].to_string();
    let body_start = label_end + 5;
    let end = rest.find(&format!("-----END {label}-----"))?;
    let b64: String = rest[body_start..end].chars().filter(|c| !c.is_whitespace()).collect();
    let der = STANDARD.decode(b64).ok()?;
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

/// DER of a tag and its contents.
fn der(tag: u8, contents: &[u8]) -> Vec<u8> {
    let len = contents.len();
    let mut out = vec![tag];
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len.to_be_bytes().into_iter().skip_while(|b| *b == 0).collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(contents);
    out
}

/// `AlgorithmIdentifier { rsaEncryption (1.2.840.113549.1.1.1), NULL }`.
const RSA_ALGORITHM: [u8; 15] = [
    0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
];

/// PKCS#8 `SEQUENCE { INTEGER 0, AlgorithmIdentifier, OCTET STRING pkcs1 }` around a PKCS#1 key.
fn wrap_pkcs1(pkcs1: &[u8]) -> Vec<u8> {
    let mut body = vec![0x02, 0x01, 0x00];
    body.extend_from_slice(&RSA_ALGORITHM);
    body.extend(der(0x04, pkcs1));
    der(0x30, &body)
}

/// The PKCS#1 key inside a PKCS#8 one whose algorithm is rsaEncryption (nothing may trail the DER).
fn pkcs8_inner(der: &[u8]) -> Option<Vec<u8>> {
    let (0x30, seq, []) = der_element(der)? else {
        return None;
    };
    let (0x02, _, rest) = der_element(seq)? else {
        return None;
    };
    let (0x30, alg, rest) = der_element(rest)? else {
        return None;
    };
    let (0x06, oid, _) = der_element(alg)? else {
        return None;
    };
    if *oid != RSA_ALGORITHM[4..13] {
        return None;
    }
    let (0x04, key, _) = der_element(rest)? else {
        return None;
    };
    Some(key.to_vec())
}

/// PKCS#1 `RSAPrivateKey`: version 0 then n, e, d, p, q, dp, dq, qinv, all non-empty, nothing trailing.
fn is_rsa_private_key(pkcs1: &[u8]) -> bool {
    let Some((0x30, mut seq, [])) = der_element(pkcs1) else {
        return false;
    };
    for i in 0..9 {
        match der_element(seq) {
            Some((0x02, int, rest)) if !int.is_empty() && (i > 0 || int == [0]) => seq = rest,
            _ => return false,
        }
    }
    seq.is_empty()
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

/// What RS256 signs: `base64url(header) "." base64url(claims)` (JWS compact form, no padding).
pub fn signing_input(claims: &Claims) -> String {
    let claims = serde_json::to_vec(claims).expect("claims serialise");
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(HEADER_JSON),
        URL_SAFE_NO_PAD.encode(claims)
    )
}

/// The signed assertion (header `{"alg":"RS256","typ":"JWT"}`).
pub async fn assertion(
    signer: &impl AssertionSigner,
    sa: &ServiceAccount,
    sub: &str,
    scopes: &[&str],
    now_secs: i64,
) -> Result<String, GoogleError> {
    let key = signing_key(&sa.private_key).map_err(|e| GoogleError::new(None, e))?;
    let input = signing_input(&claims(sa, sub, scopes, now_secs));
    let signature = signer
        .sign_rs256(&key, input.as_bytes())
        .await
        .map_err(|e| GoogleError::new(None, format!("signing the assertion: {e}")))?;
    Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature)))
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
    signer: &impl AssertionSigner,
    sa: &ServiceAccount,
    sub: &str,
    scopes: &[&str],
    now_ms: i64,
) -> Result<String, GoogleError> {
    let key = cache_key(sub, scopes);
    if let Some(t) = store.get(&key).await.filter(|t| t.fresh(now_ms)) {
        return Ok(t.access_token);
    }
    let jwt = assertion(signer, sa, sub, scopes, now_ms / 1000).await?;
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
