//! A text's normalised words read in one pass, and a query's words matched against them as a set of bits.
//! The reranker reads every candidate passage of every search: building each passage's normalised copy and
//! a list of its words, then scanning that list once per query term and per glossary equivalent, was a quarter
//! of a search's CPU in the worker's profile.

use super::analyze::normalise;
use super::snippet::TermMatch;

/// Calls `f` with each word of `normalise(text)` split on non-alphanumeric characters, in order (the words
/// [`super::analyze::tokens`] gives), without building the normalised text.
pub fn for_each_word(text: &str, mut f: impl FnMut(&str)) {
    if !text.is_ascii() && text.contains('Σ') {
        // `normalise` lowercases a capital sigma by its context: take its output as it is.
        normalise(text)
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .for_each(f);
        return;
    }
    // An ASCII character that is not alphanumeric normalises to itself and so always separates words. Between
    // two of them lies a run of ASCII alphanumerics and non-ASCII characters: an ASCII run is a word as it is
    // (lowercased when it has capitals); a run with non-ASCII characters in it is mapped character by character.
    let (b, mut i) = (text.as_bytes(), 0);
    let mut buf = String::new();
    while i < b.len() {
        while i < b.len() && b[i].is_ascii() && !b[i].is_ascii_alphanumeric() {
            i += 1;
        }
        let (start, mut upper, mut wide) = (i, false, false);
        while i < b.len() && (!b[i].is_ascii() || b[i].is_ascii_alphanumeric()) {
            upper |= b[i].is_ascii_uppercase();
            wide |= !b[i].is_ascii();
            i += 1;
        }
        if start == i {
            continue;
        }
        // Runs end at ASCII bytes or at the end, so `start..i` lies on character boundaries.
        let run = &text[start..i];
        if wide {
            mapped_words(run, &mut buf, &mut f);
        } else if upper {
            buf.clear();
            buf.push_str(run);
            buf.make_ascii_lowercase();
            f(&buf);
        } else {
            f(run);
        }
    }
}

/// The words of `normalise(run)`: each character decomposed, its marks dropped, lowercased (as `normalise`
/// maps a character); any that is not alphanumeric separates words.
fn mapped_words(run: &str, word: &mut String, f: &mut impl FnMut(&str)) {
    word.clear();
    let mut feed = |c: char, word: &mut String| {
        if c.is_alphanumeric() {
            word.push(c);
        } else if !word.is_empty() {
            f(word);
            word.clear();
        }
    };
    for c in run.chars() {
        if c.is_ascii() {
            feed(c.to_ascii_lowercase(), word);
        } else {
            unicode_normalization::char::decompose_canonical(c, |d| {
                if !unicode_normalization::char::is_combining_mark(d) {
                    for l in d.to_lowercase() {
                        feed(l, word);
                    }
                }
            });
        }
    }
    feed(' ', word);
}

/// The words of [`for_each_word`], collected.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for_each_word(text, |w| out.push(w.to_string()));
    out
}

/// Distinct query words ([`TermMatch`]es), each with a bit, matched against texts word by word.
pub struct Needles<'a> {
    list: Vec<TermMatch<'a>>,
    /// The needles by their first byte: a word is compared only with those starting as it does.
    by_first: Vec<Vec<usize>>,
}

impl Default for Needles<'_> {
    fn default() -> Self {
        Self {
            list: Vec::new(),
            by_first: vec![Vec::new(); 256],
        }
    }
}

impl<'a> Needles<'a> {
    /// The bit of `m`, added if new.
    pub fn add(&mut self, m: TermMatch<'a>) -> usize {
        if let Some(i) = self.list.iter().position(|n| *n == m) {
            return i;
        }
        let i = self.list.len();
        // An empty needle matches no word (words are never empty).
        if let Some(&b) = m.term().as_bytes().first() {
            self.by_first[usize::from(b)].push(i);
        }
        self.list.push(m);
        i
    }

    /// An empty set sized for these needles.
    pub fn bits(&self) -> Bits {
        Bits::new(self.list.len())
    }

    /// Adds to `into` the needles some word of `text` matches.
    pub fn scan(&self, text: &str, into: &mut Bits) {
        for_each_word(text, |w| {
            for &i in &self.by_first[usize::from(w.as_bytes()[0])] {
                if self.list[i].matches(w) {
                    into.set(i);
                }
            }
        });
    }
}

/// A set of indices below a fixed count: the needles a text matched ([`Needles::bits`]), the terms a text
/// matched in the composer's `TermMatcher`.
#[derive(Clone, Debug)]
pub struct Bits {
    /// Indices 0 to 63: no allocation for the usual handful of query terms (sets are made per passage and
    /// per statement).
    low: u64,
    /// Indices from 64 on, 64 per word.
    high: Vec<u64>,
}

impl Bits {
    /// An empty set of indices below `n`.
    pub fn new(n: usize) -> Self {
        Self {
            low: 0,
            high: vec![0; n.saturating_sub(64).div_ceil(64)],
        }
    }
    pub fn set(&mut self, i: usize) {
        match i.checked_sub(64) {
            None => self.low |= 1 << i,
            Some(h) => self.high[h / 64] |= 1 << (h % 64),
        }
    }
    pub fn has(&self, i: usize) -> bool {
        match i.checked_sub(64) {
            None => self.low & (1 << i) != 0,
            Some(h) => self.high.get(h / 64).is_some_and(|b| b & (1 << (h % 64)) != 0),
        }
    }
    pub fn clear(&mut self) {
        self.low = 0;
        self.high.iter_mut().for_each(|b| *b = 0);
    }
    /// Adds `other`'s indices (a set of the same count).
    pub fn add(&mut self, other: &Bits) {
        self.low |= other.low;
        for (a, b) in self.high.iter_mut().zip(&other.high) {
            *a |= b;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::analyze::tokens;

    #[test]
    fn the_words_are_those_of_the_normalised_text() {
        for text in [
            "",
            "  ",
            "KBLI 56101: Restoran dan RUMAH makan.",
            "Società a responsabilità limitata — più di 2 soci; perché?",
            "Ijin “usaha” (PT PMA) – Pasal 211 ayat (2) huruf a.",
            "cafe\u{301}s and ÉTÉ, İstanbul, Straße, ﬁle, ½ and x²",
            "ΟΔΥΣΣΕΥΣ ΣΑΣ",
            "tab\there\r\nnew line",
            "e33g/E31A-d12 c1.",
        ] {
            assert_eq!(words(text), tokens(text), "{text:?}");
        }
        for c in (0u32..0x3000).filter_map(char::from_u32) {
            let text = format!("Ab{c}cD {c}");
            assert_eq!(words(&text), tokens(&text), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn needles_are_found_by_their_rule_and_kept_once() {
        let mut n = Needles::default();
        let visa = n.add(TermMatch::new("visa"));
        let pt = n.add(TermMatch::new("pt"));
        let code = n.add(TermMatch::exact("e33g"));
        let stem = n.add(TermMatch::new("e33g"));
        assert_eq!(
            n.add(TermMatch::new("visa")),
            visa,
            "a needle added twice keeps its bit"
        );
        assert_ne!(
            code, stem,
            "an exact needle and a stem of the same word are two needles"
        );
        let mut bits = n.bits();
        n.scan("Two VISAS for a PTA, the E33Gx permit.", &mut bits);
        assert!(bits.has(visa) && bits.has(stem));
        assert!(!bits.has(pt) && !bits.has(code));
        bits.clear();
        n.scan("pt e33g", &mut bits);
        assert!(bits.has(pt) && bits.has(code) && bits.has(stem) && !bits.has(visa));
    }

    #[test]
    fn bits_past_the_first_word_of_the_set_are_kept_apart() {
        let mut n = Needles::default();
        let ids: Vec<usize> = (0..70)
            .map(|i| n.add(TermMatch::exact(Box::leak(format!("w{i}").into_boxed_str()))))
            .collect();
        let mut a = n.bits();
        n.scan("w65 w3", &mut a);
        let mut u = n.bits();
        u.add(&a);
        u.add(&n.bits());
        assert!(u.has(ids[65]) && u.has(ids[3]) && !u.has(ids[64]) && !u.has(ids[2]));
    }
}
