//! The `---`-delimited `key: value` header of a knowledge-base Markdown file.
//!
//! Deliberately strict (flat keys, one value per line): a typo should stop the build with a line number
//! rather than silently drop a document's title or language.

use super::SourceError;

pub const LANGUAGES: &[&str] = &["en", "id", "it"];

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FrontMatter {
    pub title: String,
    pub collection: String,
    pub language: String,
    pub authority: Option<String>,
    pub effective_date: Option<String>,
    pub url: Option<String>,
    /// 1-based line of the `collection:` key, for the "collection must equal folder" error.
    pub collection_line: usize,
    /// Keys this builder does not use, with their lines: kb-build warns (a typo like `efective_date`)
    /// without failing, so writers can add metadata ahead of the code.
    pub unknown_keys: Vec<(String, usize)>,
}

/// A parsed file: its front matter, the Markdown body, and the 1-based line where the body starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed<'a> {
    pub meta: FrontMatter,
    pub body: &'a str,
    pub body_line: usize,
}

const KNOWN: &[&str] = &["title", "collection", "language", "authority", "effective_date", "url"];

/// Parses front matter from a normalised (`\n`-only) Markdown source.
pub fn parse(src: &str) -> Result<Parsed<'_>, SourceError> {
    let mut lines = src.split_inclusive('\n');
    let first = lines.next().unwrap_or("");
    if first.trim_end() != "---" {
        return Err(SourceError::at(1, "expected front matter starting with `---`"));
    }
    let mut offset = first.len();
    let mut meta = FrontMatter::default();
    let mut seen: Vec<&str> = Vec::new();
    let mut closed = false;
    let mut line_no = 1;
    for raw in lines {
        line_no += 1;
        offset += raw.len();
        let line = raw.trim_end();
        if line == "---" {
            closed = true;
            break;
        }
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            return Err(SourceError::at(
                line_no,
                format!("expected `key: value`, found {line:?}"),
            ));
        };
        let key = key.trim();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            return Err(SourceError::at(line_no, format!("invalid front matter key {key:?}")));
        }
        if seen.contains(&key) {
            return Err(SourceError::at(line_no, format!("duplicate front matter key {key:?}")));
        }
        seen.push(key);
        if !KNOWN.contains(&key) {
            meta.unknown_keys.push((key.to_string(), line_no));
            continue;
        }
        let value = unquote(value.trim());
        if value.is_empty() {
            return Err(SourceError::at(line_no, format!("empty value for {key:?}")));
        }
        match key {
            "title" => meta.title = value,
            "collection" => {
                meta.collection = value;
                meta.collection_line = line_no;
            }
            "language" => {
                if !LANGUAGES.contains(&value.as_str()) {
                    return Err(SourceError::at(
                        line_no,
                        format!("language must be one of {}, found {value:?}", LANGUAGES.join("|")),
                    ));
                }
                meta.language = value;
            }
            "authority" => meta.authority = Some(value),
            "effective_date" => {
                if !is_iso_date(&value) {
                    return Err(SourceError::at(
                        line_no,
                        format!("effective_date must be YYYY-MM-DD, found {value:?}"),
                    ));
                }
                meta.effective_date = Some(value);
            }
            _ => meta.url = Some(value),
        }
    }
    if !closed {
        return Err(SourceError::at(1, "front matter is not closed by a `---` line"));
    }
    for required in ["title", "collection", "language"] {
        if !seen.contains(&required) {
            return Err(SourceError::at(
                line_no,
                format!("front matter lacks required key {required:?}"),
            ));
        }
    }
    Ok(Parsed {
        meta,
        body: &src[offset.min(src.len())..],
        body_line: line_no + 1,
    })
}

fn unquote(v: &str) -> String {
    let stripped = v
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .or_else(|| v.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')));
    stripped.unwrap_or(v).trim().to_string()
}

fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && matches!(s[5..7].parse::<u8>(), Ok(1..=12))
        && matches!(s[8..10].parse::<u8>(), Ok(1..=31))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "---\ntitle: KITAS E33G — Remote Worker Stay Permit\ncollection: kitas_kitap\nlanguage: en\n\
authority: Permenkumham No. 22 Tahun 2023; Directorate General of Immigration\neffective_date: 2024-04-01\n\
url: https://www.imigrasi.go.id/\n---\n# Body\ntext\n";

    #[test]
    fn parses_the_documented_shape() {
        let p = parse(GOOD).unwrap();
        assert_eq!(p.meta.title, "KITAS E33G — Remote Worker Stay Permit");
        assert_eq!(p.meta.collection, "kitas_kitap");
        assert_eq!(p.meta.collection_line, 3);
        assert_eq!(p.meta.language, "en");
        assert_eq!(p.meta.effective_date.as_deref(), Some("2024-04-01"));
        assert_eq!(p.meta.url.as_deref(), Some("https://www.imigrasi.go.id/"));
        assert_eq!(p.body, "# Body\ntext\n");
        assert_eq!(p.body_line, 9);
        assert!(p.meta.unknown_keys.is_empty());
        let p = parse("---\ntitle: x\ntags: a, b\ncollection: c\nlanguage: en\n---\n").unwrap();
        assert_eq!(p.meta.unknown_keys, vec![("tags".to_string(), 3)]);
    }

    #[test]
    fn errors_name_the_line() {
        let cases = [
            ("# no front matter\n", 1, "starting with"),
            ("---\ntitle: x\ncollection: c\nlanguage: en\n", 1, "not closed"),
            ("---\ntitle: x\ncollection c\nlanguage: en\n---\n", 3, "key: value"),
            ("---\ntitle: x\ncollection: c\nlanguage: fr\n---\n", 4, "language"),
            ("---\ntitle: x\ncollection: c\n---\n", 4, "language"),
            (
                "---\ntitle: x\ntitle: y\ncollection: c\nlanguage: en\n---\n",
                3,
                "duplicate",
            ),
            (
                "---\ntitle: x\ncollection: c\nlanguage: en\neffective_date: 2024-13-01\n---\n",
                5,
                "YYYY-MM-DD",
            ),
            ("---\ntitle:\ncollection: c\nlanguage: en\n---\n", 2, "empty"),
            ("---\ntitel: x\ncollection: c\nlanguage: en\n---\n", 5, "title"),
        ];
        for (src, line, what) in cases {
            let e = parse(src).unwrap_err();
            assert_eq!(e.line, Some(line), "{src:?}: {e}");
            assert!(e.message.contains(what), "{src:?}: {e}");
        }
    }

    #[test]
    fn quoted_values_are_unquoted() {
        let p = parse("---\ntitle: \"A: B\"\ncollection: 'c'\nlanguage: id\n---\n").unwrap();
        assert_eq!(p.meta.title, "A: B");
        assert_eq!(p.meta.collection, "c");
        assert_eq!(p.body, "");
    }
}
