//! Removes the page furniture that OCR of an Indonesian regulation leaves in the text, and nothing else:
//! running heads ("PRESIDEN / REPUBLIK INDONESIA", garbled), page numbers ("-2-"), "SALINAN",
//! the registry numbers at the foot of each page ("SK No 253386 A") together with the catchword printed
//! after them (the next page's first words, which would otherwise appear twice), orphan list numbers
//! that OCR tore from their text, and hyphenated line breaks.
//!
//! Words glued by OCR ("Indonesiayang") and misread digits inside the text are left alone: fixing them
//! would mean guessing.

use super::text::edit_distance;

/// A cleaned line and the page (from `[PAGE n]` markers) it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub text: String,
    pub page: u32,
}

/// How many lines at the top of a page may hold the running head and page number.
const HEAD_LINES: usize = 6;

fn upper_letters(s: &str) -> Option<String> {
    if s.chars().any(char::is_lowercase) {
        return None;
    }
    Some(s.chars().filter(|c| c.is_alphabetic()).collect())
}

fn is_presiden(s: &str) -> bool {
    upper_letters(s).is_some_and(|l| (6..=11).contains(&l.len()) && edit_distance(&l, "PRESIDEN") <= 2)
}

fn is_republik(s: &str) -> bool {
    upper_letters(s).is_some_and(|l| (13..=21).contains(&l.len()) && edit_distance(&l, "REPUBLIKINDONESIA") <= 4)
}

/// `-2-`, `_43_`, `-61 -`, `-t47-` (OCR reads 1 as t or l).
fn is_page_number(s: &str) -> bool {
    let t = s.trim();
    let dash = |c: char| matches!(c, '-' | '_' | '–' | '—' | '~');
    if !t.starts_with(dash) || !t.ends_with(dash) || t.chars().count() < 3 {
        return false;
    }
    let inner: String = t.trim_matches(dash).chars().filter(|c| !c.is_whitespace()).collect();
    (1..=5).contains(&inner.chars().count())
        && inner.chars().any(|c| c.is_ascii_digit())
        && inner.chars().all(|c| c.is_ascii_digit() || "tlIrOoSZi".contains(c))
}

/// A line holding only a list number torn from its text: `1`, `(3)`, `(21` (OCR for "(2)").
fn is_orphan_number(s: &str) -> bool {
    let t = s.trim().trim_start_matches('(').trim_end_matches([')', '.']);
    !t.is_empty() && t.len() <= 3 && t.chars().all(|c| c.is_ascii_digit())
}

/// Byte offset of a registry stamp "SK No …" in the line (any case; OCR writes "sK No", "SK No251850A").
fn sk_stamp(s: &str) -> Option<usize> {
    let lower = s.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find("sk") {
        let at = from + i;
        let before_ok = at == 0 || !lower.as_bytes()[at - 1].is_ascii_alphabetic();
        let rest = lower[at + 2..].trim_start();
        if before_ok && (rest.starts_with("no") || rest.starts_with("n0")) {
            return Some(at);
        }
        from = at + 2;
    }
    None
}

/// Ends with a run of dots the way catchwords do: "Pasal. . .", "24. Penanaman .", "6.Pemerintah...1".
fn ends_like_catchword(s: &str) -> bool {
    let t = s.trim_end().trim_end_matches(|c: char| c.is_ascii_digit()).trim_end();
    t.ends_with("..") || t.ends_with(". .") || t.ends_with(" .") || t.ends_with('…') || t.ends_with("' ' '")
}

fn letters_lower(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// A page's last line is a catchword if it ends with a dot run, or if it merely repeats the start of the
/// next page's first line.
fn is_catchword(line: &str, next_first: Option<&str>) -> bool {
    if line.chars().count() > 60 {
        return false;
    }
    if ends_like_catchword(line) {
        return true;
    }
    let l = letters_lower(line);
    l.chars().count() >= 3 && next_first.is_some_and(|n| letters_lower(n).starts_with(&l))
}

/// Removes a running head glued to the end of a line ("…KEGIATAN USAHAFRESIDEN").
fn strip_glued_presiden(s: &str) -> Option<String> {
    let starts: Vec<usize> = s.char_indices().map(|(i, _)| i).collect();
    let mut best: Option<(usize, usize)> = None; // (distance, start); longest suffix wins ties
    for &i in starts.iter().rev().take(14).rev() {
        if !s[i..].starts_with(char::is_alphabetic) {
            continue;
        }
        let Some(l) = upper_letters(&s[i..]) else {
            continue;
        };
        if (7..=10).contains(&l.len()) {
            let d = edit_distance(&l, "PRESIDEN");
            if d <= 1 && best.is_none_or(|(bd, _)| d < bd) {
                best = Some((d, i));
            }
        }
    }
    best.map(|(_, i)| s[..i].trim_end().to_string())
}

/// Splits the raw OCR text into pages of trimmed, non-empty lines.
fn pages(raw: &str) -> Vec<(u32, Vec<String>)> {
    let mut out: Vec<(u32, Vec<String>)> = Vec::new();
    for line in raw.lines() {
        let t = line.trim();
        if let Some(n) = t
            .strip_prefix("[PAGE ")
            .and_then(|r| r.strip_suffix(']'))
            .and_then(|n| n.trim().parse().ok())
        {
            out.push((n, Vec::new()));
            continue;
        }
        if out.is_empty() {
            out.push((1, Vec::new()));
        }
        if !t.is_empty() {
            out.last_mut().expect("a page exists").1.push(t.to_string());
        }
    }
    out
}

/// Cleans the OCR text: see the module doc for what is removed.
pub fn clean(raw: &str) -> Vec<Line> {
    let mut pages = pages(raw);
    // Pass 1: heads, page numbers, SALINAN, stamps, orphan numbers.
    for (_, lines) in &mut pages {
        let mut kept: Vec<String> = Vec::with_capacity(lines.len());
        let n = lines.len();
        for i in 0..n {
            let mut line = lines[i].clone();
            let in_head = i < HEAD_LINES;
            if in_head && (is_presiden(&line) || is_republik(&line) || is_page_number(&line)) {
                continue;
            }
            if in_head && lines.get(i + 1).is_some_and(|next| is_republik(next)) {
                if let Some(stripped) = strip_glued_presiden(&line) {
                    line = stripped;
                }
            }
            if let Some(at) = sk_stamp(&line) {
                // The stamp ends the page; what follows it on the line is the catchword.
                line = line[..at].trim_end().to_string();
                if ends_like_catchword(&line) {
                    continue;
                }
            }
            if line.is_empty() || line == "SALINAN" || is_orphan_number(&line) {
                continue;
            }
            kept.push(line);
        }
        *lines = kept;
    }
    // Pass 2: catchwords at the foot of a page (needs the next page's first line).
    for p in 0..pages.len() {
        let next_first = pages.get(p + 1).and_then(|(_, l)| l.first().cloned());
        let lines = &mut pages[p].1;
        if lines
            .last()
            .is_some_and(|last| is_catchword(last, next_first.as_deref()))
        {
            lines.pop();
        }
    }
    // Pass 3: join hyphenated line breaks.
    let mut out: Vec<Line> = Vec::new();
    let mut pending_hyphen = false;
    for (page, lines) in pages {
        for text in lines {
            if pending_hyphen {
                let prev = out.last_mut().expect("a hyphen follows a line");
                prev.text = join_hyphenated(&prev.text, &text);
            } else {
                out.push(Line { text, page });
            }
            let last = &out.last().expect("just pushed").text;
            pending_hyphen = ends_with_word_hyphen(last);
        }
    }
    out
}

fn ends_with_word_hyphen(s: &str) -> bool {
    let mut rev = s.chars().rev();
    rev.next() == Some('-') && rev.next().is_some_and(char::is_alphabetic)
}

/// Joins "perundang-" + "undangan" → "perundang-undangan" (Indonesian reduplication and compounds keep
/// the hyphen) but "pelak-" + "sanaan" → "pelaksanaan" (a typesetting break).
pub fn join_hyphenated(prev: &str, next: &str) -> String {
    let next = next.trim_start();
    let head = &prev[..prev.len() - 1];
    let last_word: String = head
        .chars()
        .rev()
        .take_while(|c| c.is_alphabetic())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let first_word: String = next.chars().take_while(|c| c.is_alphabetic()).collect();
    let keep = first_word.is_empty()
        || last_word.is_empty()
        || first_word.chars().next().is_some_and(char::is_uppercase)
        || last_word.chars().all(char::is_uppercase)
        || {
            let a = last_word.to_lowercase();
            let b = first_word.to_lowercase();
            let stem: String = b.chars().take(3).collect();
            stem.chars().count() == 3 && a.contains(&stem)
        };
    if keep {
        format!("{prev}{next}")
    } else {
        format!("{head}{next}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_garbled_running_heads() {
        for h in [
            "PRESIDEN",
            "PRES IDEN",
            "FRESIDEN",
            "PRESTDEN",
            "PRES!DEN",
            "IPRES IDEN",
            "P;TESIDEN",
            "2PRES IDEN",
        ] {
            assert!(is_presiden(h), "{h}");
        }
        for h in [
            "REPUBLIK INDONESIA",
            "R.EPUBLIK INDONESIA",
            "REPUBUK INDONESIA",
            "REPUELIK INDONESIA",
            "F.EPUBUK INDONESIA",
        ] {
            assert!(is_republik(h), "{h}");
        }
        assert!(!is_presiden("Presiden"));
        assert!(!is_presiden("PRESIDEN REPUBLIK INDONESIA,"));
        assert!(!is_republik("PERATURAN PEMERINTAH"));
    }

    #[test]
    fn recognises_page_numbers_and_stamps() {
        for p in ["-2-", "_43_", "-61 -", "-t47-", "-28t-", "-309-"] {
            assert!(is_page_number(p), "{p}");
        }
        assert!(!is_page_number("- a. teguran -"));
        assert!(!is_page_number("-"));
        assert_eq!(sk_stamp("SK No 253386 AMengingat:"), Some(0));
        assert_eq!(sk_stamp("(8) Berdasarkan...SK No 251876 A"), Some(18));
        assert_eq!(sk_stamp("sK No zsrgzg A"), Some(0));
        assert_eq!(sk_stamp("SK No251850A(8) Apabila ."), Some(0));
        assert_eq!(sk_stamp("risk notes"), None);
    }

    #[test]
    fn cleans_a_page_break() {
        let raw = "[PAGE 1]\nSALINAN\nPRESIDEN\nREPUBLIK INDONESIA\nsesuai dengan ketentuan peraturan perundang-\n\
                   (21\nPasal. . .\nSK No 251837 A\n\n[PAGE 2]\nPRES IDEN\nR.EPUBLIK INDONESIA\n-2-\nundangan.\nPasal 90\n\
                   pelak-\nsanaan usaha.\n24. Penanaman .\nSK No 1 A\n\n[PAGE 3]\nFRESIDEN\n-3-\n24. Penanaman Modal adalah\n";
        let lines = clean(raw);
        let texts: Vec<(&str, u32)> = lines.iter().map(|l| (l.text.as_str(), l.page)).collect();
        assert_eq!(
            texts,
            vec![
                ("sesuai dengan ketentuan peraturan perundang-undangan.", 1),
                ("Pasal 90", 2),
                ("pelaksanaan usaha.", 2),
                ("24. Penanaman Modal adalah", 3),
            ]
        );
    }

    #[test]
    fn glued_head_is_stripped() {
        let raw = "[PAGE 80]\nBAB IV\nPERIZINAN BERUSAHA UNTUK MENUNJANG KEGIATAN USAHAFRESIDEN\nR.EPUBLIK INDONESIA\n-80-\n(2) Izin\n";
        let texts: Vec<String> = clean(raw).into_iter().map(|l| l.text).collect();
        assert_eq!(
            texts,
            vec![
                "BAB IV",
                "PERIZINAN BERUSAHA UNTUK MENUNJANG KEGIATAN USAHA",
                "(2) Izin"
            ]
        );
    }

    #[test]
    fn hyphen_rules() {
        assert_eq!(join_hyphenated("masing-", "masing"), "masing-masing");
        assert_eq!(join_hyphenated("Undang-", "Undang Nomor"), "Undang-Undang Nomor");
        assert_eq!(join_hyphenated("UKL-", "UPL"), "UKL-UPL");
        assert_eq!(join_hyphenated("kehati-", "hatian."), "kehati-hatian.");
        assert_eq!(join_hyphenated("pelak-", "sanaan"), "pelaksanaan");
    }
}
