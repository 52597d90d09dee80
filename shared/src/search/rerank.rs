//! The local reranker: lexical evidence a bag-of-words BM25 misses.

use super::analyze::Analysis;
use super::pipeline::Reranker;
use super::snippet::TermMatch;
use super::types::{Candidate, DocMeta};
use super::words::{Bits, Needles};
use crate::error::ApiError;

/// The local reranker: lexical evidence a bag-of-words BM25 misses — how many of the query's own terms a
/// passage covers, whether they appear in its title or section, and exact code matches (56101, E33G).
pub struct LexicalReranker;

impl Reranker for LexicalReranker {
    async fn scores(&self, q: &Analysis, passages: &[(&Candidate, &DocMeta)]) -> Result<Vec<f64>, ApiError> {
        Ok(lexical_scores(q, passages))
    }
}

/// The lexical score of each passage (see [`LexicalReranker`]). The query's terms, their glossary equivalents
/// and its codes are gathered once into [`Needles`]; each passage is then read once, word by word. A term counts
/// by its rarity among the passages: one that every candidate has (it is why they were retrieved) tells them
/// apart less than one only a few have.
pub fn lexical_scores(q: &Analysis, passages: &[(&Candidate, &DocMeta)]) -> Vec<f64> {
    let query = Query::new(q);
    if query.terms.is_empty() {
        return vec![0.0; passages.len()];
    }
    let mut s = Scratch::new(&query.needles);
    let found: Vec<Found> = passages.iter().map(|(c, d)| query.read(c, d, &mut s)).collect();
    let weights = rarity(&found, query.terms.len());
    found.iter().map(|f| f.score(&weights)).collect()
}

/// Per term, `ln(1 + n / (1 + passages with the term))`, normalised to sum to 1.
fn rarity(found: &[Found], terms: usize) -> Vec<f64> {
    let n = found.len() as f64;
    let w: Vec<f64> = (0..terms)
        .map(|t| {
            let df = found.iter().filter(|f| f.any[t] > 0.0).count() as f64;
            (1.0 + n / (1.0 + df)).ln()
        })
        .collect();
    let total: f64 = w.iter().sum();
    w.into_iter().map(|x| x / total).collect()
}

/// What one passage has of each query term: 1 for the term itself, less for an equivalent only, 0 for neither.
struct Found {
    any: Vec<f64>,
    head: Vec<f64>,
    exact_code: bool,
}

impl Found {
    fn score(&self, weights: &[f64]) -> f64 {
        let weighted = |v: &[f64]| v.iter().zip(weights).map(|(f, w)| f * w).sum::<f64>();
        0.25 * weighted(&self.any) + 0.35 * weighted(&self.head) + if self.exact_code { 1.0 } else { 0.0 }
    }
}

/// How much a term found only through a glossary equivalent counts towards coverage.
const CROSS_LANGUAGE: f64 = 0.8;

/// The needles of a query, and which of them are each term, its equivalents, and the codes.
struct Query<'a> {
    needles: Needles<'a>,
    /// Per query term: its needle and its equivalents' needles.
    terms: Vec<(usize, Vec<usize>)>,
    /// The codes, matched as whole words.
    codes: Vec<usize>,
}

/// One passage's sets, reused from passage to passage.
struct Scratch {
    head: Bits,
    keywords: Bits,
    body: Bits,
    any: Bits,
}

impl Scratch {
    fn new(n: &Needles) -> Self {
        Self {
            head: n.bits(),
            keywords: n.bits(),
            body: n.bits(),
            any: n.bits(),
        }
    }
}

impl<'a> Query<'a> {
    fn new(q: &'a Analysis) -> Self {
        let mut needles = Needles::default();
        let terms = q
            .terms
            .iter()
            .map(|t| {
                let own = needles.add(TermMatch::new(t));
                let eq = super::glossary::expansions(t)
                    .into_iter()
                    .map(|e| needles.add(TermMatch::new(e)))
                    .collect();
                (own, eq)
            })
            .collect();
        let codes = q.codes.iter().map(|c| needles.add(TermMatch::exact(c))).collect();
        Self { needles, terms, codes }
    }

    fn read(&self, c: &Candidate, d: &DocMeta, s: &mut Scratch) -> Found {
        let n = &self.needles;
        s.head.clear();
        n.scan(&d.title, &mut s.head);
        n.scan(&c.section, &mut s.head);
        s.keywords.clear();
        n.scan(&c.keywords, &mut s.keywords);
        s.body.clone_from(&s.keywords);
        n.scan(&c.text, &mut s.body);
        s.any.clone_from(&s.head);
        s.any.add(&s.body);
        // A term counts fully when it is in the passage, and mostly when only one of its equivalents in another
        // language is: an Indonesian article answers an Italian question in Indonesian words.
        let found = |set: &Bits, partly: f64| -> Vec<f64> {
            self.terms
                .iter()
                .map(|(own, eq)| {
                    if set.has(*own) {
                        1.0
                    } else if eq.iter().any(|e| set.has(*e)) {
                        partly
                    } else {
                        0.0
                    }
                })
                .collect()
        };
        Found {
            any: found(&s.any, CROSS_LANGUAGE),
            // A query term in the title counts fully; only a synonym of it there, half.
            head: found(&s.head, 0.5),
            exact_code: self.codes.iter().any(|&i| s.head.has(i) || s.keywords.has(i)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::analyze::analyze;

    fn passage(title: &str, section: &str, text: &str, keywords: &str) -> (Candidate, DocMeta) {
        let c = Candidate {
            chunk_id: "c".into(),
            document_id: "d".into(),
            collection: "k".into(),
            section: section.into(),
            page: None,
            text: text.into(),
            keywords: keywords.into(),
            bm25: None,
        };
        let d = DocMeta {
            id: "d".into(),
            title: title.into(),
            authority: None,
            url: None,
            r2_key: None,
        };
        (c, d)
    }

    fn scores(query: &str, passages: &[(Candidate, DocMeta)]) -> Vec<f64> {
        let q = analyze(query, true);
        let refs: Vec<(&Candidate, &DocMeta)> = passages.iter().map(|(c, d)| (c, d)).collect();
        lexical_scores(&q, &refs)
    }

    #[test]
    fn coverage_title_and_codes_weigh_as_documented() {
        let q = analyze("tourist visa extension", true);
        assert_eq!(q.terms.len(), 3, "{:?}", q.terms);
        let got = scores(
            "tourist visa extension",
            &[
                // Every term in the body: coverage 1, nothing in the title.
                passage("Guide", "Part 1", "A Tourist VISAS page on extensions.", ""),
                // Every term in the title: coverage 1 and in_head 1.
                passage("Tourist visa", "extension", "", ""),
                // Only "visto" (Italian, the glossary's equivalent of visa): 0.8 of the weight of "visa".
                passage("Guida", "", "Il visto.", ""),
                passage("Nothing", "", "unrelated words", ""),
            ],
        );
        let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
        assert!(close(got[0], 0.25), "{got:?}");
        assert!(close(got[1], 0.25 + 0.35), "{got:?}");
        // Of 4 passages, "tourist" and "extension" are in 2, "visa" (or "visto") in 3: the rarer weigh more.
        let (rare, common) = ((1.0f64 + 4.0 / 3.0).ln(), (1.0f64 + 4.0 / 4.0).ln());
        assert!(close(got[2], 0.25 * 0.8 * common / (2.0 * rare + common)), "{got:?}");
        assert!(close(got[3], 0.0), "{got:?}");
    }

    #[test]
    fn a_rare_term_outweighs_one_every_passage_has() {
        let got = scores(
            "villa lease canggu",
            &[
                passage("A", "", "villa lease terms", ""),
                passage("B", "", "villa in canggu", ""),
                passage("C", "", "villa lease", ""),
                passage("D", "", "villa lease notes", ""),
            ],
        );
        // B has one term fewer than A, C and D, but the one only it has.
        assert!(got[1] > got[0], "{got:?}");
        assert!(
            (got[0] - got[2]).abs() < 1e-12 && (got[0] - got[3]).abs() < 1e-12,
            "{got:?}"
        );
    }

    #[test]
    fn a_code_counts_as_a_whole_word_in_the_title_or_the_keywords() {
        let got = scores(
            "E33G",
            &[
                passage("E33G remote worker", "", "", ""),
                passage("Visas", "", "", "e33g kitas"),
                passage("Visas", "", "E33G in the text only", ""),
                passage("E33GX", "", "", ""),
            ],
        );
        assert!(got[0] > 1.0 && got[1] > 1.0, "{got:?}");
        assert!(
            got[2] < 1.0,
            "in the text, a code is coverage, not an exact match: {got:?}"
        );
        assert!(got[3] < 1.0, "a longer word is not the code: {got:?}");
    }
}
