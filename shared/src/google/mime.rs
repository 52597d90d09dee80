//! The RFC 2822 message Gmail's `users.messages.send` takes as `raw` (base64url). Plain text, UTF-8, the
//! body base64-encoded so any language survives, and headers refused when they could inject others.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub from: String,
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// A plausible single address (`local@domain.tld`, no spaces, no line breaks, no angle brackets).
pub fn valid_address(a: &str) -> bool {
    let Some((local, domain)) = a.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && a.len() <= 254
        && a.chars()
            .all(|c| c.is_ascii_graphic() && !"<>(),;:\\\"[]@".contains(c) || c == '@')
        && a.matches('@').count() == 1
}

/// RFC 2047 encoded-word for a header value that is not plain ASCII.
fn header_text(s: &str) -> String {
    if s.chars().all(|c| c.is_ascii() && !c.is_ascii_control()) {
        s.to_string()
    } else {
        format!("=?UTF-8?B?{}?=", STANDARD.encode(s))
    }
}

impl Email {
    /// The message as sent: headers, a blank line, the base64 body in 76-character lines.
    pub fn to_rfc2822(&self) -> Result<String, String> {
        for (name, addr) in [("From", &self.from), ("To", &self.to)] {
            if !valid_address(addr) {
                return Err(format!("{name} is not a valid e-mail address"));
            }
        }
        if self.subject.contains(['\r', '\n']) {
            return Err("the subject must be one line".into());
        }
        let body = STANDARD.encode(self.body.replace("\r\n", "\n").replace('\n', "\r\n"));
        let lines: Vec<&str> = body
            .as_bytes()
            .chunks(76)
            .map(|c| std::str::from_utf8(c).unwrap_or_default())
            .collect();
        Ok(format!(
            "From: {}\r\nTo: {}\r\nSubject: {}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n",
            self.from,
            self.to,
            header_text(&self.subject),
            lines.join("\r\n")
        ))
    }

    /// The `users.messages.send` body: `{"raw": base64url(message)}`.
    pub fn gmail_body(&self) -> Result<serde_json::Value, String> {
        Ok(serde_json::json!({ "raw": URL_SAFE_NO_PAD.encode(self.to_rfc2822()?) }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email() -> Email {
        Email {
            from: "dewi@balizero.com".into(),
            to: "marco@example.it".into(),
            subject: "Preventivo — KITAS E33G".into(),
            body: "Ciao Marco,\nèccoti il preventivo.\n".into(),
        }
    }

    #[test]
    fn the_message_has_mime_headers_an_encoded_subject_and_a_base64_body() {
        let m = email().to_rfc2822().unwrap();
        let (head, body) = m.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("From: dewi@balizero.com\r\nTo: marco@example.it\r\n"));
        assert!(head.contains(
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64"
        ));
        let subject = head.lines().find(|l| l.starts_with("Subject: ")).unwrap();
        let encoded = subject.trim_start_matches("Subject: =?UTF-8?B?").trim_end_matches("?=");
        assert_eq!(
            String::from_utf8(STANDARD.decode(encoded).unwrap()).unwrap(),
            "Preventivo — KITAS E33G"
        );
        let decoded = STANDARD.decode(body.replace("\r\n", "")).unwrap();
        assert_eq!(
            String::from_utf8(decoded).unwrap(),
            "Ciao Marco,\r\nèccoti il preventivo.\r\n"
        );
        let ascii = Email {
            subject: "Your quote".into(),
            ..email()
        }
        .to_rfc2822()
        .unwrap();
        assert!(ascii.contains("\r\nSubject: Your quote\r\n"));
    }

    #[test]
    fn long_bodies_wrap_and_raw_is_base64url_of_the_message() {
        let e = Email {
            body: "x".repeat(500),
            ..email()
        };
        let m = e.to_rfc2822().unwrap();
        assert!(m.split("\r\n").all(|l| l.len() <= 998));
        assert!(m.split_once("\r\n\r\n").unwrap().1.split("\r\n").all(|l| l.len() <= 76));
        let raw = e.gmail_body().unwrap()["raw"].as_str().unwrap().to_string();
        assert!(!raw.contains(['+', '/', '=']));
        assert_eq!(URL_SAFE_NO_PAD.decode(raw).unwrap(), m.as_bytes());
    }

    #[test]
    fn header_injection_and_bad_addresses_are_refused() {
        assert!(Email {
            subject: "Hi\r\nBcc: all@evil.example".into(),
            ..email()
        }
        .to_rfc2822()
        .is_err());
        for bad in [
            "",
            "marco",
            "marco@",
            "@x.com",
            "a b@x.com",
            "a@x.com\r\nBcc: e@v.il",
            "a@b@c.com",
            "<a@x.com>",
            "a@x",
        ] {
            assert!(!valid_address(bad), "{bad:?}");
            assert!(Email {
                to: bad.into(),
                ..email()
            }
            .to_rfc2822()
            .is_err());
        }
        assert!(valid_address("marco.rossi+visa@example.co.id"));
    }
}
