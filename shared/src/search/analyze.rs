//! Query analysis: normalisation, terms, exact codes (KBLI 56101, visa E33G), glossary expansion,
//! the FTS5 MATCH expression, and collection routing hints.

use unicode_normalization::UnicodeNormalization;

use super::glossary;
use super::stopwords::is_stopword;

/// Lowercase, strip diacritics (è → e), collapse whitespace.
///
/// One pass, character by character: ASCII is lowercased directly and anything else is decomposed on its own.
/// That equals decomposing the whole text (NFD) and dropping the combining marks, because NFD's reordering
/// only moves combining marks among themselves and they are all dropped. It is on the search hot path (every
/// candidate passage is tokenised by the reranker and the snippets): the whole-text NFD iterator was the
/// largest single cost of a search in a native profile.
pub fn normalise(s: &str) -> String {
    if s.contains('Σ') {
        // `str::to_lowercase` lowercases a capital sigma by its context (final ς or σ): keep its rules.
        return normalise_nfd(s);
    }
    if s.is_ascii() {
        return normalise_ascii(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    let mut push = |c: char, out: &mut String| {
        if c.is_whitespace() {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    };
    for c in s.chars() {
        if c.is_ascii() {
            push(c.to_ascii_lowercase(), &mut out);
        } else {
            unicode_normalization::char::decompose_canonical(c, |d| {
                if !unicode_normalization::char::is_combining_mark(d) {
                    for l in d.to_lowercase() {
                        push(l, &mut out);
                    }
                }
            });
        }
    }
    out
}

/// [`normalise`] of ASCII text, byte by byte (most passages are ASCII; no UTF-8 decoding per character).
fn normalise_ascii(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len());
    let mut space = false;
    for &b in s.as_bytes() {
        // `char::is_whitespace` on ASCII: tab, line feed, vertical tab, form feed, carriage return, space.
        if matches!(b, 0x09..=0x0D | b' ') {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(b' ');
            }
            space = false;
            out.push(b.to_ascii_lowercase());
        }
    }
    String::from_utf8(out).unwrap_or_default()
}

/// The reference definition of [`normalise`]: NFD of the whole text, combining marks dropped, lowercased,
/// whitespace collapsed.
fn normalise_nfd(s: &str) -> String {
    let folded: String = s
        .nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .collect::<String>()
        .to_lowercase();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Splits normalised text into alphanumeric tokens, as the FTS5 unicode61 tokenizer does.
pub fn tokens(s: &str) -> Vec<String> {
    normalise(s)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// A visa/permit code (c1, d12, e33g, e28a) or a KBLI code (2–5 digits) — matched exactly, boosted in ranking.
pub fn is_code(t: &str) -> bool {
    let b = t.as_bytes();
    let visa = b.len() >= 2
        && b.len() <= 4
        && b[0].is_ascii_lowercase()
        && b[1].is_ascii_digit()
        && b[1..].iter().take_while(|c| c.is_ascii_digit()).count() <= 2
        && b.iter()
            .skip(1)
            .skip_while(|c| c.is_ascii_digit())
            .all(|c| c.is_ascii_lowercase())
        && b.iter().skip(1).skip_while(|c| c.is_ascii_digit()).count() <= 1;
    let kbli = b.len() == 5 && b.iter().all(u8::is_ascii_digit);
    visa || kbli
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Analysis {
    /// Content terms of the query itself, in order, deduplicated.
    pub terms: Vec<String>,
    /// Exact codes found among the terms.
    pub codes: Vec<String>,
    /// Glossary expansions not already among the terms.
    pub expansions: Vec<String>,
    /// Collections the query's words point to (hints, not filters).
    pub route_hints: Vec<String>,
    /// The question's content words carried over into the knowledge base's main language (Indonesian) through the
    /// glossary, with its codes and acronyms: a second query for vector search, which otherwise favours passages
    /// in the question's own language ("controlli" → Italian guides rather than the statute's "pengawasan").
    /// `None` when the question is already in Indonesian or the glossary knows too few of its words.
    pub bridged: Option<String>,
}

pub const MAX_TERMS: usize = 48;
/// Glossary expansions per query: enough for a long question in one language to reach the other two,
/// few enough to keep the FTS5 expression cheap.
pub const MAX_EXPANSIONS: usize = 60;

/// Words written in capitals in the query ("AI", "IT", "PT"): acronyms, kept even when the lowercase form is a
/// stopword of one of the languages (Italian "ai", English "it").
pub fn acronyms(query: &str) -> Vec<String> {
    query
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 2 && w.chars().all(|c| c.is_uppercase()))
        .map(str::to_lowercase)
        // Query-syntax words typed in capitals are not acronyms.
        .filter(|w| !matches!(w.as_str(), "or" | "and" | "not" | "near"))
        .collect()
}

pub fn analyze(query: &str, expand: bool) -> Analysis {
    let all = tokens(query);
    let acronyms = acronyms(query);
    let mut terms: Vec<String> = Vec::new();
    for t in &all {
        let stop = is_stopword(t) && !acronyms.contains(t);
        if !stop && !terms.contains(t) && terms.len() < MAX_TERMS {
            terms.push(t.clone());
        }
    }
    if terms.is_empty() {
        // A query of only stopwords still searches for them rather than nothing.
        for t in all.into_iter().take(MAX_TERMS) {
            if !terms.contains(&t) {
                terms.push(t);
            }
        }
    }
    let codes: Vec<String> = terms.iter().filter(|t| is_code(t)).cloned().collect();
    let mut expansions = Vec::new();
    let mut route_hints: Vec<String> = Vec::new();
    if expand {
        for t in &terms {
            for e in glossary::expansions(t) {
                if expansions.len() < MAX_EXPANSIONS
                    && !terms.iter().any(|x| x == e)
                    && !expansions.iter().any(|x: &String| x == e)
                {
                    expansions.push(e.to_string());
                }
            }
        }
        for t in terms.iter().chain(expansions.iter()) {
            for (key, cols) in glossary::ROUTES {
                if t == key {
                    for c in *cols {
                        if !route_hints.iter().any(|h| h == c) {
                            route_hints.push(c.to_string());
                        }
                    }
                }
            }
        }
    }
    let bridged = if expand {
        bridge(&terms, &codes, &acronyms)
    } else {
        None
    };
    Analysis {
        terms,
        codes,
        expansions,
        route_hints,
        bridged,
    }
}

/// See [`Analysis::bridged`].
fn bridge(terms: &[String], codes: &[String], acronyms: &[String]) -> Option<String> {
    let mut out: Vec<&str> = Vec::new();
    let mut changed = 0;
    for t in terms {
        let c = glossary::canonical(t);
        if codes.contains(t) || acronyms.contains(t) {
            // Codes and acronyms (E33G, KKPR, NIB) are the same in every language.
            out.push(t);
        } else if c != t {
            changed += 1;
            out.push(c);
        } else if !glossary::expansions(t).is_empty() {
            out.push(t);
        }
        // A word the glossary does not know stays in its own language: it is left out.
    }
    out.dedup();
    (changed >= 1 && out.len() >= 2).then(|| out.join(" "))
}

impl Analysis {
    /// The FTS5 MATCH expression: every term quoted (so `NEAR`, `*`, `-`, `"` are just text) and OR-ed.
    /// `None` when there is nothing searchable (e.g. a query of punctuation).
    pub fn fts_query(&self) -> Option<String> {
        let mut q = String::new();
        for t in self.terms.iter().chain(self.expansions.iter()) {
            if !q.is_empty() {
                q.push_str(" OR ");
            }
            q.push('"');
            // One pass into one buffer: this runs on every search, with dozens of expansions.
            for part in t.split_inclusive('"') {
                q.push_str(part);
                if part.ends_with('"') {
                    q.push('"');
                }
            }
            q.push('"');
        }
        (!q.is_empty()).then_some(q)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_recognised() {
        for c in ["c1", "c22a", "e33g", "e28a", "d12", "56101", "e31b"] {
            assert!(is_code(c), "{c}");
        }
        for n in ["pasal", "2025", "c", "e333gg", "abc1", "123456", "pt"] {
            assert!(!is_code(n), "{n}");
        }
    }

    #[test]
    fn analysis_drops_stopwords_and_expands_across_languages() {
        let a = analyze("Quanto costa il visto C1 per un ristorante?", true);
        assert_eq!(a.terms, ["costa", "visto", "c1", "ristorante"]);
        assert_eq!(a.codes, ["c1"]);
        assert!(a.expansions.contains(&"restoran".to_string()));
        assert!(a.expansions.contains(&"visa".to_string()));
        assert!(a.route_hints.contains(&"kbli_eye".to_string()));
        assert!(a.route_hints.contains(&"visa_oracle".to_string()));
        let plain = analyze("KBLI restoran", false);
        assert!(plain.expansions.is_empty() && plain.route_hints.is_empty());
    }

    #[test]
    fn fts_syntax_in_queries_is_neutralised() {
        let a = analyze("\"tax\" NEAR(pajak*) -visa OR 1=1; DROP TABLE users--", false);
        let q = a.fts_query().unwrap();
        assert_eq!(
            q,
            "\"tax\" OR \"near\" OR \"pajak\" OR \"visa\" OR \"1\" OR \"drop\" OR \"table\" OR \"users\""
        );
        assert_eq!(analyze("?!*-\"", true).fts_query(), None);
        // A quote inside a term (none comes out of the tokenizer today) is doubled, as FTS5 strings want.
        let odd = Analysis {
            terms: vec!["a\"b\"".into(), "c".into()],
            codes: vec![],
            expansions: vec!["d".into()],
            route_hints: vec![],
            bridged: None,
        };
        assert_eq!(odd.fts_query().unwrap(), "\"a\"\"b\"\"\" OR \"c\" OR \"d\"");
    }

    #[test]
    fn diacritics_and_case_fold() {
        assert_eq!(normalise("  Società   Perù "), "societa peru");
        assert_eq!(tokens("PP 28/2025 Pasal 211"), ["pp", "28", "2025", "pasal", "211"]);
    }

    #[test]
    fn the_one_pass_normalise_equals_whole_text_nfd() {
        for s in [
            "",
            "   ",
            "KBLI 56101 — Restoran › Pasal 2",
            "Società è PERÙ\tÀ\u{00a0}b",
            "e\u{0301}e\u{0323}\u{0301}x",
            "İstanbul ǅemal ﬁle ½ Ⅻ",
            "ΟΔΟΣ Σ σ ς ΑΣ.",
            "α-synuclein ± 5 µg/mL β2 IL-1β",
            "中文 テスト 한국어",
            "a\u{0345}\u{0301}b\u{0591}c",
            "\u{0301}lead mark",
            "Œuvre ß ẞ ﬀ Å Ω K",
            "🙂 tab\tnew\nline\r\n  end ",
            " \u{0b} Lead\u{0c}FF\u{1c}gs\u{1f}us  TRAIL \t",
            "",
        ] {
            assert_eq!(normalise(s), normalise_nfd(s), "{s:?}");
        }
        for c in (0u32..0x3000).chain(0xa000..0xfb50).filter_map(char::from_u32) {
            let s = format!("x{c}Y {c}");
            assert_eq!(normalise(&s), normalise_nfd(&s), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn acronyms_in_capitals_are_not_stopwords() {
        assert_eq!(analyze("AI programming software company KBLI", true).terms[0], "ai");
        assert!(analyze("a company for IT services", true)
            .terms
            .contains(&"it".to_string()));
        assert!(!analyze("it is a company", true).terms.contains(&"it".to_string()));
        assert!(analyze("AI software", true)
            .expansions
            .contains(&"kecerdasan".to_string()));
    }

    #[test]
    fn italian_and_english_questions_are_bridged_to_indonesian_for_vector_search() {
        let a = analyze(
            "Che tipo di controlli possono fare le autorità sulla mia attività?",
            true,
        );
        let b = a.bridged.unwrap();
        assert!(b.contains("pengawasan") && b.contains("usaha"), "{b}");
        let kkpr = analyze("Quanti giorni per la domanda di KKPR senza RDTR?", true)
            .bridged
            .unwrap();
        assert!(
            kkpr.contains("kkpr") && kkpr.contains("rdtr") && kkpr.contains("hari"),
            "{kkpr}"
        );
        assert_eq!(
            analyze("Berapa lama izin usaha berlaku?", true).bridged,
            None,
            "already Indonesian"
        );
        assert_eq!(
            analyze("weather tomorrow", true).bridged,
            None,
            "nothing the glossary knows"
        );
    }

    #[test]
    fn stopword_only_queries_still_search() {
        assert_eq!(analyze("what is the", true).terms, ["what", "is", "the"]);
    }
}
