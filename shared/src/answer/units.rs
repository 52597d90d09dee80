//! A passage as statements the composer can quote: sentences, a list with the line that introduces it
//! (kept as one unit), a table row read with its headers, a price entry's fields. What states nothing is
//! dropped: headings, citation header lines, table headers and separators, questions, labels and lines
//! that end with a colon and introduce nothing.
//! Longer than most files: [`units`] is one pass over the lines carrying the state of the list or table it is
//! in, the line classifiers and text helpers it needs follow it, and the tests pinning each rule are a sixth.

/// One quotable statement of a passage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// The lead-in sentence, or the whole statement when there is no list.
    pub text: String,
    /// List items that belong to `text` (rendered as sub-bullets).
    pub items: Vec<String>,
    /// Position in the passage, for keeping the source's order.
    pub pos: usize,
    /// A table row or a price entry's fields: facts even when short.
    pub structured: bool,
}

impl Unit {
    fn plain(text: String, pos: usize) -> Self {
        Self {
            text,
            items: Vec::new(),
            pos,
            structured: false,
        }
    }

    fn row(text: String, pos: usize) -> Self {
        Self {
            structured: true,
            ..Self::plain(text, pos)
        }
    }

    /// All the words of the statement, for matching.
    pub fn full_text(&self) -> String {
        let mut s = self.text.clone();
        for i in &self.items {
            s.push(' ');
            s.push_str(i);
        }
        s
    }

    pub fn chars(&self) -> usize {
        self.text.chars().count() + self.items.iter().map(|i| i.chars().count() + 4).sum::<usize>()
    }
}

/// Abbreviations whose period does not end a sentence (`PP No. 28`, `Rp. 500`, `Art. 5`, `e.g.`).
const ABBREVIATIONS: &[&str] = &[
    "no", "nr", "pp", "rp", "art", "arts", "e.g", "i.e", "eg", "ie", "dr", "mr", "mrs", "jl", "tel", "ca", "vs", "etc",
    "approx", "min", "max", "incl", "para", "par", "cf", "st", "ltd", "co", "corp", "inc", "no", "nos", "perpres",
    "permen", "kep", "sk", "u.s", "a.m", "p.m", "ecc", "pag", "pt", "tbk", "dll", "dsb", "yth", "hlm",
];

const MAX_ITEMS: usize = 12;
/// Table rows kept in one statement.
const TABLE_ROWS: usize = 8;
const MAX_ITEM_CHARS: usize = 220;
const MAX_UNIT_CHARS: usize = 420;

/// Splits a passage's text into statements, in order.
pub fn units(text: &str) -> Vec<Unit> {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let mut out: Vec<Unit> = Vec::new();
    let mut i = 0;
    let mut pos = 0;
    let mut table_head: Option<Vec<String>> = None;
    let mut table_open = false;
    let mut fields: Vec<String> = Vec::new();
    let mut fields_name: Option<String> = None;
    let flush_fields = |fields: &mut Vec<String>, name: &mut Option<String>, out: &mut Vec<Unit>, pos: &mut usize| {
        if !fields.is_empty() {
            let lead = name.take().unwrap_or_default();
            let text = if lead.is_empty() {
                fields.join("; ")
            } else {
                format!("{lead} — {}", fields.join("; "))
            };
            out.push(Unit::row(shorten(&text, MAX_UNIT_CHARS * 2), *pos));
            *pos += 1;
            fields.clear();
        }
    };
    while i < lines.len() {
        let line = lines[i];
        if line.is_empty() || is_heading(line) || is_header_line(line, i) {
            flush_fields(&mut fields, &mut fields_name, &mut out, &mut pos);
            if line.is_empty() {
                table_head = None;
                table_open = false;
            }
            i += 1;
            continue;
        }
        if line.starts_with('|') {
            flush_fields(&mut fields, &mut fields_name, &mut out, &mut pos);
            let cells: Vec<String> = line.trim_matches('|').split('|').map(|c| clean(c.trim())).collect();
            let separator = cells.iter().all(|c| c.chars().all(|ch| matches!(ch, '-' | ':' | ' ')));
            if separator {
            } else if table_head.is_none() {
                table_head = Some(cells);
            } else if let Some(head) = &table_head {
                let row: Vec<String> = cells
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| !c.is_empty())
                    .map(|(k, c)| match head.get(k).filter(|h| !h.is_empty()) {
                        Some(h) if k > 0 => format!("{h}: {c}"),
                        _ => c.clone(),
                    })
                    .collect();
                if !row.is_empty() {
                    // The rows of a table stay together (a few at a time), like a list.
                    let row = row.join("; ");
                    match out.last_mut() {
                        Some(u) if table_open && u.structured && u.text.is_empty() && u.items.len() < TABLE_ROWS => {
                            u.items.push(row)
                        }
                        _ => {
                            out.push(Unit {
                                text: String::new(),
                                items: vec![row],
                                pos,
                                structured: true,
                            });
                            pos += 1;
                        }
                    }
                    table_open = true;
                }
            }
            i += 1;
            continue;
        }
        table_head = None;
        table_open = false;
        if let Some((key, value)) = field(line) {
            if fields.is_empty() && fields_name.is_none() && i > 0 {
                // A short line just before a run of fields names the entry ("C1 Tourism").
                let prev = lines[i - 1];
                if !prev.is_empty()
                    && !is_heading(prev)
                    && !is_header_line(prev, i - 1)
                    && field(prev).is_none()
                    && prev.split_whitespace().count() <= 6
                    && !prev.ends_with('.')
                {
                    fields_name = Some(clean(prev));
                }
            }
            fields.push(format!("{key}: {value}"));
            i += 1;
            continue;
        }
        flush_fields(&mut fields, &mut fields_name, &mut out, &mut pos);
        if is_list_item(line) && !ends_with_colon(line) {
            // A list with no lead-in line: its items are statements of their own.
            out.push(Unit::plain(shorten(&clean(strip_marker(line)), MAX_UNIT_CHARS), pos));
            pos += 1;
            i += 1;
            continue;
        }
        if ends_with_colon(line) {
            // A lead-in: keep the list that follows as one unit; without one, it states nothing.
            let mut items = Vec::new();
            let mut j = i + 1;
            while j < lines.len() && lines[j].is_empty() {
                j += 1;
            }
            let first = lines.get(j).and_then(|l| marker(l));
            while j < lines.len() && (same_list(lines[j], first) || continues_item(lines[j], &items)) {
                if is_list_item(lines[j]) {
                    items.push(clean(strip_marker(lines[j])));
                } else if let Some(last) = items.last_mut() {
                    last.push(' ');
                    last.push_str(&clean(lines[j]));
                }
                j += 1;
            }
            if !items.is_empty() {
                let lead = clean(line);
                let kept: Vec<String> = items
                    .iter()
                    .take(MAX_ITEMS)
                    .map(|s| shorten(s, MAX_ITEM_CHARS))
                    .collect();
                let mut unit = Unit {
                    text: shorten(&lead, MAX_UNIT_CHARS),
                    items: kept,
                    pos,
                    structured: false,
                };
                if items.len() > MAX_ITEMS {
                    unit.items.push("…".into());
                }
                out.push(unit);
                pos += 1;
            }
            i = j;
            continue;
        }
        // A paragraph: the line and the ones that continue it, then split into sentences.
        let mut para = clean(line);
        let mut j = i + 1;
        while j < lines.len()
            && !lines[j].is_empty()
            && !is_heading(lines[j])
            && !is_list_item(lines[j])
            && !lines[j].starts_with('|')
            && field(lines[j]).is_none()
            && !ends_with_colon(&para)
        {
            para.push(' ');
            para.push_str(&clean(lines[j]));
            j += 1;
        }
        let sentences = sentences(&para);
        let n = sentences.len();
        // A chunk that starts mid-sentence (the overlap with the previous chunk) starts with a fragment.
        let fragment = out.is_empty() && i == first_content(&lines) && para.starts_with(char::is_lowercase);
        for (k, s) in sentences.into_iter().enumerate() {
            if fragment && k == 0 {
                continue;
            }
            if ends_with_colon(&s) && k + 1 == n && j < lines.len() {
                // "…, meliputi:" at the end of a paragraph introduces the list on the next lines.
                let mut items = Vec::new();
                let mut m = j;
                let first = lines.get(m).and_then(|l| marker(l));
                while m < lines.len() && (same_list(lines[m], first) || continues_item(lines[m], &items)) {
                    if is_list_item(lines[m]) {
                        items.push(shorten(&clean(strip_marker(lines[m])), MAX_ITEM_CHARS));
                    } else if let Some(last) = items.last_mut() {
                        last.push(' ');
                        last.push_str(&clean(lines[m]));
                    }
                    m += 1;
                }
                if !items.is_empty() {
                    items.truncate(MAX_ITEMS);
                    out.push(Unit {
                        text: shorten(&s, MAX_UNIT_CHARS),
                        items,
                        pos,
                        structured: false,
                    });
                    pos += 1;
                    j = m;
                }
                continue;
            }
            if informative(&s) {
                out.push(Unit::plain(shorten(&s, MAX_UNIT_CHARS), pos));
                pos += 1;
            }
        }
        i = j;
    }
    flush_fields(&mut fields, &mut fields_name, &mut out, &mut pos);
    out.retain(|u| u.structured || !u.items.is_empty() || informative(&u.text));
    out
}

/// The index of the first line that is not empty, a heading or a citation header.
fn first_content(lines: &[&str]) -> usize {
    lines
        .iter()
        .enumerate()
        .position(|(i, l)| !l.is_empty() && !is_heading(l) && !is_header_line(l, i))
        .unwrap_or(0)
}

/// `# Heading`, `**Bold line**` alone, or a line that is only a question.
fn is_heading(line: &str) -> bool {
    line.starts_with('#')
        || (line.starts_with("**") && line.ends_with("**") && line.len() > 4)
        || (line.ends_with('?') && line.split_whitespace().count() < 25)
}

/// Citation headers the builder puts first in a chunk: "PP 28/2025 Pasal 12 (BAB …)", "KBLI 56101 — …",
/// "Bali Zero price list 2025 — …", and KBLI hierarchy lines ("Kategori I — …").
fn is_header_line(line: &str, index: usize) -> bool {
    let starts = |p: &str| line.starts_with(p);
    (index == 0 && (starts("PP ") || starts("Bali Zero price list")))
        || ((starts("KBLI ")
            || starts("Kategori ")
            || starts("Golongan ")
            || starts("Subgolongan ")
            || starts("Kelompok "))
            && line.contains(" — "))
}

/// "Price: 2.300.000 IDR" — a short key and a value, as the price list and front-matter-like lines have.
fn field(line: &str) -> Option<(String, String)> {
    let (k, v) = line.split_once(": ")?;
    let k = k.trim().trim_start_matches(['-', '*']).trim().trim_matches('*');
    let v = v.trim();
    let key_ok = !k.is_empty()
        && k.split_whitespace().count() <= 4
        && k.chars().count() <= 40
        && !k.ends_with('.')
        && k.chars().next().is_some_and(char::is_alphabetic);
    (key_ok && !v.is_empty() && !line.starts_with("- ") && !line.starts_with("* ")).then(|| (k.to_string(), clean(v)))
}

fn ends_with_colon(s: &str) -> bool {
    s.trim_end().trim_end_matches("**").ends_with(':')
}

/// The kind of a list marker: items of one list share it, so the next ayat "(3)" does not join a list of
/// letters "a." "b." that ended the previous one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    Bullet,
    Number,
    Letter,
    ParenNumber,
    ParenLetter,
}

fn marker(line: &str) -> Option<Marker> {
    if !is_list_item(line) {
        return None;
    }
    let t = line.trim_start();
    let b = t.as_bytes();
    Some(match b[0] {
        b'-' | b'*' => Marker::Bullet,
        b'(' if b.get(1).is_some_and(u8::is_ascii_digit) => Marker::ParenNumber,
        b'(' => Marker::ParenLetter,
        c if c.is_ascii_digit() => Marker::Number,
        c if c.is_ascii_lowercase() => Marker::Letter,
        _ => Marker::Bullet,
    })
}

/// Whether `line` is the next item of a list whose first item had marker `first`.
fn same_list(line: &str, first: Option<Marker>) -> bool {
    match (marker(line), first) {
        (Some(m), Some(f)) => m == f,
        (Some(_), None) => true,
        (None, _) => false,
    }
}

/// "- x", "* x", "1. x", "2) x", "a. x", "(a) x", "(1) x", "b) x".
pub fn is_list_item(line: &str) -> bool {
    let t = line.trim_start();
    if t.starts_with("- ") || t.starts_with("* ") || t.starts_with("• ") {
        return true;
    }
    let b = t.as_bytes();
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if (1..=3).contains(&digits) && matches!(b.get(digits), Some(b'.' | b')')) && b.get(digits + 1) == Some(&b' ') {
        return true;
    }
    if b.len() > 3 && b[0].is_ascii_lowercase() && matches!(b[1], b'.' | b')') && b[2] == b' ' {
        return true;
    }
    if b.first() == Some(&b'(') {
        if let Some(close) = t.find(')') {
            let inner = &t[1..close];
            return close <= 4 && !inner.is_empty() && inner.chars().all(|c| c.is_ascii_alphanumeric());
        }
    }
    false
}

/// A wrapped line of the previous list item (OCR text breaks lines mid-sentence).
fn continues_item(line: &str, items: &[String]) -> bool {
    !items.is_empty()
        && !line.is_empty()
        && !is_heading(line)
        && !line.starts_with('|')
        && line.chars().next().is_some_and(|c| c.is_lowercase())
}

fn strip_marker(line: &str) -> &str {
    let t = line.trim_start();
    for p in ["- ", "* ", "• "] {
        if let Some(r) = t.strip_prefix(p) {
            return r;
        }
    }
    let b = t.as_bytes();
    if b.first() == Some(&b'(') {
        if let Some(close) = t.find(')') {
            return t[close + 1..].trim_start();
        }
    }
    match t.find([')', '.']) {
        Some(k) if k <= 3 && t[k + 1..].starts_with(' ') => t[k + 1..].trim_start(),
        _ => t,
    }
}

/// Markdown emphasis and links to plain text; whitespace collapsed.
fn clean(s: &str) -> String {
    // Most lines have no Markdown: they are only re-spaced, without the copies each step makes.
    let unmarked;
    let s = if s.bytes().any(|b| matches!(b, b'*' | b'_' | b'`')) {
        unmarked = s.replace('*', "").replace("__", "").replace('`', "");
        unmarked.as_str()
    } else {
        s
    };
    let unlinked;
    let s = if s.contains('[') {
        unlinked = unlink(s);
        unlinked.as_str()
    } else {
        s
    };
    let mut out = String::with_capacity(s.len());
    for w in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// `[text](url)` → `text`.
fn unlink(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find('[') {
        match (rest[open..].find("]("), rest[open..].find(')')) {
            (Some(mid), Some(close)) if mid < close => {
                out.push_str(&rest[..open]);
                out.push_str(&rest[open + 1..open + mid]);
                rest = &rest[open + close + 1..];
            }
            _ => {
                out.push_str(&rest[..=open]);
                rest = &rest[open + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Sentences of a paragraph: a period, "!" or "?" followed by a space and a capital, digit or bracket ends
/// one, unless it closes an abbreviation ("Art. 5", "e.g. C1") or sits inside brackets.
pub fn sentences(text: &str) -> Vec<String> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = Vec::new();
    let mut start = 0;
    let mut depth: i32 = 0;
    for (k, &(i, c)) in chars.iter().enumerate() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = (depth - 1).max(0),
            _ => {}
        }
        if !matches!(c, '.' | '!' | '?' | ';') || depth > 0 {
            continue;
        }
        let next = chars.get(k + 1).map(|p| p.1);
        let after = chars.get(k + 2).map(|p| p.1);
        let ends = next.is_some_and(char::is_whitespace)
            && after.is_some_and(|a| a.is_uppercase() || a.is_ascii_digit() || a == '(' || a == '"' || a == '«');
        if !ends || c == ';' {
            continue;
        }
        if c == '.' {
            let before = text[start..i]
                .rsplit(|ch: char| ch.is_whitespace() || ch == '(')
                .next()
                .unwrap_or("");
            let word = before.to_lowercase();
            let single_letter = word.chars().count() == 1;
            if ABBREVIATIONS.contains(&word.as_str()) || single_letter || word.chars().all(|ch| ch.is_ascii_digit()) {
                continue;
            }
        }
        out.push(text[start..=i].trim().to_string());
        start = i + c.len_utf8();
    }
    let tail = text[start..].trim();
    if !tail.is_empty() {
        out.push(tail.to_string());
    }
    out
}

/// A statement says something: enough words, not a bare label, not a dangling lead-in.
fn informative(s: &str) -> bool {
    let words = s
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count();
    words >= 5 && !ends_with_colon(s) && !s.ends_with('?')
}

/// Cuts at a word boundary with an ellipsis; never inside "(Art." — a cut lands before an open bracket.
pub fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max).collect();
    let mut end = cut.rfind(' ').unwrap_or(cut.len());
    // Do not leave an unclosed bracket: cut before it.
    let opens = cut[..end].matches('(').count();
    let closes = cut[..end].matches(')').count();
    if opens > closes {
        if let Some(open) = cut[..end].rfind('(') {
            end = open;
        }
    }
    format!("{}…", cut[..end].trim_end().trim_end_matches([',', ';', ':', '(']))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(us: &[Unit]) -> Vec<String> {
        us.iter().map(Unit::full_text).collect()
    }

    #[test]
    fn headers_headings_and_labels_state_nothing() {
        let u = units(
            "PP 28/2025 Pasal 349 (BAB VIII Pengawasan)\n# Title\n**Bold label**\nWhat is the rule?\nDeadline:\n\
             The report is due on the 10th day of the month after each quarter.",
        );
        assert_eq!(
            texts(&u),
            ["The report is due on the 10th day of the month after each quarter."]
        );
    }

    #[test]
    fn a_list_stays_with_its_lead_in() {
        let u = units(
            "Tingkat Risiko sebagaimana dimaksud meliputi:\na. Risiko rendah;\nb. Risiko menengah rendah;\nc. Risiko menengah tinggi; dan\nd. Risiko tinggi.",
        );
        assert_eq!(u.len(), 1);
        assert_eq!(u[0].text, "Tingkat Risiko sebagaimana dimaksud meliputi:");
        assert_eq!(
            u[0].items,
            [
                "Risiko rendah;",
                "Risiko menengah rendah;",
                "Risiko menengah tinggi; dan",
                "Risiko tinggi."
            ]
        );
        // The next ayat is not an item of the lettered list before it.
        let two = units("(1) Persyaratan dasar meliputi:\na. KKPR;\nb. PL.\n(2) Persyaratan lain berlaku untuk usaha tertentu yang wajib.");
        assert_eq!(two.len(), 2, "{two:?}");
        assert_eq!(two[0].items, ["KKPR;", "PL."]);
        // OCR wraps items across lines; the wrapped part belongs to the item.
        let wrapped = units(
            "(1) Persyaratan dasar meliputi:\na. kesesuaian kegiatan\npemanfaatan ruang;\nb. persetujuan lingkungan.",
        );
        assert_eq!(wrapped[0].items[0], "kesesuaian kegiatan pemanfaatan ruang;");
    }

    #[test]
    fn tables_are_read_row_by_row_with_their_headers() {
        let u =
            units("| Obligation | Deadline |\n|---|---|\n| LKPM report | 10th of the next month |\n| SPT | 30 April |");
        assert_eq!(u.len(), 1, "the rows of a table stay together");
        assert_eq!(
            u[0].items,
            [
                "LKPM report; Deadline: 10th of the next month",
                "SPT; Deadline: 30 April"
            ]
        );
    }

    #[test]
    fn price_fields_become_one_statement_named_by_their_entry() {
        let u = units("Bali Zero price list 2025 — Single-entry visas\nC1 Tourism\nPrice: 2.300.000 IDR\nExtension: 1.700.000 IDR\nDuration: 60 days");
        assert_eq!(
            texts(&u),
            ["C1 Tourism — Price: 2.300.000 IDR; Extension: 1.700.000 IDR; Duration: 60 days"]
        );
    }

    #[test]
    fn sentences_do_not_end_at_abbreviations_or_inside_brackets() {
        let s = sentences(
            "The rule is in PP No. 28 (Art. 5. See also e.g. C1). Overstay costs IDR 1,000,000 per day. Pay at the office.",
        );
        assert_eq!(
            s,
            [
                "The rule is in PP No. 28 (Art. 5. See also e.g. C1).",
                "Overstay costs IDR 1,000,000 per day.",
                "Pay at the office."
            ]
        );
    }

    #[test]
    fn shortening_never_leaves_an_open_bracket() {
        let s = shorten(
            "The permit is valid for one year (Art. 12 of the regulation on stays) and renewable.",
            45,
        );
        assert_eq!(s, "The permit is valid for one year…");
        assert_eq!(shorten("short", 45), "short");
    }

    #[test]
    fn a_chunk_that_starts_mid_sentence_drops_the_fragment() {
        let u = units("PP 28/2025 Penjelasan\nmetode standar berdasarkan tingkat Risiko. Sebagai peraturan pelaksanaan, Peraturan Pemerintah ini mengatur tujuh sektor baru.");
        assert_eq!(
            texts(&u),
            ["Sebagai peraturan pelaksanaan, Peraturan Pemerintah ini mengatur tujuh sektor baru."]
        );
    }

    #[test]
    fn markdown_marks_and_links_are_plain_text() {
        let u = units("Apply at **evisa.imigrasi.go.id** via [the portal](https://x.example) before you travel there.");
        assert_eq!(
            u[0].text,
            "Apply at evisa.imigrasi.go.id via the portal before you travel there."
        );
    }
}
