//! CSV exports (RFC 4180) that are safe to open in a spreadsheet.
//!
//! - A field is quoted when it holds a comma, a semicolon, a quote, CR or LF, or starts or ends with a
//!   space; quotes inside are doubled. Lines end with CRLF. Semicolons are quoted too because Excel in
//!   Italian and Indonesian locales splits CSV on `;`: unquoted, `x;=1+1` would become a cell `=1+1`.
//! - Formula injection (OWASP "CSV Injection"): a cell that a spreadsheet could run as a formula gets a
//!   leading `'`, which Excel, LibreOffice and Google Sheets read as "this is text". See
//!   [`is_formula_like`] for which cells. This changes how such values read (a phone number `+62…`
//!   exports as `'+62…`), which is the price of safety.

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

/// Characters that start a formula: the four OWASP lists, and their compatibility forms (full-width
/// `＝＋－＠` U+FF1D/FF0B/FF0D/FF20, small `﹦﹢﹣﹫` U+FE66/FE62/FE63/FE6B), which NFKC folds into the
/// ASCII ones: East Asian input methods type them, and import steps or spreadsheets that normalise text
/// turn them into live formula characters.
const FORMULA_START: &[char] = &[
    '=', '+', '-', '@', '\u{FF1D}', '\u{FF0B}', '\u{FF0D}', '\u{FF20}', '\u{FE66}', '\u{FE62}', '\u{FE63}', '\u{FE6B}',
];

/// Whether a spreadsheet could read this cell as a formula, so it must be neutralised:
///
/// - it starts with a tab, CR or LF (OWASP lists tab and CR: some importers drop them, and what follows
///   becomes the start of the cell; LF behaves the same way);
/// - or its first visible character starts a formula ([`FORMULA_START`]): spreadsheets and import
///   wizards trim leading spaces (also no-break and ideographic spaces, and zero-width characters), so
///   ` =1+1` is as live as `=1+1`.
///
/// DDE payloads (`=cmd|' /C calc'!A0`, `@SUM(1)*cmd|…`) need one of these starters before their `|`; a `|`
/// later in a text cell is inert, so `|` is not a starter of its own (and `a|b` stays as it is). A sign
/// inside a value (`a=1`, `1-2`) is harmless: only the start of a cell is read as a formula.
pub fn is_formula_like(value: &str) -> bool {
    value.starts_with(['\t', '\r', '\n']) || value.trim_start_matches(is_blank).starts_with(FORMULA_START)
}

/// Whitespace (Unicode `White_Space`) and the zero-width characters an importer may strip as well.
fn is_blank(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

fn push_cell(out: &mut String, value: &str) {
    let neutralised;
    let value = if is_formula_like(value) {
        neutralised = format!("'{value}");
        neutralised.as_str()
    } else {
        value
    };
    let needs_quotes = value.contains([',', ';', '"', '\r', '\n']) || value.starts_with(' ') || value.ends_with(' ');
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
    fn neutralises_full_width_and_small_formula_characters() {
        for cell in [
            "\u{FF1D}1+1",
            "\u{FF0B}62 811",
            "\u{FF0D}1",
            "\u{FF20}SUM(A1)",
            "\u{FE66}1",
            "\u{FE62}1",
            "\u{FE63}1",
            "\u{FE6B}x",
        ] {
            assert_eq!(one(&[cell]), format!("'{cell}\r\n"), "{cell:?}");
        }
        assert_eq!(one(&["a\u{FF1D}1"]), "a\u{FF1D}1\r\n", "only at the start");
    }

    #[test]
    fn neutralises_formulas_behind_leading_blanks_and_line_breaks() {
        assert_eq!(
            one(&[" =1+1"]),
            "' =1+1\r\n",
            "the mark comes first, so no quotes are needed"
        );
        assert_eq!(one(&["   @SUM(A1)"]), "'   @SUM(A1)\r\n");
        assert_eq!(one(&["\u{A0}=1"]), "'\u{A0}=1\r\n", "no-break space");
        assert_eq!(
            one(&["\u{3000}\u{FF1D}1"]),
            "'\u{3000}\u{FF1D}1\r\n",
            "ideographic space"
        );
        assert_eq!(one(&["\u{200B}=1"]), "'\u{200B}=1\r\n", "zero-width space");
        assert_eq!(one(&["\u{FEFF}+1"]), "'\u{FEFF}+1\r\n", "byte order mark");
        assert_eq!(one(&["\n=1"]), "\"'\n=1\"\r\n");
        assert_eq!(one(&["\nplain"]), "\"'\nplain\"\r\n", "a leading LF, like tab and CR");
        assert_eq!(one(&[" \t\n -1"]), "\"' \t\n -1\"\r\n");
        assert_eq!(
            one(&[" plain", "   "]),
            "\" plain\",\"   \"\r\n",
            "blanks alone are text"
        );
    }

    #[test]
    fn dde_payloads_are_caught_by_their_starter_and_a_bare_pipe_is_text() {
        assert_eq!(one(&["=cmd|' /C calc'!A0"]), "'=cmd|' /C calc'!A0\r\n");
        assert_eq!(
            one(&["@SUM(1+1)*cmd|' /C calc'!A0"]),
            "'@SUM(1+1)*cmd|' /C calc'!A0\r\n"
        );
        assert_eq!(one(&["a|b", "|x"]), "a|b,|x\r\n");
    }

    #[test]
    fn quotes_semicolons_for_locales_that_split_on_them() {
        assert_eq!(one(&["x;=1+1", "Rossi; Bianchi"]), "\"x;=1+1\",\"Rossi; Bianchi\"\r\n");
    }

    #[test]
    fn a_round_trip_through_a_simple_reader_keeps_every_cell() {
        let cells = [
            "x,y",
            "\"q\"",
            "line\nbreak",
            "=1+1",
            "plain",
            " sp",
            " =1",
            "\u{FF1D}1",
            "a;b",
        ];
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
                if is_formula_like(c) {
                    format!("'{c}")
                } else {
                    c.to_string()
                }
            })
            .collect();
        assert_eq!(parsed, expected);
    }
}
