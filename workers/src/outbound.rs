//! One outbound JSON call to an outside API (Google, the WhatsApp Graph API), bounded by a timeout. The
//! answer's status and JSON body come back; callers decide what a non-2xx means.

use serde_json::Value;
use worker::{Fetch, Headers, Method, Request, RequestInit};

use crate::platform::within;

/// Outside APIs get this long to answer before the call counts as failed.
pub const TIMEOUT_MS: u64 = 15_000;

#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub json: Value,
}

impl Answer {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
    /// A short reason from an error body (`error.message` in Google's and Meta's shapes).
    pub fn reason(&self) -> String {
        let msg = self.json["error"]["message"]
            .as_str()
            .or_else(|| self.json["error_description"].as_str())
            .or_else(|| self.json["error"].as_str())
            .unwrap_or("no details");
        msg.chars().take(200).collect()
    }
}

/// Sends `body` (already encoded, with its content type) with an optional bearer token.
pub async fn call(
    method: Method,
    url: &str,
    bearer: Option<&str>,
    content_type: &str,
    body: Option<String>,
) -> Result<Answer, String> {
    let headers = Headers::new();
    let set = |k: &str, v: &str| headers.set(k, v).map_err(|e| e.to_string());
    set("Accept", "application/json")?;
    if body.is_some() {
        set("Content-Type", content_type)?;
    }
    if let Some(t) = bearer {
        set("Authorization", &format!("Bearer {t}"))?;
    }
    let mut init = RequestInit::new();
    init.with_method(method)
        .with_headers(headers)
        .with_body(body.map(Into::into));
    let req = Request::new_with_init(url, &init).map_err(|e| e.to_string())?;
    let mut resp = match within(TIMEOUT_MS, Fetch::Request(req).send()).await {
        None => return Err(format!("no answer in {TIMEOUT_MS} ms")),
        Some(Err(e)) => return Err(format!("connection failed: {e}")),
        Some(Ok(r)) => r,
    };
    let status = resp.status_code();
    let text = within(TIMEOUT_MS, resp.text())
        .await
        .and_then(Result::ok)
        .unwrap_or_default();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Ok(Answer { status, json })
}

/// A JSON POST.
pub async fn post_json(url: &str, bearer: Option<&str>, body: &Value) -> Result<Answer, String> {
    call(Method::Post, url, bearer, "application/json", Some(body.to_string())).await
}
