//! Structured JSON log lines: one object per event, always with the request id.

use serde_json::{json, Map, Value};

/// A request slower than this is logged even when it succeeded.
pub const SLOW_REQUEST_MS: f64 = 1_000.0;

/// Which requests get a log line of their own (`LOG_REQUESTS`). Successful requests are counted in
/// `/metrics`, and deployed Workers record every invocation (URL, status, duration) in their own logs, so by
/// default only failures and slow requests are logged: a line costs about as much CPU as a whole cheap
/// request (see `make bench`). `all` is for tracing a problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestLog {
    FailuresAndSlow,
    All,
}

impl RequestLog {
    pub fn parse(value: Option<&str>) -> Result<Self, String> {
        match value.unwrap_or("failures") {
            "failures" => Ok(Self::FailuresAndSlow),
            "all" => Ok(Self::All),
            other => Err(format!("LOG_REQUESTS must be failures or all, not {other:?}")),
        }
    }

    /// Whether a finished request is logged. Probes and scrapes that succeed never are: they come every few
    /// seconds from machines.
    pub fn wants(self, route: &str, status: u16, elapsed_ms: f64) -> bool {
        if status >= 400 || elapsed_ms >= SLOW_REQUEST_MS {
            return true;
        }
        self == Self::All && !matches!(route, "/health" | "/metrics")
    }
}

/// Builds one log line. `fields` are merged in; later keys win.
pub fn line(level: &str, msg: &str, request_id: &str, fields: Value) -> String {
    let mut obj = Map::new();
    obj.insert("level".into(), json!(level));
    obj.insert("msg".into(), json!(msg));
    obj.insert("request_id".into(), json!(request_id));
    if let Value::Object(extra) = fields {
        obj.extend(extra);
    }
    Value::Object(obj).to_string()
}

#[cfg(test)]
mod tests {
    use super::RequestLog;

    #[test]
    fn failures_and_slow_requests_are_always_logged_successes_only_on_request() {
        let quiet = RequestLog::parse(None).unwrap();
        assert!(!quiet.wants("/api/search", 200, 12.0));
        assert!(quiet.wants("/api/search", 422, 1.0));
        assert!(quiet.wants("/api/search", 503, 1.0));
        assert!(quiet.wants("/bali-zero/chat", 200, 1_500.0));
        let all = RequestLog::parse(Some("all")).unwrap();
        assert!(all.wants("/api/search", 200, 12.0));
        assert!(!all.wants("/health", 200, 1.0));
        assert!(all.wants("/health", 503, 1.0));
        assert!(RequestLog::parse(Some("verbose")).unwrap_err().contains("LOG_REQUESTS"));
    }

    #[test]
    fn log_lines_are_single_line_json_with_request_id() {
        let l = super::line(
            "info",
            "request\nend",
            "r1",
            serde_json::json!({"status": 200, "path": "/a\"b"}),
        );
        assert!(!l.contains('\n'));
        let v: serde_json::Value = serde_json::from_str(&l).unwrap();
        assert_eq!(v["request_id"], "r1");
        assert_eq!(v["status"], 200);
        assert_eq!(v["path"], "/a\"b");
    }
}
