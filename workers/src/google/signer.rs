//! RS256 through WebCrypto (RSASSA-PKCS1-v1_5 with SHA-256): the runtime's native RSA, so the WASM
//! carries no big-integer code. The imported key is kept per isolate: a key import parses the DER and
//! is the larger part of a signature's cost.

use std::cell::RefCell;

use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use nuzantara_shared::google::auth::{AssertionSigner, SigningKey};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

const ALGORITHM: &str = "RSASSA-PKCS1-v1_5";

thread_local! {
    /// The last imported key with the DER it came from (one service account per deployment).
    static IMPORTED: RefCell<Option<(Vec<u8>, JsValue)>> = const { RefCell::new(None) };
}

/// WebCrypto's reasons are short (`DataError: …`); they carry no key material.
fn js_err(e: JsValue) -> String {
    e.as_string()
        .or_else(|| e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.to_string())))
        .unwrap_or_else(|| "WebCrypto refused the operation".into())
}

/// Calls `crypto.subtle[name](...args)` and awaits its promise.
async fn subtle(name: &str, args: &Array) -> Result<JsValue, String> {
    let crypto = Reflect::get(&js_sys::global(), &"crypto".into()).map_err(js_err)?;
    let subtle = Reflect::get(&crypto, &"subtle".into()).map_err(js_err)?;
    let method: Function = Reflect::get(&subtle, &name.into())
        .map_err(js_err)?
        .dyn_into()
        .map_err(js_err)?;
    let promise: Promise = method.apply(&subtle, args).map_err(js_err)?.unchecked_into();
    JsFuture::from(promise).await.map_err(js_err)
}

async fn import(der: &[u8]) -> Result<JsValue, String> {
    if let Some(key) = IMPORTED.with_borrow(|k| k.as_ref().filter(|(d, _)| d == der).map(|(_, key)| key.clone())) {
        return Ok(key);
    }
    let algorithm = Object::new();
    for (k, v) in [("name", ALGORITHM), ("hash", "SHA-256")] {
        Reflect::set(&algorithm, &k.into(), &v.into()).map_err(js_err)?;
    }
    let args = Array::of5(
        &"pkcs8".into(),
        &Uint8Array::from(der),
        &algorithm,
        &JsValue::FALSE,
        &Array::of1(&"sign".into()),
    );
    let key = subtle("importKey", &args).await?;
    IMPORTED.set(Some((der.to_vec(), key.clone())));
    Ok(key)
}

/// The worker's [`AssertionSigner`].
pub struct WebCryptoSigner;

impl AssertionSigner for WebCryptoSigner {
    async fn sign_rs256(&self, key: &SigningKey, signing_input: &[u8]) -> Result<Vec<u8>, String> {
        let key = import(key.pkcs8_der()).await?;
        let args = Array::of3(&ALGORITHM.into(), &key, &Uint8Array::from(signing_input));
        let signature = subtle("sign", &args).await?;
        Ok(Uint8Array::new(&signature).to_vec())
    }
}
