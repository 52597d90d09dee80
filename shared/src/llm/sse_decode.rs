//! Incremental server-sent events decoder (the WHATWG event-stream grammar), fed arbitrary byte chunks.
//!
//! Lines are split on bytes, never on characters: CR and LF never occur inside a multi-byte UTF-8
//! sequence, so a chunk boundary in the middle of a character is harmless and each complete line is
//! decoded at once.

use super::error::ProviderError;
use super::types::Delta;

/// An incremental wire-format decoder: fed byte chunks split anywhere, it appends complete deltas.
pub trait DeltaDecoder {
    fn feed(&mut self, bytes: &[u8], out: &mut Vec<Delta>) -> Result<(), ProviderError>;
    /// End of the body: flushes what is pending, and fails with `Truncated` if the provider never
    /// said it was done.
    fn finish(&mut self, out: &mut Vec<Delta>) -> Result<(), ProviderError>;
}

/// One dispatched event. `id` is the stream's last event id, which persists across events as the spec says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SseEvent {
    pub id: Option<String>,
    pub event: Option<String>,
    pub data: String,
}

/// Upper bound on one line or one event's data, so a broken upstream cannot grow memory without limit.
pub const MAX_EVENT_BYTES: usize = 1 << 20;

#[derive(Debug, Default)]
pub struct SseDecoder {
    line: Vec<u8>,
    /// The previous byte was CR: a following LF belongs to the same line break.
    after_cr: bool,
    seen_first_line: bool,
    data: String,
    event: Option<String>,
    last_id: Option<String>,
    retry_ms: Option<u64>,
}

impl SseDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// The reconnection time the server last asked for (`retry:` field), in milliseconds.
    pub fn retry_ms(&self) -> Option<u64> {
        self.retry_ms
    }

    /// Decodes `bytes`, appending every event completed by them to `out`.
    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<SseEvent>) -> Result<(), ProviderError> {
        for &b in bytes {
            if std::mem::take(&mut self.after_cr) && b == b'\n' {
                continue;
            }
            match b {
                b'\n' => self.end_line(out)?,
                b'\r' => {
                    self.end_line(out)?;
                    self.after_cr = true;
                }
                _ => {
                    if self.line.len() >= MAX_EVENT_BYTES {
                        return Err(ProviderError::malformed("SSE line too long"));
                    }
                    self.line.push(b);
                }
            }
        }
        Ok(())
    }

    /// End of the byte stream. Unlike a browser, a final event that lacks its blank line is still
    /// dispatched: some servers omit it, and the adapters validate what they get anyway.
    pub fn finish(&mut self, out: &mut Vec<SseEvent>) -> Result<(), ProviderError> {
        if !self.line.is_empty() {
            self.end_line(out)?;
        }
        self.dispatch(out);
        Ok(())
    }

    fn end_line(&mut self, out: &mut Vec<SseEvent>) -> Result<(), ProviderError> {
        let raw = std::mem::take(&mut self.line);
        let mut line = String::from_utf8_lossy(&raw).into_owned();
        if !std::mem::replace(&mut self.seen_first_line, true) && line.starts_with('\u{feff}') {
            line.remove(0);
        }
        if line.is_empty() {
            self.dispatch(out);
            return Ok(());
        }
        if line.starts_with(':') {
            return Ok(()); // comment, e.g. a keep-alive
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line.as_str(), ""),
        };
        match field {
            "data" => {
                if self.data.len() + value.len() >= MAX_EVENT_BYTES {
                    return Err(ProviderError::malformed("SSE event too large"));
                }
                self.data.push_str(value);
                self.data.push('\n');
            }
            "event" => self.event = Some(value.to_string()),
            "id" if !value.contains('\0') => self.last_id = Some(value.to_string()),
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                self.retry_ms = value.parse().ok();
            }
            _ => {}
        }
        Ok(())
    }

    fn dispatch(&mut self, out: &mut Vec<SseEvent>) {
        let event = self.event.take();
        if self.data.is_empty() {
            return;
        }
        let mut data = std::mem::take(&mut self.data);
        data.pop(); // the LF after the last data line
        out.push(SseEvent {
            id: self.last_id.clone(),
            event,
            data,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_chunks(chunks: &[&[u8]]) -> Vec<SseEvent> {
        let mut d = SseDecoder::new();
        let mut out = Vec::new();
        for c in chunks {
            d.feed(c, &mut out).unwrap();
        }
        d.finish(&mut out).unwrap();
        out
    }

    fn ev(id: Option<&str>, event: Option<&str>, data: &str) -> SseEvent {
        SseEvent {
            id: id.map(Into::into),
            event: event.map(Into::into),
            data: data.into(),
        }
    }

    #[test]
    fn fields_comments_multiline_and_ids() {
        let s = "\u{feff}: hello\nid: 1\nevent: add\ndata: a\ndata:b\ndata\n\nretry: 2500\ndata: x\n\n:c\n\n";
        let got = decode_chunks(&[s.as_bytes()]);
        assert_eq!(got, [ev(Some("1"), Some("add"), "a\nb\n"), ev(Some("1"), None, "x")]);
        let mut d = SseDecoder::new();
        d.feed(s.as_bytes(), &mut Vec::new()).unwrap();
        assert_eq!(d.retry_ms(), Some(2500));
    }

    #[test]
    fn crlf_lf_and_cr_line_endings_agree_even_when_split() {
        let lf = "event: e\ndata: héllo · è\n\ndata: [DONE]\n\n";
        let expected = decode_chunks(&[lf.as_bytes()]);
        assert_eq!(expected.len(), 2);
        for variant in [lf.to_string(), lf.replace('\n', "\r\n"), lf.replace('\n', "\r")] {
            let b = variant.as_bytes();
            for i in 0..=b.len() {
                assert_eq!(decode_chunks(&[&b[..i], &b[i..]]), expected, "{variant:?} split at {i}");
            }
            let bytewise: Vec<&[u8]> = b.chunks(1).collect();
            assert_eq!(decode_chunks(&bytewise), expected);
        }
    }

    #[test]
    fn events_without_data_are_not_dispatched_and_a_final_unterminated_event_is() {
        assert!(decode_chunks(&[b"event: ping\n\n"]).is_empty());
        assert_eq!(decode_chunks(&[b"data: tail"]), [ev(None, None, "tail")]);
        // `event:` must not leak into the next event after an empty one.
        assert_eq!(decode_chunks(&[b"event: x\n\ndata: y\n\n"]), [ev(None, None, "y")]);
    }

    #[test]
    fn oversized_line_is_an_error_not_unbounded_memory() {
        let mut d = SseDecoder::new();
        let big = vec![b'a'; MAX_EVENT_BYTES + 1];
        assert!(d.feed(&big, &mut Vec::new()).is_err());
    }
}
