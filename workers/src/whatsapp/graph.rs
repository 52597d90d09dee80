//! The Graph API over `fetch`: `POST {WHATSAPP_API_BASE}/{WHATSAPP_PHONE_NUMBER_ID}/messages` with the bearer
//! token, bounded by `WHATSAPP_TIMEOUT_MS`. Texts and templates go through the same call.

use nuzantara_shared::config::WhatsAppConfig;
use nuzantara_shared::whatsapp::graph::{read_response, Accepted, GraphApi, OutgoingMessage, SendError};
use worker::{Fetch, Headers, Method, Request, RequestInit};

use crate::platform::within;

pub struct HttpGraph<'a>(pub &'a WhatsAppConfig);

impl GraphApi for HttpGraph<'_> {
    async fn send(&self, message: &OutgoingMessage) -> Result<Accepted, SendError> {
        let cfg = self.0;
        let url = format!("{}/{}/messages", cfg.api_base, cfg.phone_number_id);
        let headers = Headers::new();
        let bad = |e: worker::Error| SendError::Permanent {
            status: 0,
            detail: e.to_string(),
        };
        headers
            .set("Authorization", &format!("Bearer {}", cfg.token))
            .map_err(bad)?;
        headers.set("Content-Type", "application/json").map_err(bad)?;
        let mut init = RequestInit::new();
        init.with_method(Method::Post)
            .with_headers(headers)
            .with_body(Some(message.to_graph_json().to_string().into()));
        let request = Request::new_with_init(&url, &init).map_err(bad)?;
        let call = async {
            let mut resp = Fetch::Request(request).send().await?;
            let retry_after = resp.headers().get("Retry-After").ok().flatten();
            let body = resp.text().await?;
            Ok::<_, worker::Error>((resp.status_code(), retry_after, body))
        };
        match within(cfg.timeout_ms, call).await {
            None => Err(SendError::retryable(format!("no answer in {} ms", cfg.timeout_ms))),
            Some(Err(e)) => Err(SendError::retryable(format!("connection: {e}"))),
            Some(Ok((status, retry_after, body))) => read_response(status, retry_after.as_deref(), &body),
        }
    }
}
