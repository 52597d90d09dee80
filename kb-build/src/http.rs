//! A small blocking HTTP helper over ureq with retries for rate limits and server errors, and error
//! messages that include the status and the start of the response body.

use std::time::Duration;

use anyhow::{anyhow, bail, Result};
use serde_json::Value;

pub enum Body<'a> {
    Empty,
    Json(&'a Value),
    Bytes { content_type: &'a str, bytes: &'a [u8] },
}

pub fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout_connect(Duration::from_secs(15))
        .timeout(Duration::from_secs(180))
        .build()
}

const ATTEMPTS: u32 = 4;

/// Sends a request; returns the parsed JSON response (or `Value::Null` for an empty body).
pub fn send(agent: &ureq::Agent, method: &str, url: &str, headers: &[(&str, &str)], body: Body) -> Result<Value> {
    let mut last_err = None;
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            std::thread::sleep(Duration::from_millis(500 * 2u64.pow(attempt)));
        }
        let mut req = agent.request(method, url);
        for (k, v) in headers {
            req = req.set(k, v);
        }
        let res = match &body {
            Body::Empty => req.call(),
            Body::Json(v) => req.send_json(*v),
            Body::Bytes { content_type, bytes } => req.set("Content-Type", content_type).send_bytes(bytes),
        };
        match res {
            Ok(resp) => {
                let text = resp.into_string()?;
                return if text.trim().is_empty() {
                    Ok(Value::Null)
                } else {
                    Ok(serde_json::from_str(&text)?)
                };
            }
            Err(ureq::Error::Status(code, resp)) => {
                let text = resp.into_string().unwrap_or_default();
                let excerpt: String = text.chars().take(500).collect();
                let err = anyhow!("{method} {url}: HTTP {code}: {excerpt}");
                if code == 429 || code >= 500 {
                    last_err = Some(err);
                    continue;
                }
                return Err(err);
            }
            Err(ureq::Error::Transport(t)) => last_err = Some(anyhow!("{method} {url}: {t}")),
        }
    }
    Err(last_err.unwrap_or_else(|| anyhow!("{method} {url}: failed")))
}

/// Checks a Cloudflare API envelope (`{"success": bool, "errors": [...], "result": ...}`).
pub fn cf_result(v: Value, what: &str) -> Result<Value> {
    if v.get("success").and_then(Value::as_bool) == Some(false) {
        bail!(
            "{what}: Cloudflare API error: {}",
            v.get("errors").cloned().unwrap_or_default()
        );
    }
    Ok(v.get("result").cloned().unwrap_or(Value::Null))
}
