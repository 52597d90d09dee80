//! The local reranker: lexical evidence a bag-of-words BM25 misses.

use super::analyze::{normalise, Analysis};
use super::pipeline::Reranker;
use super::snippet::TermMatch;
use super::types::{Candidate, DocMeta};
use crate::error::ApiError;

/// The local reranker: lexical evidence a bag-of-words BM25 misses — how many of the query's own terms a
/// passage covers, whether they appear in its title or section, and exact code matches (56101, E33G).
pub struct LexicalReranker;

impl Reranker for LexicalReranker {
    async fn scores(&self, q: &Analysis, passages: &[(&Candidate, &DocMeta)]) -> Result<Vec<f64>, ApiError> {
        Ok(lexical_scores(q, passages))
    }
}

/// The lexical score of each passage (see [`LexicalReranker`]), with the query's glossary equivalents looked
/// up once (the glossary is a list of groups: looking them up per passage was a tenth of a search's CPU in a
/// native profile).
pub fn lexical_scores(q: &Analysis, passages: &[(&Candidate, &DocMeta)]) -> Vec<f64> {
    let equivalents: Vec<Vec<&str>> = q.terms.iter().map(|t| super::glossary::expansions(t)).collect();
    passages.iter().map(|(c, d)| score(q, &equivalents, c, d)).collect()
}

/// How much a term found only through a glossary equivalent counts towards coverage.
const CROSS_LANGUAGE: f64 = 0.8;

/// A passage's normalised words.
struct Words<'a>(Vec<&'a str>);

impl Words<'_> {
    /// Some word matches `term` ([`TermMatch`]).
    fn has(&self, term: &str) -> bool {
        let term = TermMatch::new(term);
        self.0.iter().any(|w| term.matches(w))
    }
    fn contains(&self, word: &str) -> bool {
        self.0.contains(&word)
    }
}

/// `equivalents[i]`: the glossary equivalents of `q.terms[i]`.
fn score(q: &Analysis, equivalents: &[Vec<&str>], c: &Candidate, d: &DocMeta) -> f64 {
    if q.terms.is_empty() {
        return 0.0;
    }
    // Words as slices of one normalised string each (no String per word: this runs for every candidate
    // passage of every search). A linear scan per term beats sorting the words: queries have few terms.
    fn split(s: &str) -> Vec<&str> {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|t| !t.is_empty())
            .collect()
    }
    let (head_norm, body_norm) = (
        normalise(&format!("{} {}", d.title, c.section)),
        normalise(&format!("{} {}", c.text, c.keywords)),
    );
    let (head, body) = (Words(split(&head_norm)), Words(split(&body_norm)));
    let n = q.terms.len() as f64;
    // A term counts fully when it is in the passage, and mostly when only one of its equivalents in another
    // language is: an Indonesian article answers an Italian question in Indonesian words.
    let coverage = q
        .terms
        .iter()
        .zip(equivalents)
        .map(|(t, eq)| {
            if body.has(t) || head.has(t) {
                1.0
            } else if eq.iter().any(|e| body.has(e) || head.has(e)) {
                CROSS_LANGUAGE
            } else {
                0.0
            }
        })
        .sum::<f64>()
        / n;
    // A query term in the title counts fully; only a synonym of it there, half.
    let in_head: f64 = q
        .terms
        .iter()
        .zip(equivalents)
        .map(|(t, eq)| {
            if head.has(t) {
                1.0
            } else if eq.iter().any(|e| head.has(e)) {
                0.5
            } else {
                0.0
            }
        })
        .sum::<f64>()
        / n;
    let exact_code = !q.codes.is_empty() && {
        let keywords = super::analyze::tokens(&c.keywords);
        q.codes
            .iter()
            .any(|code| head.contains(code) || keywords.iter().any(|w| w == code))
    };
    0.25 * coverage + 0.35 * in_head + if exact_code { 1.0 } else { 0.0 }
}
