//! Client documents: what may be uploaded, under which name, and how it is served back.
//!
//! Upload is the raw file as the request body with its own `Content-Type` and `?filename=` (see the
//! worker's `crm::documents`). The checks, in order: the type is on the allow-list (415), the size is
//! within [`MAX_UPLOAD_BYTES`] (413, from `Content-Length` before reading and again after), the name is
//! safe (422), the bytes look like the declared type (415), the extension fits the type (422).

use sha2::{Digest, Sha256};

use crate::error::{ApiError, ErrorCode};

/// Largest document accepted: 10 MiB.
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;
/// Longest file name kept, in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// An allowed document type: its MIME type, the file extensions that go with it, and a check of the
/// first bytes (so a script cannot be stored as a "PNG").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileKind {
    pub mime: &'static str,
    pub extensions: &'static [&'static str],
}

pub const ALLOWED: &[FileKind] = &[
    FileKind {
        mime: "application/pdf",
        extensions: &["pdf"],
    },
    FileKind {
        mime: "image/jpeg",
        extensions: &["jpg", "jpeg"],
    },
    FileKind {
        mime: "image/png",
        extensions: &["png"],
    },
    FileKind {
        mime: "image/webp",
        extensions: &["webp"],
    },
    FileKind {
        mime: "image/heic",
        extensions: &["heic", "heif"],
    },
    FileKind {
        mime: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        extensions: &["docx"],
    },
    FileKind {
        mime: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        extensions: &["xlsx"],
    },
    FileKind {
        mime: "text/plain",
        extensions: &["txt", "text"],
    },
];

/// The allowed MIME types, for messages and the API description.
pub fn allowed_mimes() -> Vec<&'static str> {
    ALLOWED.iter().map(|k| k.mime).collect()
}

/// Finds the kind of a `Content-Type` header value (parameters such as `charset` are ignored).
/// Anything not on the allow-list is 415.
pub fn kind_of(content_type: Option<&str>) -> Result<FileKind, ApiError> {
    let mime = content_type
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let mime = if mime == "image/jpg" {
        "image/jpeg".to_string()
    } else {
        mime
    };
    ALLOWED.iter().find(|k| k.mime == mime).copied().ok_or_else(|| {
        ApiError::new(
            ErrorCode::UnsupportedMediaType,
            format!(
                "send the file with its Content-Type, one of: {}",
                allowed_mimes().join(", ")
            ),
        )
    })
}

/// 413 when `len` is over the limit.
pub fn check_upload_size(len: usize) -> Result<(), ApiError> {
    if len > MAX_UPLOAD_BYTES {
        return Err(ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("the file is {len} bytes; documents may be at most {MAX_UPLOAD_BYTES} bytes (10 MiB)"),
        ));
    }
    Ok(())
}

/// Characters that can disguise a name (bidirectional overrides such as `invoice\u{202E}fdp.exe`).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// A file name as the uploader gave it, checked: no path (`/`, `\`, `..`), no control characters
/// (NUL, CR, LF…), no direction overrides, not hidden (`.x`), 1–200 characters, and an extension that
/// fits `kind`. Surrounding spaces are trimmed. Tricks are rejected (422), not silently rewritten, so the
/// uploader sees what happened.
pub fn check_file_name(raw: &str, kind: FileKind) -> Result<String, ApiError> {
    let name = raw.trim();
    let bad = |why: &str| ApiError::validation(format!("filename {why}"));
    if name.is_empty() {
        return Err(bad("is required (?filename=…)"));
    }
    if raw.chars().count() > MAX_NAME_CHARS {
        return Err(bad(&format!("must be at most {MAX_NAME_CHARS} characters")));
    }
    if name.chars().any(|c| c.is_control() || is_bidi_control(c)) {
        return Err(bad("must not contain control characters (NUL, CR, LF, tab…)"));
    }
    if name.contains(['/', '\\']) || name.contains("..") {
        return Err(bad("must be a plain name, without '/', '\\' or '..'"));
    }
    if name.starts_with('.') {
        return Err(bad("must not start with '.'"));
    }
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if !kind.extensions.contains(&ext.as_str()) {
        return Err(bad(&format!(
            "must end in .{} for {}",
            kind.extensions.join(" or ."),
            kind.mime
        )));
    }
    Ok(name.to_string())
}

/// Checks that the bytes are what the declared type says (magic numbers; UTF-8 without NUL for text).
pub fn check_content(kind: FileKind, bytes: &[u8]) -> Result<(), ApiError> {
    if bytes.is_empty() {
        return Err(ApiError::validation("the file is empty"));
    }
    let ok = match kind.mime {
        "application/pdf" => bytes.starts_with(b"%PDF-"),
        "image/jpeg" => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
        "image/png" => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "image/webp" => bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP",
        "image/heic" => {
            bytes.len() >= 12
                && &bytes[4..8] == b"ftyp"
                && [b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"]
                    .iter()
                    .any(|b| &bytes[8..12] == *b)
        }
        m if m.starts_with("application/vnd.openxmlformats") => bytes.starts_with(b"PK\x03\x04"),
        "text/plain" => !bytes.contains(&0) && std::str::from_utf8(bytes).is_ok(),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            format!("the file's content is not {}", kind.mime),
        ))
    }
}

/// `Content-Disposition` for a download: an ASCII fallback name (anything else, quotes and backslashes
/// become `_`) and the exact name percent-encoded as RFC 5987 `filename*`.
pub fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// The R2 key of a client document.
pub fn r2_key(client_id: &str, doc_id: &str) -> String {
    format!("clients/{client_id}/{doc_id}")
}

/// The SHA-256 digest of `bytes` (32 bytes) and its lowercase hex form.
pub fn sha256(bytes: &[u8]) -> (Vec<u8>, String) {
    let digest = Sha256::digest(bytes).to_vec();
    let hex = hex::encode(&digest);
    (digest, hex)
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    sha256(bytes).1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(m: &str) -> FileKind {
        kind_of(Some(m)).unwrap()
    }

    #[test]
    fn only_allowed_types_with_parameters_ignored() {
        assert_eq!(kind("application/pdf").mime, "application/pdf");
        assert_eq!(kind("IMAGE/PNG").mime, "image/png");
        assert_eq!(kind("text/plain; charset=utf-8").mime, "text/plain");
        assert_eq!(kind("image/jpg").mime, "image/jpeg");
        for bad in [
            None,
            Some(""),
            Some("text/html"),
            Some("application/json"),
            Some("image/svg+xml"),
            Some("application/octet-stream"),
            Some("application/x-msdownload"),
        ] {
            assert_eq!(kind_of(bad).unwrap_err().status(), 415, "{bad:?}");
        }
        assert_eq!(allowed_mimes().len(), 8);
    }

    #[test]
    fn sizes() {
        assert!(check_upload_size(MAX_UPLOAD_BYTES).is_ok());
        assert_eq!(check_upload_size(50 * 1024 * 1024).unwrap_err().status(), 413);
    }

    #[test]
    fn file_names_with_path_tricks_are_rejected() {
        let pdf = kind("application/pdf");
        assert_eq!(
            check_file_name("  Paspor Budi – 2025.pdf ", pdf).unwrap(),
            "Paspor Budi – 2025.pdf"
        );
        assert_eq!(check_file_name("scan.PDF", pdf).unwrap(), "scan.PDF");
        for bad in [
            "../../etc/passwd.pdf",
            "..\\boot.pdf",
            "a/b.pdf",
            "x\0.pdf",
            "a\r\nSet-Cookie: x.pdf",
            "a\nb.pdf",
            ".hidden.pdf",
            "..pdf",
            "",
            "   ",
            "invoice\u{202E}fdp.exe",
            "report.exe",
            "report",
            "report.pdf.exe",
            &format!("{}.pdf", "a".repeat(200)),
        ] {
            assert_eq!(check_file_name(bad, pdf).unwrap_err().status(), 422, "{bad:?}");
        }
        assert!(check_file_name("photo.JPG", kind("image/jpeg")).is_ok());
        assert!(check_file_name("notes.txt", kind("text/plain")).is_ok());
    }

    #[test]
    fn content_must_match_the_declared_type() {
        assert!(check_content(kind("application/pdf"), b"%PDF-1.7\n...").is_ok());
        assert!(check_content(kind("image/png"), b"\x89PNG\r\n\x1a\n\0\0").is_ok());
        assert!(check_content(kind("image/jpeg"), &[0xFF, 0xD8, 0xFF, 0xE0]).is_ok());
        assert!(check_content(kind("image/webp"), b"RIFF\0\0\0\0WEBPVP8 ").is_ok());
        assert!(check_content(kind("image/heic"), b"\0\0\0\x18ftypheic\0\0").is_ok());
        assert!(check_content(
            kind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            b"PK\x03\x04rest"
        )
        .is_ok());
        assert!(check_content(kind("text/plain"), "Halo, apa kabar? ✓".as_bytes()).is_ok());
        assert_eq!(
            check_content(kind("image/png"), b"<script>alert(1)</script>")
                .unwrap_err()
                .status(),
            415
        );
        assert_eq!(
            check_content(kind("text/plain"), b"bin\0ary").unwrap_err().status(),
            415
        );
        assert_eq!(
            check_content(kind("text/plain"), &[0xC3, 0x28]).unwrap_err().status(),
            415
        );
        assert_eq!(check_content(kind("application/pdf"), b"").unwrap_err().status(), 422);
    }

    #[test]
    fn content_disposition_is_header_safe() {
        assert_eq!(
            content_disposition("scan.pdf"),
            "attachment; filename=\"scan.pdf\"; filename*=UTF-8''scan.pdf"
        );
        let cd = content_disposition("Paspor \"Budi\" – 2025.pdf");
        assert!(cd.starts_with("attachment; filename=\"Paspor _Budi_ _ 2025.pdf\"; filename*=UTF-8''Paspor%20%22Budi%22%20%E2%80%93%202025.pdf"), "{cd}");
        assert!(cd.is_ascii() && !cd.contains('\r') && !cd.contains('\n'));
        assert_eq!(r2_key("c1", "d2"), "clients/c1/d2");
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
