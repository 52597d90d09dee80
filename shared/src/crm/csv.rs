//! CSV exports (RFC 4180) that are safe to open in a spreadsheet.
//!
//! - A field is quoted when it holds a comma, a quote, CR or LF, or starts or ends with a space; quotes
//!   inside are doubled. Lines end with CRLF.
//! - Formula injection: a cell that starts with `=`, `+`, `-`, `@`, a tab or CR would be run as a formula
//!   by Excel, LibreOffice or Google Sheets, so it gets a leading `'` (OWASP's advice). This changes how
//!   such values read (a phone number `+62…` exports as `'+62…`), which is the price of safety.

/// Writes rows into a CSV document.
#[derive(Debug, Default)]
pub struct CsvWriter {
    out: String,
}

impl CsvWriter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one row.
    pub fn row<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for (i, cell) in cells.into_iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            push_cell(&mut self.out, cell.as_ref());
        }
        self.out.push_str("\r\n");
    }

    pub fn finish(self) -> String {
        self.out
    }
}

fn push_cell(out: &mut String, value: &str) {
    let neutralised;
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        neutralised = format!("'{value}");
        neutralised.as_str()
    } else {
        value
    };
    let needs_quotes = value.contains([',', '"', '\r', '\n']) || value.starts_with(' ') || value.ends_with(' ');
    if needs_quotes {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(cells: &[&str]) -> String {
        let mut w = CsvWriter::new();
        w.row(cells);
        w.finish()
    }

    #[test]
    fn quotes_what_needs_quoting() {
        assert_eq!(one(&["a", "b c", ""]), "a,b c,\r\n");
        assert_eq!(
            one(&["Rossi, Marco", "say \"hi\"", "two\nlines", "cr\rx"]),
            "\"Rossi, Marco\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\rx\"\r\n"
        );
        assert_eq!(one(&[" padded "]), "\" padded \"\r\n");
        assert_eq!(
            one(&["Budi Santoso – PT Maju", "漢字"]),
            "Budi Santoso – PT Maju,漢字\r\n"
        );
    }

    #[test]
    fn neutralises_formulas() {
        assert_eq!(
            one(&["=HYPERLINK(\"http://evil\",\"x\")"]),
            "\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\"\r\n"
        );
        assert_eq!(one(&["+62 813 3805 1876"]), "'+62 813 3805 1876\r\n");
        assert_eq!(
            one(&["-1+1", "@SUM(A1)", "\tx", "\r=1"]),
            "'-1+1,'@SUM(A1),'\tx,\"'\r=1\"\r\n"
        );
        assert_eq!(one(&["a=1", "1-2"]), "a=1,1-2\r\n", "only a leading sign is dangerous");
    }

    #[test]
    fn a_round_trip_through_a_simple_reader_keeps_every_cell() {
        let cells = ["x,y", "\"q\"", "line\nbreak", "=1+1", "plain", " sp"];
        let text = one(&cells);
        // Minimal RFC 4180 reader for the check.
        let mut parsed = Vec::new();
        let mut cur = String::new();
        let mut chars = text.trim_end_matches("\r\n").chars().peekable();
        let mut quoted = false;
        while let Some(c) = chars.next() {
            match (quoted, c) {
                (true, '"') if chars.peek() == Some(&'"') => {
                    chars.next();
                    cur.push('"');
                }
                (true, '"') => quoted = false,
                (false, '"') => quoted = true,
                (false, ',') => parsed.push(std::mem::take(&mut cur)),
                (_, c) => cur.push(c),
            }
        }
        parsed.push(cur);
        let expected: Vec<String> = cells
            .iter()
            .map(|c| {
                if c.starts_with('=') {
                    format!("'{c}")
                } else {
                    c.to_string()
                }
            })
            .collect();
        assert_eq!(parsed, expected);
    }
}
