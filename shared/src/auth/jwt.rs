//! Access tokens: HS256 JWTs with iss/aud/exp/nbf/iat/jti/role. Time is passed in; the library's own
//! clock is not used (there is none on wasm32), so exp and nbf are checked here.

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::roles::Role;
use crate::error::ApiError;

pub const ISSUER: &str = "nuzantara";
pub const AUDIENCE: &str = "nuzantara-api";
/// Access tokens are short-lived; the refresh token carries the session.
pub const ACCESS_TTL_SECS: u64 = 15 * 60;
/// Clock skew tolerated between isolates.
pub const LEEWAY_SECS: u64 = 30;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    pub iat: u64,
    pub nbf: u64,
    pub exp: u64,
    pub jti: String,
    /// The user's session epoch when the token was issued: a password, role or account change bumps the
    /// epoch and every older token is refused (see `auth::revocation`). Absent in older tokens: 0.
    #[serde(default)]
    pub ver: u32,
}

impl Claims {
    pub fn new(sub: &str, role: Role, client_id: Option<String>, now_secs: u64, jti: String) -> Self {
        Self {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: sub.into(),
            role,
            client_id,
            iat: now_secs,
            nbf: now_secs,
            exp: now_secs + ACCESS_TTL_SECS,
            jti,
            ver: 0,
        }
    }

    /// The same claims bound to the user's current session epoch.
    pub fn with_epoch(self, ver: u32) -> Self {
        Self { ver, ..self }
    }
}

pub fn sign(claims: &Claims, secret: &[u8]) -> Result<String, ApiError> {
    super::jwt_hs256::install();
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .map_err(|e| ApiError::internal(format!("jwt encode: {e}")))
}

/// Verifies signature (HS256 only: `none` and other algorithms are refused), issuer, audience and times.
pub fn verify(token: &str, secret: &[u8], now_secs: u64) -> Result<Claims, ApiError> {
    super::jwt_hs256::install();
    let mut v = Validation::new(Algorithm::HS256);
    v.set_issuer(&[ISSUER]);
    v.set_audience(&[AUDIENCE]);
    v.validate_exp = false;
    v.validate_nbf = false;
    v.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
    let claims = decode::<Claims>(token, &DecodingKey::from_secret(secret), &v)
        .map_err(|_| ApiError::unauthorized("invalid access token"))?
        .claims;
    if claims.exp + LEEWAY_SECS <= now_secs {
        return Err(ApiError::unauthorized("access token expired"));
    }
    if claims.nbf > now_secs + LEEWAY_SECS || claims.iat > now_secs + LEEWAY_SECS {
        return Err(ApiError::unauthorized("access token not yet valid"));
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD as B64, Engine};

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
    const NOW: u64 = 1_800_000_000;

    fn token() -> String {
        sign(&Claims::new("u1", Role::Consultant, None, NOW, "j1".into()), SECRET).unwrap()
    }

    fn tamper_payload(t: &str, f: impl Fn(&mut serde_json::Value)) -> String {
        let parts: Vec<&str> = t.split('.').collect();
        let mut payload: serde_json::Value = serde_json::from_slice(&B64.decode(parts[1]).unwrap()).unwrap();
        f(&mut payload);
        format!("{}.{}.{}", parts[0], B64.encode(payload.to_string()), parts[2])
    }

    #[test]
    fn a_fresh_token_verifies() {
        let c = verify(&token(), SECRET, NOW + 60).unwrap();
        assert_eq!((c.sub.as_str(), c.role, c.jti.as_str()), ("u1", Role::Consultant, "j1"));
    }

    #[test]
    fn expired_not_yet_valid_and_wrong_secret_are_refused() {
        assert!(verify(&token(), SECRET, NOW + ACCESS_TTL_SECS + LEEWAY_SECS)
            .unwrap_err()
            .message
            .contains("expired"));
        assert!(verify(&token(), SECRET, NOW - 3_600)
            .unwrap_err()
            .message
            .contains("not yet"));
        assert_eq!(
            verify(&token(), b"another-secret-another-secret-xx", NOW)
                .unwrap_err()
                .status(),
            401
        );
    }

    #[test]
    fn alg_none_and_algorithm_confusion_are_refused() {
        let t = token();
        let payload = t.split('.').nth(1).unwrap();
        for header in [
            r#"{"alg":"none","typ":"JWT"}"#,
            r#"{"alg":"HS512","typ":"JWT"}"#,
            r#"{"alg":"RS256","typ":"JWT"}"#,
        ] {
            let forged = format!("{}.{payload}.", B64.encode(header));
            assert_eq!(verify(&forged, SECRET, NOW).unwrap_err().status(), 401, "{header}");
            let forged_sig = format!("{}.{payload}.{}", B64.encode(header), t.split('.').nth(2).unwrap());
            assert_eq!(verify(&forged_sig, SECRET, NOW).unwrap_err().status(), 401, "{header}");
        }
    }

    #[test]
    fn tampered_claims_and_wrong_audience_are_refused() {
        let elevated = tamper_payload(&token(), |p| p["role"] = "admin".into());
        assert_eq!(verify(&elevated, SECRET, NOW).unwrap_err().status(), 401);
        let other_aud = sign(
            &Claims {
                aud: "someone-else".into(),
                ..Claims::new("u1", Role::Admin, None, NOW, "j".into())
            },
            SECRET,
        )
        .unwrap();
        assert_eq!(verify(&other_aud, SECRET, NOW).unwrap_err().status(), 401);
        let other_iss = sign(
            &Claims {
                iss: "evil".into(),
                ..Claims::new("u1", Role::Admin, None, NOW, "j".into())
            },
            SECRET,
        )
        .unwrap();
        assert_eq!(verify(&other_iss, SECRET, NOW).unwrap_err().status(), 401);
        assert_eq!(verify("not.a.jwt", SECRET, NOW).unwrap_err().status(), 401);
        assert_eq!(verify("", SECRET, NOW).unwrap_err().status(), 401);
    }
}
