use std::cell::RefCell;
use std::collections::HashMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use rsa::{Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey};

use super::*;
use crate::llm::test_util::block_on;

/// The native [`AssertionSigner`] of the tests (the worker's is WebCrypto).
pub(crate) struct RsaSigner;

impl AssertionSigner for RsaSigner {
    async fn sign_rs256(&self, key: &SigningKey, signing_input: &[u8]) -> Result<Vec<u8>, String> {
        let key = RsaPrivateKey::from_pkcs8_der(key.pkcs8_der()).map_err(|e| e.to_string())?;
        key.sign(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(signing_input))
            .map_err(|e| e.to_string())
    }
}

fn to_pem(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!("-----BEGIN {label}-----\n{}\n-----END {label}-----\n", lines.join("\n"))
}

fn new_key() -> RsaPrivateKey {
    RsaPrivateKey::new(&mut rand::thread_rng(), 1024).unwrap()
}

/// A fresh key pair: the PKCS#8 PEM Google would issue, and the public key that verifies its signatures.
pub(crate) fn key_pair() -> (String, RsaPublicKey) {
    let key = new_key();
    (
        to_pem("PRIVATE KEY", key.to_pkcs8_der().unwrap().as_bytes()),
        key.to_public_key(),
    )
}

/// The claims of a compact JWT whose header is RS256 and whose signature verifies with `public`.
fn verified_claims(jwt: &str, public: &RsaPublicKey) -> Result<Claims, String> {
    let parts: Vec<&str> = jwt.split('.').collect();
    let [header, claims, signature] = parts[..] else {
        return Err(format!("{} parts", parts.len()));
    };
    let header: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
    assert_eq!(header, serde_json::json!({ "alg": "RS256", "typ": "JWT" }));
    let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|e| e.to_string())?;
    let digest = Sha256::digest(format!("{}.{}", parts[0], parts[1]));
    public
        .verify(Pkcs1v15Sign::new::<Sha256>(), &digest, &signature)
        .map_err(|e| e.to_string())?;
    Ok(serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).unwrap()).unwrap())
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
    let jwt = block_on(assertion(
        &RsaSigner,
        &sa,
        "dewi@balizero.com",
        &["https://www.googleapis.com/auth/calendar"],
        1_700_000_000,
    ))
    .unwrap();
    assert_eq!(
        verified_claims(&jwt, &public).unwrap(),
        Claims {
            iss: "nuzantara@bali-zero.iam.gserviceaccount.com".into(),
            scope: "https://www.googleapis.com/auth/calendar".into(),
            aud: "https://oauth2.googleapis.com/token".into(),
            exp: 1_700_003_600,
            iat: 1_700_000_000,
            sub: "dewi@balizero.com".into(),
        }
    );
    // Another key does not verify it, nor does a changed claim.
    assert!(verified_claims(&jwt, &key_pair().1).is_err());
    let (head, rest) = jwt.split_once('.').unwrap();
    let (_, sig) = rest.split_once('.').unwrap();
    let forged = signing_input(&claims(&sa, "boss@balizero.com", &["x"], 1_700_000_000));
    assert!(forged.starts_with(head));
    assert!(verified_claims(&format!("{forged}.{sig}"), &public).is_err());
}

#[test]
fn a_pkcs1_key_file_signs_as_its_pkcs8_form() {
    let key = new_key();
    let pkcs1 = to_pem("RSA PRIVATE KEY", key.to_pkcs1_der().unwrap().as_bytes());
    let pkcs8 = key.to_pkcs8_der().unwrap();
    assert_eq!(signing_key(&pkcs1).unwrap().pkcs8_der(), pkcs8.as_bytes());
    let jwt = block_on(assertion(&RsaSigner, &account(&pkcs1), "a@b.c", &["s"], 0)).unwrap();
    assert_eq!(verified_claims(&jwt, &key.to_public_key()).unwrap().sub, "a@b.c");
}

#[test]
fn a_signer_failure_is_an_error_without_key_material() {
    struct Refuses;
    impl AssertionSigner for Refuses {
        async fn sign_rs256(&self, _: &SigningKey, _: &[u8]) -> Result<Vec<u8>, String> {
            Err("DataError".into())
        }
    }
    let (pem, _) = key_pair();
    let err = block_on(assertion(&Refuses, &account(&pem), "a@b.c", &["s"], 0)).unwrap_err();
    assert_eq!(err, GoogleError::new(None, "signing the assertion: DataError"));
    assert!(!format!("{:?}", signing_key(&pem).unwrap()).contains("PRIVATE"));
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
    // Structurally wrong keys, caught without crypto: another algorithm, bytes after the key, and an
    // RSAPrivateKey short of its nine integers.
    let der = new_key().to_pkcs8_der().unwrap().as_bytes().to_vec();
    let oid_at = der.windows(9).position(|w| w == &RSA_ALGORITHM[4..13]).unwrap();
    let mut other_alg = der.clone();
    other_alg[oid_at + 8] = 0x02;
    let trailing = [der.as_slice(), &[0]].concat();
    let short = wrap_pkcs1(&super::der(0x30, &[0x02, 0x01, 0x00].repeat(8)));
    let nine = wrap_pkcs1(&super::der(0x30, &[0x02, 0x01, 0x00].repeat(9)));
    assert!(
        signing_key(&to_pem("PRIVATE KEY", &nine)).is_ok(),
        "the check is structural only"
    );
    let structural = [other_alg, trailing, short].map(|d| to_pem("PRIVATE KEY", &d));
    for bad in [
        "",
        "not a key",
        truncated.as_str(),
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
        &structural[0],
        &structural[1],
        &structural[2],
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
    let get = |sub: &str, scopes: &[&str], now: i64| {
        block_on(access_token(&store, &ep, &RsaSigner, &sa, sub, scopes, now)).unwrap()
    };
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
