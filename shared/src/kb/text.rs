//! Small text helpers shared by the parsers: source normalisation, title casing, char-safe cutting.

use unicode_normalization::UnicodeNormalization;

/// Canonical form of a text source before hashing or parsing: no BOM, `\n` line ends, NFC.
/// Hashing this (not the raw bytes) keeps an editor's line-ending or BOM change from triggering a rebuild.
pub fn normalize_source(s: &str) -> String {
    let s = s.strip_prefix('\u{feff}').unwrap_or(s);
    let s = s.replace("\r\n", "\n").replace('\r', "\n");
    s.nfc().collect()
}

/// Number of chars (not bytes): chunk sizes are measured in chars so Indonesian and Italian text with
/// accents is not penalised.
pub fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// Byte index of the `n`-th char (or the end), for slicing without splitting a UTF-8 sequence.
pub fn byte_at_char(s: &str, n: usize) -> usize {
    s.char_indices().nth(n).map_or(s.len(), |(i, _)| i)
}

/// Collapses runs of whitespace into single spaces and trims.
pub fn squash_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Words kept lowercase inside a title (Indonesian connectors, plus a few English/Italian ones).
const SMALL_WORDS: &[&str] = &[
    "dan", "atau", "di", "ke", "dari", "yang", "untuk", "dengan", "pada", "oleh", "serta", "dalam", "bagi", "tanpa",
    "sebagai", "the", "of", "and", "for", "e", "per",
];

/// Tokens that stay uppercase (acronyms common in KBLI and regulation titles).
const ACRONYMS: &[&str] = &[
    "YBDI", "YTDL", "YTD", "UMKM", "BUMN", "BUMD", "PT", "CV", "KEK", "OSS", "PB", "UMKU", "NIB", "KBLI", "KPBPB",
    "LPG", "LNG", "BBM", "BBG", "TV", "PC", "AC", "IT", "ATM", "SPBU", "PMA", "PMDN",
];

fn is_roman(w: &str) -> bool {
    w.len() <= 5 && !w.is_empty() && w.chars().all(|c| matches!(c, 'I' | 'V' | 'X' | 'L'))
}

/// Title-cases an ALL-CAPS heading ("RESTORAN DAN PENYEDIAAN MAKANAN KELILING" → "Restoran dan
/// Penyediaan Makanan Keliling"). Text that is not all caps is returned as is: someone chose its casing.
pub fn title_case(s: &str) -> String {
    let letters: Vec<char> = s.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.is_empty() || letters.iter().any(|c| c.is_lowercase()) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    for (i, word) in s.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&case_word(word, i == 0));
    }
    out
}

fn case_word(word: &str, first: bool) -> String {
    let core: String = word.chars().filter(|c| c.is_alphanumeric()).collect();
    if ACRONYMS.contains(&core.as_str()) || (is_roman(&core) && core != "DI") {
        return word.to_string();
    }
    let lower = word.to_lowercase();
    if !first && SMALL_WORDS.contains(&core.to_lowercase().as_str()) {
        return lower;
    }
    // Capitalise the first letter of each part of a hyphen/slash compound ("SUB-BIDANG" → "Sub-Bidang").
    let mut out = String::with_capacity(lower.len());
    let mut at_start = true;
    for c in lower.chars() {
        if at_start && c.is_alphabetic() {
            out.extend(c.to_uppercase());
            at_start = false;
        } else {
            out.push(c);
            if matches!(c, '-' | '/' | '(' | '"') {
                at_start = true;
            } else if c.is_alphanumeric() {
                at_start = false;
            }
        }
    }
    out
}

/// Levenshtein distance on chars; used to recognise OCR-garbled running heads ("FRESIDEN", "REPUBUK").
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_case_handles_connectors_acronyms_and_romans() {
        assert_eq!(
            title_case("RESTORAN DAN PENYEDIAAN MAKANAN KELILING"),
            "Restoran dan Penyediaan Makanan Keliling"
        );
        assert_eq!(title_case("KEGIATAN YBDI"), "Kegiatan YBDI");
        assert_eq!(title_case("BAB IV"), "Bab IV");
        assert_eq!(title_case("REPARASI SUB-BIDANG/ALAT"), "Reparasi Sub-Bidang/Alat");
        assert_eq!(title_case("Already Mixed case"), "Already Mixed case");
        assert_eq!(title_case("1234"), "1234");
    }

    #[test]
    fn normalize_source_strips_bom_and_crlf() {
        assert_eq!(normalize_source("\u{feff}a\r\nb\rc"), "a\nb\nc");
        // NFC: "e" + combining acute becomes "é".
        assert_eq!(normalize_source("e\u{301}"), "é");
    }

    #[test]
    fn edit_distance_basics() {
        assert_eq!(edit_distance("PRESIDEN", "FRESIDEN"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("REPUBLIKINDONESIA", "REPUBUKINDONESIA"), 2);
    }

    #[test]
    fn byte_at_char_is_utf8_safe() {
        let s = "héllo";
        assert_eq!(&s[..byte_at_char(s, 2)], "hé");
        assert_eq!(byte_at_char(s, 99), s.len());
    }
}
