//! `X-Hub-Signature-256`: Meta signs each webhook delivery with HMAC-SHA256 of the raw body under the app
//! secret, as `sha256=<hex>`. Checked before the body is parsed, in constant time.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header's value for `body` under `secret` (what Meta sends; tests sign with it).
pub fn sign(secret: &str, body: &[u8]) -> String {
    format!("sha256={}", hex::encode(mac(secret, body).finalize().into_bytes()))
}

/// Whether `header` is a valid signature of `body`. A missing prefix, bad hex or wrong length is false.
pub fn verify(secret: &str, body: &[u8], header: Option<&str>) -> bool {
    let Some(hex_sig) = header.and_then(|h| h.trim().strip_prefix("sha256=")) else {
        return false;
    };
    let Ok(given) = hex::decode(hex_sig) else {
        return false;
    };
    // `verify_slice` compares in constant time (and refuses a slice of the wrong length).
    mac(secret, body).verify_slice(&given).is_ok()
}

fn mac(secret: &str, body: &[u8]) -> Hmac<Sha256> {
    let mut m = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    m.update(body);
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_rfc_4231_vector() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            sign("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn only_the_right_secret_and_the_exact_body_pass() {
        let body = br#"{"object":"whatsapp_business_account","entry":[]}"#;
        let good = sign("app-secret", body);
        assert!(verify("app-secret", body, Some(&good)));
        assert!(!verify("other-secret", body, Some(&good)));
        let mut tampered = body.to_vec();
        tampered[3] ^= 1;
        assert!(!verify("app-secret", &tampered, Some(&good)));
        assert!(!verify("app-secret", body, None));
        assert!(!verify("app-secret", body, Some(good.trim_start_matches("sha256="))));
        assert!(!verify("app-secret", body, Some("sha256=zz")));
        assert!(!verify("app-secret", body, Some(&good[..good.len() - 2])));
        assert!(!verify("app-secret", body, Some("sha256=")));
        assert!(verify(
            "app-secret",
            body,
            Some(&good.to_uppercase().replace("SHA256=", "sha256="))
        ));
    }
}
