//! A small blocking HTTP helper over ureq with retries for rate limits and server errors, and error
//! messages that always start with the method and URL, then say what went wrong: the status and the
//! start of the response body, a refused connection, a timeout, or a body that is not JSON.

use std::io::Read;
use std::time::Duration;

use anyhow::{bail, Result};
use serde_json::Value;

/// A failed request: the message starts with the method and URL.
#[derive(Debug)]
pub struct HttpError {
    pub message: String,
    /// No complete answer within the agent's timeout.
    pub timed_out: bool,
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for HttpError {}

fn fail(message: String) -> anyhow::Error {
    HttpError {
        message,
        timed_out: false,
    }
    .into()
}

fn timed_out(message: String) -> anyhow::Error {
    HttpError {
        message,
        timed_out: true,
    }
    .into()
}

pub enum Body<'a> {
    Empty,
    Json(&'a Value),
    Bytes { content_type: &'a str, bytes: &'a [u8] },
}

/// The default timeout for one request (connect, send, and read the whole answer).
pub const TIMEOUT: Duration = Duration::from_secs(180);

pub fn agent() -> ureq::Agent {
    agent_with_timeout(TIMEOUT)
}

/// An agent whose requests fail after `timeout` (the whole exchange, not just the connection).
pub fn agent_with_timeout(timeout: Duration) -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout_connect(Duration::from_secs(15).min(timeout))
        .timeout(timeout)
        .build()
}

/// Attempts for [`send`]: rate limits (429), server errors (5xx) and connection failures are retried
/// with back-off (1 s, 2 s, 4 s); timeouts are not (the next attempt would likely be as slow).
pub const ATTEMPTS: u32 = 4;

/// Largest response body read (a batch of 64 vectors of 3,072 floats is ≈ 4 MB of JSON).
const MAX_BODY: u64 = 64 << 20;

/// Sends a request; returns the parsed JSON response (or `Value::Null` for an empty body).
pub fn send(agent: &ureq::Agent, method: &str, url: &str, headers: &[(&str, &str)], body: Body) -> Result<Value> {
    send_with(agent, method, url, headers, body, ATTEMPTS)
}

/// [`send`] with a number of attempts (at least one).
pub fn send_with(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Body,
    attempts: u32,
) -> Result<Value> {
    let mut last_err = None;
    for attempt in 0..attempts.max(1) {
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
                let mut text = String::new();
                if let Err(e) = resp.into_reader().take(MAX_BODY).read_to_string(&mut text) {
                    if e.kind() == std::io::ErrorKind::TimedOut {
                        return Err(timed_out(format!("{method} {url}: timed out reading the response")));
                    }
                    return Err(fail(format!("{method} {url}: cannot read the response: {e}")));
                }
                if text.trim().is_empty() {
                    return Ok(Value::Null);
                }
                return serde_json::from_str(&text).map_err(|e| {
                    fail(format!(
                        "{method} {url}: malformed response, not JSON ({e}): {}",
                        excerpt(&text)
                    ))
                });
            }
            Err(ureq::Error::Status(code, resp)) => {
                let text = resp.into_string().unwrap_or_default();
                let err = fail(format!("{method} {url}: HTTP {code}: {}", excerpt(&text)));
                if code == 429 || code >= 500 {
                    last_err = Some(err);
                    continue;
                }
                return Err(err);
            }
            Err(ureq::Error::Transport(t)) => {
                if is_timeout(&t) {
                    return Err(timed_out(format!("{method} {url}: timed out")));
                }
                let what = if t.kind() == ureq::ErrorKind::ConnectionFailed {
                    // ureq's own text repeats the URL; its cause is the useful part.
                    let cause = std::error::Error::source(&t)
                        .map(ToString::to_string)
                        .or_else(|| t.message().map(str::to_string))
                        .unwrap_or_else(|| t.to_string());
                    format!("cannot connect ({cause}); is the server running?")
                } else {
                    t.to_string()
                };
                last_err = Some(fail(format!("{method} {url}: {what}")));
            }
        }
    }
    Err(last_err.unwrap_or_else(|| fail(format!("{method} {url}: failed"))))
}

fn excerpt(text: &str) -> String {
    let s: String = text.chars().take(500).collect();
    if s.len() < text.len() {
        format!("{s}…")
    } else {
        s
    }
}

fn is_timeout(t: &ureq::Transport) -> bool {
    let io = std::error::Error::source(t).and_then(|e| e.downcast_ref::<std::io::Error>());
    matches!(
        io.map(std::io::Error::kind),
        Some(std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock)
    ) || t.to_string().contains("timed out")
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
