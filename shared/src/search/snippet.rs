//! Snippets: the passage of a chunk where the query terms are densest, with highlight ranges
//! as UTF-16 offsets (what JavaScript string indices count), so the PWA can mark them without HTML.

use super::analyze::normalise;

pub const SNIPPET_CHARS: usize = 240;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Snippet {
    pub text: String,
    /// `[start, end)` in UTF-16 code units of `text`.
    pub highlights: Vec<(usize, usize)>,
}

/// A query term as words of a text are matched against it: exactly, or as a prefix for terms of 4+ letters
/// (stems). Whether it is a stem is decided once per term, not once per word (this runs for every word of
/// every candidate passage).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TermMatch<'a> {
    term: &'a str,
    stem: bool,
}

impl<'a> TermMatch<'a> {
    pub fn new(term: &'a str) -> Self {
        Self {
            term,
            stem: term.chars().nth(3).is_some(),
        }
    }

    /// A term matched only as a whole word (a code: 56101, E33G).
    pub fn exact(term: &'a str) -> Self {
        Self { term, stem: false }
    }

    pub fn term(&self) -> &'a str {
        self.term
    }

    /// Does a normalised word of the text match?
    pub fn matches(&self, word_norm: &str) -> bool {
        if self.stem {
            word_norm.starts_with(self.term)
        } else {
            word_norm == self.term
        }
    }
}

pub fn snippet(text: &str, terms: &[String]) -> Snippet {
    let terms: Vec<TermMatch> = terms.iter().map(|t| TermMatch::new(t)).collect();
    let matches = |w: &str| terms.iter().any(|t| t.matches(w));
    // Word spans (byte offsets) with their normalised form, and the char index where each starts.
    let mut words: Vec<(usize, usize, bool)> = Vec::new();
    let mut word_chars: Vec<usize> = Vec::new();
    let mut start = None;
    let mut norm = String::new();
    for (n, (i, c)) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
        .enumerate()
    {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some((i, n)),
            (false, Some((s, sn))) => {
                let word = &text[s..i];
                let norm: &str = if word.is_ascii() {
                    norm.clear();
                    norm.extend(word.chars().map(|c| c.to_ascii_lowercase()));
                    &norm
                } else {
                    norm = normalise(word);
                    &norm
                };
                words.push((s, i, matches(norm)));
                word_chars.push(sn);
                start = None;
            }
            _ => {}
        }
    }
    // Choose the window start (at a word) that covers the most matches: the window's end only moves forward as
    // its start does, so one pass with a running count of matches (`before[i]`: matches among the first `i`
    // words) finds it. Texts are mostly ASCII, where a character index is a byte offset.
    let char_bytes: Vec<usize> = if text.is_ascii() {
        Vec::new()
    } else {
        text.char_indices().map(|(b, _)| b).collect()
    };
    let byte_at_char = |n: usize| {
        if char_bytes.is_empty() {
            n.min(text.len())
        } else {
            char_bytes.get(n).copied().unwrap_or(text.len())
        }
    };
    let mut before = Vec::with_capacity(words.len() + 1);
    before.push(0usize);
    for w in &words {
        before.push(before[before.len() - 1] + usize::from(w.2));
    }
    let (mut best_start, mut best_hits) = (0usize, 0usize);
    let mut past = 0;
    for (idx, (s, _, _)) in words.iter().enumerate() {
        if before[words.len()] - before[idx] <= best_hits {
            break;
        }
        let end_limit = byte_at_char(word_chars[idx] + SNIPPET_CHARS);
        past = past.max(idx);
        while past < words.len() && words[past].0 < end_limit {
            past += 1;
        }
        let hits = before[past] - before[idx];
        if hits > best_hits {
            best_hits = hits;
            best_start = *s;
        }
    }
    // Start a little before the window's first match for context, at a word boundary.
    if let Some(first_match) = words.iter().find(|w| w.2 && w.0 >= best_start).map(|w| w.0) {
        best_start = words.iter().find(|w| w.0 + 60 >= first_match).map(|w| w.0).unwrap_or(0);
        if text[..best_start].trim().is_empty() {
            best_start = 0;
        }
    }
    let start_char = text[..best_start].chars().count();
    let end = byte_at_char(start_char + SNIPPET_CHARS);
    let end = if end < text.len() {
        words
            .iter()
            .rev()
            .find(|(_, we, _)| *we <= end)
            .map(|w| w.1)
            .unwrap_or(end)
    } else {
        end
    };
    let (prefix, suffix) = (
        if best_start > 0 { "…" } else { "" },
        if end < text.len() { "…" } else { "" },
    );
    let body = &text[best_start..end];
    let out = format!("{prefix}{}{suffix}", body.replace(['\n', '\r'], " "));
    let offset = prefix.encode_utf16().count();
    let highlights = words
        .iter()
        .filter(|(s, e, m)| *m && *s >= best_start && *e <= end)
        .map(|(s, e, _)| {
            let a = offset + text[best_start..*s].encode_utf16().count();
            (a, a + text[*s..*e].encode_utf16().count())
        })
        .collect();
    Snippet { text: out, highlights }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn highlights_point_at_the_matched_words() {
        let s = snippet(
            "Kelompok ini mencakup usaha Restoran dan rumah makan.",
            &t(&["restoran"]),
        );
        assert_eq!(s.highlights.len(), 1);
        let (a, b) = s.highlights[0];
        let utf16: Vec<u16> = s.text.encode_utf16().collect();
        assert_eq!(String::from_utf16(&utf16[a..b]).unwrap(), "Restoran");
    }

    #[test]
    fn long_text_is_windowed_around_the_matches_and_offsets_survive_non_ascii() {
        let text = format!(
            "{} Società è 🙂 quindi il PAJAK si paga. {}",
            "lorem ipsum ".repeat(60),
            "dolor ".repeat(60)
        );
        let s = snippet(&text, &t(&["pajak"]));
        assert!(s.text.starts_with('…') && s.text.ends_with('…'));
        assert!(s.text.chars().count() <= SNIPPET_CHARS + 2);
        let utf16: Vec<u16> = s.text.encode_utf16().collect();
        let (a, b) = s.highlights[0];
        assert_eq!(String::from_utf16(&utf16[a..b]).unwrap(), "PAJAK");
    }

    #[test]
    fn the_window_is_the_densest_cluster_of_matches_wherever_it_lies() {
        // Two matches early, three later, farther apart than a window: the later cluster wins, whether the
        // filler is ASCII or not (character offsets are then not byte offsets).
        for filler in ["lorem ipsum ", "società è 🙂 "] {
            let text = format!(
                "KITAS visa {} kitas for a year, the visa and then the KITAS {} dolor",
                filler.repeat(30),
                filler.repeat(30)
            );
            let s = snippet(&text, &t(&["kitas", "visa"]));
            assert_eq!(s.highlights.len(), 3, "{filler:?}: {}", s.text);
            let utf16: Vec<u16> = s.text.encode_utf16().collect();
            let marked: Vec<String> = s
                .highlights
                .iter()
                .map(|&(a, b)| String::from_utf16(&utf16[a..b]).unwrap())
                .collect();
            assert_eq!(marked, ["kitas", "visa", "KITAS"]);
            assert!(s.text.starts_with('…') && s.text.ends_with('…'));
        }
        // A tie keeps the first window.
        let s = snippet(&format!("visa {} kitas", "x ".repeat(200)), &t(&["kitas", "visa"]));
        assert!(s.text.starts_with("visa"), "{}", s.text);
    }

    #[test]
    fn a_term_matches_words_exactly_or_as_a_stem_of_four_letters_or_more() {
        let visa = TermMatch::new("visa");
        assert!(visa.matches("visa") && visa.matches("visas"));
        assert!(!visa.matches("vis") && !visa.matches("evisa"));
        let pt = TermMatch::new("pt");
        assert!(pt.matches("pt") && !pt.matches("pta"));
        let kit = TermMatch::new("kit");
        assert!(!kit.matches("kitas"), "three letters are not a stem");
        assert!(TermMatch::new("società").matches("società"));
        // "sòc" is four bytes but three characters: not a stem.
        assert!(TermMatch::new("sòc").matches("sòc") && !TermMatch::new("sòc").matches("sòcx"));
    }

    #[test]
    fn no_match_gives_the_opening() {
        let s = snippet("Short text.", &t(&["zzz"]));
        assert_eq!(s.text, "Short text.");
        assert!(s.highlights.is_empty());
    }
}
