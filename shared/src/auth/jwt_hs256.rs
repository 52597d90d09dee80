//! jsonwebtoken's crypto reduced to what access tokens use: HS256. The crate's `rust_crypto` provider
//! picks its signer with a `match` over every algorithm, which links RSA, ECDSA and Ed25519 into the
//! WASM even when only HMAC runs; this provider knows HS256 alone and refuses the rest.

use hmac::{Hmac, Mac};
use jsonwebtoken::crypto::{CryptoProvider, JwkUtils, JwtSigner, JwtVerifier};
use jsonwebtoken::errors::{ErrorKind, Result};
use jsonwebtoken::signature::{self, Signer, Verifier};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use sha2::Sha256;

struct Hs256(Hmac<Sha256>);

impl Hs256 {
    fn new(secret: &[u8]) -> Result<Self> {
        Ok(Self(
            Hmac::new_from_slice(secret).map_err(|_| ErrorKind::InvalidKeyFormat)?,
        ))
    }
}

impl Signer<Vec<u8>> for Hs256 {
    fn try_sign(&self, msg: &[u8]) -> std::result::Result<Vec<u8>, signature::Error> {
        let mut mac = self.0.clone();
        mac.update(msg);
        Ok(mac.finalize().into_bytes().to_vec())
    }
}

impl Verifier<Vec<u8>> for Hs256 {
    /// Constant-time comparison (`verify_slice`).
    fn verify(&self, msg: &[u8], signature: &Vec<u8>) -> std::result::Result<(), signature::Error> {
        let mut mac = self.0.clone();
        mac.update(msg);
        mac.verify_slice(signature).map_err(signature::Error::from_source)
    }
}

impl JwtSigner for Hs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::HS256
    }
}

impl JwtVerifier for Hs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::HS256
    }
}

fn signer(alg: &Algorithm, key: &EncodingKey) -> Result<Box<dyn JwtSigner>> {
    match alg {
        Algorithm::HS256 => Ok(Box::new(Hs256::new(key.try_get_hmac_secret()?)?)),
        _ => Err(ErrorKind::InvalidAlgorithm.into()),
    }
}

fn verifier(alg: &Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>> {
    match alg {
        Algorithm::HS256 => Ok(Box::new(Hs256::new(key.try_get_hmac_secret()?)?)),
        _ => Err(ErrorKind::InvalidAlgorithm.into()),
    }
}

static PROVIDER: CryptoProvider = CryptoProvider {
    signer_factory: signer,
    verifier_factory: verifier,
    jwk_utils: JwkUtils::new_unimplemented(),
};

/// Makes this provider jsonwebtoken's for the process; called before every encode and decode (the
/// second call onwards is a no-op: the crate keeps the first provider installed).
pub fn install() {
    let _ = PROVIDER.install_default();
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{crypto, decode, Validation};

    use super::*;

    /// jwt.io's HS256 example (secret `your-256-bit-secret`).
    const EXAMPLE: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";

    #[test]
    fn hs256_matches_a_published_token_and_other_algorithms_are_refused() {
        install();
        let (message, signature) = EXAMPLE.rsplit_once('.').unwrap();
        let key = EncodingKey::from_secret(b"your-256-bit-secret");
        assert_eq!(
            crypto::sign(message.as_bytes(), &key, Algorithm::HS256).unwrap(),
            signature
        );
        let mut v = Validation::new(Algorithm::HS256);
        v.required_spec_claims.clear();
        v.validate_exp = false;
        let secret = DecodingKey::from_secret(b"your-256-bit-secret");
        let claims = decode::<serde_json::Value>(EXAMPLE, &secret, &v).unwrap().claims;
        assert_eq!(claims["name"], "John Doe");
        let wrong = DecodingKey::from_secret(b"another-secret");
        assert!(decode::<serde_json::Value>(EXAMPLE, &wrong, &v).is_err());
        for alg in [Algorithm::HS512, Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA] {
            let err = crypto::sign(message.as_bytes(), &key, alg).unwrap_err();
            assert_eq!(err.kind(), &ErrorKind::InvalidAlgorithm, "{alg:?}");
        }
    }
}
