//! Structured JSON log lines: one object per event, always with the request id.

use serde_json::{json, Map, Value};

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
