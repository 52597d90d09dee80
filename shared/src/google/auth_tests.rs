use std::cell::RefCell;
use std::collections::HashMap;

use base64::Engine;
use jsonwebtoken::{decode, Algorithm, DecodingKey, Validation};
use rsa::pkcs1::EncodeRsaPublicKey;
use rsa::pkcs8::EncodePrivateKey;

use super::*;
use crate::llm::test_util::block_on;

/// A fresh key pair: the PKCS#8 PEM Google would issue, and the verifier of its signatures.
pub(crate) fn key_pair() -> (String, DecodingKey) {
    let key = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 1024).unwrap();
    let der = key.to_pkcs8_der().unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(der.as_bytes());
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let pem = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        lines.join("\n")
    );
    let public = key.to_public_key().to_pkcs1_der().unwrap();
    (pem, DecodingKey::from_rsa_der(public.as_bytes()))
}

fn account(pem: &str) -> ServiceAccount {
    let json = serde_json::json!({
        "type": "service_account",
        "client_email": "nuzantara@bali-zero.iam.gserviceaccount.com",
        "private_key": pem,
        "token_uri": "https://oauth2.googleapis.com/token"
    });
    ServiceAccount::parse(&json.to_string(), None).unwrap()
}

#[test]
fn the_assertion_is_rs256_with_the_delegation_claims_and_verifies_with_the_public_key() {
    let (pem, public) = key_pair();
    let sa = account(&pem);
    let jwt = assertion(
        &sa,
        "dewi@balizero.com",
        &["https://www.googleapis.com/auth/calendar"],
        1_700_000_000,
    )
    .unwrap();
    let header = jsonwebtoken::decode_header(&jwt).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    let mut v = Validation::new(Algorithm::RS256);
    v.set_audience(&["https://oauth2.googleapis.com/token"]);
    v.validate_exp = false;
    let got = decode::<Claims>(&jwt, &public, &v).unwrap().claims;
    assert_eq!(
        got,
        Claims {
            iss: "nuzantara@bali-zero.iam.gserviceaccount.com".into(),
            scope: "https://www.googleapis.com/auth/calendar".into(),
            aud: "https://oauth2.googleapis.com/token".into(),
            exp: 1_700_003_600,
            iat: 1_700_000_000,
            sub: "dewi@balizero.com".into(),
        }
    );
    // Another key does not verify it.
    let (_, other) = key_pair();
    assert!(decode::<Claims>(&jwt, &other, &v).is_err());
}

#[test]
fn key_files_are_checked_when_read() {
    let (pem, _) = key_pair();
    // Key files pasted into one line keep their newlines escaped.
    let escaped = pem.replace('\n', "\\n");
    assert!(signing_key(&escaped).is_ok());
    let json = |key: &str| {
        serde_json::json!({ "client_email": "a@b.iam.gserviceaccount.com", "private_key": key }).to_string()
    };
    let sa = ServiceAccount::parse(&json(&pem), Some("http://127.0.0.1:9/token".into())).unwrap();
    assert_eq!(
        sa.token_uri, "http://127.0.0.1:9/token",
        "the override wins over the file"
    );
    assert!(!format!("{sa:?}").contains("PRIVATE"), "the key stays out of Debug");
    let truncated = format!("{}\n-----END PRIVATE KEY-----", &pem[..200]);
    for bad in [
        "",
        "not a key",
        truncated.as_str(),
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
    ] {
        assert!(ServiceAccount::parse(&json(bad), None).is_err(), "{bad:?}");
    }
    assert!(ServiceAccount::parse("{}", None).is_err());
    assert!(ServiceAccount::parse(&json(&pem), Some("ftp://x".into())).is_err());
}

#[test]
fn the_token_request_is_the_jwt_bearer_grant() {
    assert_eq!(
        token_request_body("a.b-c_d"),
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=a.b-c_d"
    );
}

#[derive(Default)]
struct MemStore(RefCell<HashMap<String, CachedToken>>);
impl TokenStore for MemStore {
    async fn get(&self, key: &str) -> Option<CachedToken> {
        self.0.borrow().get(key).cloned()
    }
    async fn put(&self, key: &str, token: &CachedToken, _ttl: i64) {
        self.0.borrow_mut().insert(key.into(), token.clone());
    }
}

#[derive(Default)]
struct FakeEndpoint(RefCell<Vec<String>>);
impl TokenEndpoint for FakeEndpoint {
    async fn exchange(&self, url: &str, form: &str) -> Result<TokenResponse, GoogleError> {
        assert_eq!(url, "https://oauth2.googleapis.com/token");
        self.0.borrow_mut().push(form.to_string());
        let n = self.0.borrow().len();
        Ok(TokenResponse {
            access_token: format!("token-{n}"),
            expires_in: 3600,
        })
    }
}

#[test]
fn a_token_is_fetched_once_per_user_and_scopes_and_renewed_before_it_expires() {
    let (pem, _) = key_pair();
    let sa = account(&pem);
    let (store, ep) = (MemStore::default(), FakeEndpoint::default());
    let get =
        |sub: &str, scopes: &[&str], now: i64| block_on(access_token(&store, &ep, &sa, sub, scopes, now)).unwrap();
    let t0 = 1_700_000_000_000;
    assert_eq!(get("dewi@x.com", &["a"], t0), "token-1");
    assert_eq!(
        get("DEWI@x.com", &["a"], t0 + 1000),
        "token-1",
        "cached (e-mails are case-blind)"
    );
    assert_eq!(get("dewi@x.com", &["b"], t0), "token-2", "other scopes, other token");
    assert_eq!(get("made@x.com", &["a"], t0), "token-3", "other user, other token");
    let margin = (3600 - REFRESH_MARGIN_SECS) * 1000;
    assert_eq!(get("dewi@x.com", &["a"], t0 + margin - 1), "token-1");
    assert_eq!(
        get("dewi@x.com", &["a"], t0 + margin),
        "token-4",
        "renewed before Google's expiry"
    );
    assert_eq!(ep.0.borrow().len(), 4);
    assert!(ep.0.borrow()[0].starts_with("grant_type=urn%3Aietf"));
    assert_eq!(cache_key("a@x.com", &["s2", "s1"]), cache_key("A@x.com", &["s1", "s2"]));
}
