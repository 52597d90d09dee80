//! Server-sent events framing: the one function every stream goes through.

/// Frames one event. Multi-line data becomes several `data:` lines (the client joins them with `\n`);
/// CR/LF in `id` and `event` are stripped so a value can never start a new field.
pub fn frame(id: Option<&str>, event: Option<&str>, data: &str) -> String {
    let mut out = String::with_capacity(data.len() + 32);
    if let Some(id) = id {
        out.push_str("id: ");
        out.push_str(&single_line(id));
        out.push('\n');
    }
    if let Some(event) = event {
        out.push_str("event: ");
        out.push_str(&single_line(event));
        out.push('\n');
    }
    for line in data.split('\n') {
        out.push_str("data: ");
        out.push_str(line.strip_suffix('\r').unwrap_or(line));
        out.push('\n');
    }
    out.push('\n');
    out
}

/// A comment line: keeps proxies from timing out an idle stream.
pub fn heartbeat() -> &'static str {
    ": keep-alive\n\n"
}

fn single_line(s: &str) -> String {
    s.chars().filter(|c| *c != '\n' && *c != '\r').collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_id_event_and_multiline_data() {
        assert_eq!(
            frame(Some("7"), Some("token"), "{\"a\":1}"),
            "id: 7\nevent: token\ndata: {\"a\":1}\n\n"
        );
        assert_eq!(frame(None, None, "a\nb\r\nc"), "data: a\ndata: b\ndata: c\n\n");
    }

    #[test]
    fn newlines_cannot_inject_fields() {
        let f = frame(Some("1\nevent: evil"), Some("x\r\ndata: y"), "z");
        assert_eq!(f, "id: 1event: evil\nevent: xdata: y\ndata: z\n\n");
        assert_eq!(f.matches('\n').count(), 4);
    }
}
