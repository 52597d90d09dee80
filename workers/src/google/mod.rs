//! Google Calendar and Gmail as a service account acting for a Workspace user (domain-wide delegation).
//! Tokens come from `shared::google::auth` with KV as their cache and WebCrypto as the assertion's signer
//! ([`signer`]); calls go through [`crate::outbound`].

mod signer;

use nuzantara_shared::google::auth::{self, CachedToken, GoogleError, TokenEndpoint, TokenResponse, TokenStore};
use nuzantara_shared::google::calendar::{self, Slot};
use nuzantara_shared::google::mime::Email;
use nuzantara_shared::google::{url_encode, GoogleConfig, CALENDAR_SCOPE, GMAIL_SEND_SCOPE};
use serde_json::Value;
use worker::{kv::KvStore, Method};

use crate::outbound::{self, Answer};
use crate::platform::now_ms;
use signer::WebCryptoSigner;

/// The token cache in KV (per user and scopes; KV entries expire with the token).
struct KvTokens(KvStore);

impl TokenStore for KvTokens {
    async fn get(&self, key: &str) -> Option<CachedToken> {
        self.0.get(key).json::<CachedToken>().await.ok().flatten()
    }
    async fn put(&self, key: &str, token: &CachedToken, ttl_secs: i64) {
        // KV refuses expirations under 60 s; such a token is simply not cached.
        if ttl_secs < 60 {
            return;
        }
        if let Ok(b) = self.0.put(key, token) {
            let _ = b.expiration_ttl(ttl_secs as u64).execute().await;
        }
    }
}

/// The token endpoint over HTTP.
struct HttpTokens;

impl TokenEndpoint for HttpTokens {
    async fn exchange(&self, url: &str, form: &str) -> Result<TokenResponse, GoogleError> {
        let a = outbound::call(
            Method::Post,
            url,
            None,
            "application/x-www-form-urlencoded",
            Some(form.to_string()),
        )
        .await
        .map_err(|e| GoogleError::new(None, e))?;
        if !a.ok() {
            return Err(GoogleError::new(
                Some(a.status),
                format!("token request refused: {}", a.reason()),
            ));
        }
        serde_json::from_value(a.json).map_err(|_| GoogleError::new(Some(200), "token answer without access_token"))
    }
}

/// Google as one Workspace user.
pub struct Google<'a> {
    cfg: &'a GoogleConfig,
    kv: KvStore,
}

impl<'a> Google<'a> {
    /// `kv` caches the access tokens.
    pub fn new(kv: KvStore, cfg: &'a GoogleConfig) -> Self {
        Self { cfg, kv }
    }

    async fn token(&self, user: &str, scope: &str) -> Result<String, GoogleError> {
        let store = KvTokens(self.kv.clone());
        auth::access_token(
            &store,
            &HttpTokens,
            &WebCryptoSigner,
            &self.cfg.account,
            user,
            &[scope],
            now_ms() as i64,
        )
        .await
    }

    async fn post(&self, user: &str, scope: &str, url: &str, body: &Value) -> Result<Value, GoogleError> {
        let token = self.token(user, scope).await?;
        let a: Answer = outbound::post_json(url, Some(&token), body)
            .await
            .map_err(|e| GoogleError::new(None, e))?;
        if !a.ok() {
            return Err(GoogleError::new(Some(a.status), a.reason()));
        }
        Ok(a.json)
    }

    /// Busy intervals of `user`'s primary calendar over `window`.
    pub async fn busy(&self, user: &str, window: Slot) -> Result<Vec<Slot>, GoogleError> {
        let url = format!("{}/calendar/v3/freeBusy", self.cfg.api_base);
        let answer = self
            .post(user, CALENDAR_SCOPE, &url, &calendar::freebusy_request(user, window))
            .await?;
        calendar::busy_from_response(user, &answer).map_err(|e| GoogleError::new(Some(200), e))
    }

    /// Inserts an event in `user`'s primary calendar and invites its attendees; returns the event.
    pub async fn insert_event(&self, user: &str, event: &Value) -> Result<Value, GoogleError> {
        let url = format!(
            "{}/calendar/v3/calendars/{}/events?sendUpdates=all",
            self.cfg.api_base,
            url_encode(user)
        );
        self.post(user, CALENDAR_SCOPE, &url, event).await
    }

    /// Sends `email` from `user`'s mailbox; returns Gmail's message id.
    pub async fn send(&self, user: &str, email: &Email) -> Result<String, GoogleError> {
        let body = email.gmail_body().map_err(|e| GoogleError::new(None, e))?;
        let url = format!(
            "{}/gmail/v1/users/{}/messages/send",
            self.cfg.api_base,
            url_encode(user)
        );
        let answer = self.post(user, GMAIL_SEND_SCOPE, &url, &body).await?;
        Ok(answer["id"].as_str().unwrap_or_default().to_string())
    }
}
