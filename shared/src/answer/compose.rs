//! The extractive answer: the exact figures from tools first, then the statements of the retrieved
//! passages that carry the answer, each cited, framed in the reader's language; or, when nothing retrieved
//! answers, a plain "I don't know" that offers the consultants.
//!
//! Statements are scored by the question's terms they contain (with the glossary's cross-language
//! equivalents, weighted by how rare they are among the passages), by whether they carry facts (numbers,
//! codes, lists), and by the rank of their passage; the best passage is always quoted.

use rustc_hash::FxHashMap as HashMap;
use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::asked::{asked, carries};
use super::assess::RELATED_FLOOR;
use super::phrases::{phrases, quoted_note};
use super::units::{units, Unit};
use super::{AnswerContext, Passage, TermMatcher};
use crate::kb::visa_codes;
use crate::lang::Lang;
use crate::search::analyze::analyze;
use crate::search::words::{for_each_word, Bits};

const MAX_PASSAGES: usize = 8;
const MAX_UNITS: usize = 8;
const PER_PASSAGE: usize = 3;
/// Statements quoted next to a tool's figures.
const WITH_TOOL_UNITS: usize = 3;
/// Statements shown after "I don't know" when the sources are close to the question.
const RELATED_UNITS: usize = 3;
const MAX_CHARS: usize = 1800;
/// A question term found only in the passage's title or section counts this much.
const CONTEXT_WEIGHT: f64 = 0.6;
/// A statement scoring this share of the best statement's score is quoted, however few words it shares.
const SCORE_GATE: f64 = 0.45;
/// A statement with the kind of value the question asks for (a duration, an amount: [`asked`]).
const ASKED_WEIGHT: f64 = 0.6;

/// The full answer. Deterministic: same context, same text. When `continuing`, a model's partial answer is
/// already on screen: no lead sentence, just a paragraph break and the extract.
pub fn compose(ctx: &AnswerContext, continuing: bool) -> String {
    if let Some(c) = super::courtesy::courtesy(&ctx.query) {
        return super::courtesy::reply(c, ctx.lang).to_string();
    }
    let ph = phrases(ctx.lang);
    let tools = tool_lines(ctx);
    // A tool that only says nothing matched neither answers the question nor stands in for the passages.
    let found = ctx.tool_results.iter().any(|t| !t.found_nothing());
    let legacy = legacy_notes(&ctx.query, ctx.lang);
    let abstain = ctx.answerable == Some(false) && !found;
    // Not answerable but not far off: say so first, then the few closest statements, marked as such.
    let related = abstain && ctx.confidence.is_some_and(|c| c >= RELATED_FLOOR);
    // A tool's exact figures answer the question; the passages then only add context.
    let max_units = if found { WITH_TOOL_UNITS } else { MAX_UNITS };
    let picked = match (abstain, related) {
        (false, _) => pick(ctx, max_units),
        (true, true) => pick(ctx, RELATED_UNITS),
        (true, false) => Vec::new(),
    };

    let mut blocks: Vec<String> = Vec::new();
    if abstain || (tools.is_empty() && picked.is_empty()) {
        if !legacy.is_empty() {
            blocks.push(legacy.join("\n"));
        }
        // What the tool looked up and did not find ("no price for B1") comes before "I don't know".
        if !tools.is_empty() {
            blocks.push(bullets(&tools));
        }
        blocks.push(ph.unknown.to_string());
        if !picked.is_empty() {
            blocks.push(ph.related.to_string());
            blocks.push(render(ctx, &picked));
            blocks.push(sources_block(ctx, &picked, ph.sources));
        }
        return finish(blocks, continuing);
    }
    if !continuing {
        let lead = if ctx.confidence.is_some_and(|c| c < 0.5) {
            ph.weak_lead
        } else {
            ph.lead
        };
        blocks.push(lead.to_string());
    }
    if !legacy.is_empty() {
        blocks.push(legacy.join("\n"));
    }
    if !tools.is_empty() {
        blocks.push(bullets(&tools));
    }
    if !picked.is_empty() {
        blocks.push(render(ctx, &picked));
        blocks.push(sources_block(ctx, &picked, ph.sources));
    }
    finish(blocks, continuing)
}

fn bullets(lines: &[String]) -> String {
    lines.iter().map(|l| format!("- {l}")).collect::<Vec<_>>().join("\n")
}

fn sources_block(ctx: &AnswerContext, picked: &[Picked], heading: &str) -> String {
    let cited: BTreeSet<usize> = picked.iter().map(|p| p.passage).collect();
    let list: Vec<String> = cited.into_iter().map(|i| source_line(i, &ctx.passages[i])).collect();
    format!("{heading}\n{}", list.join("\n"))
}

fn finish(blocks: Vec<String>, continuing: bool) -> String {
    let body = blocks.join("\n\n");
    if continuing {
        format!("\n\n{body}")
    } else {
        body
    }
}

fn source_line(i: usize, p: &Passage) -> String {
    match (p.label.trim(), p.title.trim()) {
        ("", t) => format!("[{}] {t}", i + 1),
        (l, t) if t.is_empty() || l.contains(t) => format!("[{}] {l}", i + 1),
        (l, t) => format!("[{}] {l}, {t}", i + 1),
    }
}

/// Statements, in passage order; a statement quoted from a source in another language than the reader's
/// says so once per passage.
fn render(ctx: &AnswerContext, picked: &[Picked]) -> String {
    let mut lines = Vec::new();
    let mut noted: BTreeSet<usize> = BTreeSet::new();
    // Up to three statements come from one passage: its language is detected once.
    let mut langs: HashMap<usize, Lang> = HashMap::default();
    for p in picked {
        let n = p.passage + 1;
        let source_lang = *langs
            .entry(p.passage)
            .or_insert_with(|| Lang::detect(&ctx.passages[p.passage].text));
        let note = if source_lang != ctx.lang && noted.insert(p.passage) {
            format!(" {}", quoted_note(ctx.lang, source_lang, n))
        } else {
            String::new()
        };
        let cite = format!(" [{n}]{note}");
        if p.unit.items.is_empty() {
            lines.push(format!("- {}{cite}", p.unit.text));
            continue;
        }
        // A list under its lead-in as sub-bullets; table rows (no lead-in) as bullets; cited once, at the end.
        let indent = if p.unit.text.is_empty() {
            "- "
        } else {
            lines.push(format!("- {}", p.unit.text));
            "  - "
        };
        let last = p.unit.items.len() - 1;
        for (k, item) in p.unit.items.iter().enumerate() {
            let tail = if k == last { cite.as_str() } else { "" };
            lines.push(format!("{indent}{item}{tail}"));
        }
    }
    lines.join("\n")
}

struct Picked {
    passage: usize,
    unit: Unit,
}

/// The question's terms with weights: its own words (codes and numbers count more), then their glossary
/// equivalents in the other languages. [`rarity`] then weighs them by how many passages contain them.
fn question_terms(ctx: &AnswerContext) -> (Vec<String>, Vec<f64>) {
    let a = analyze(&ctx.query, true);
    let (mut terms, mut weights): (Vec<String>, Vec<f64>) = (Vec::new(), Vec::new());
    for t in &a.terms {
        let w = if a.codes.contains(t) {
            3.0
        } else if t.chars().all(|c| c.is_ascii_digit()) {
            2.0
        } else if t.chars().count() <= 2 {
            0.3
        } else {
            1.0
        };
        terms.push(t.clone());
        weights.push(w);
    }
    for e in &a.expansions {
        if !terms.contains(e) {
            terms.push(e.clone());
            weights.push(0.8);
        }
    }
    (terms, weights)
}

/// Each weight scaled down by how many of the passages (`in_passage`, the terms each contains) have its term.
fn rarity(weights: &mut [f64], in_passage: &[Bits]) {
    let n = in_passage.len().max(1) as f64;
    for (i, w) in weights.iter_mut().enumerate() {
        let df = in_passage.iter().filter(|p| p.has(i)).count() as f64;
        // A word every passage has says little about which statement answers.
        *w *= 0.4 + 0.6 * ((1.0 + n) / (1.0 + df)).ln() / (1.0 + n).ln();
    }
}

/// Facts are what people ask for: amounts, durations, codes, dates — and lists of conditions.
/// `t` is the statement's [`Unit::full_text`].
fn fact_weight(u: &Unit, t: &str) -> f64 {
    let digits = t.chars().any(|c| c.is_ascii_digit());
    let money = ["IDR", "Rp", "USD", "EUR", "%"].iter().any(|m| t.contains(m));
    let list = !u.items.is_empty();
    0.3 * f64::from(u8::from(digits)) + 0.2 * f64::from(u8::from(money)) + 0.4 * f64::from(u8::from(list))
}

/// The statements to quote.
fn pick(ctx: &AnswerContext, max_units: usize) -> Vec<Picked> {
    let passages: Vec<&Passage> = ctx.passages.iter().take(MAX_PASSAGES).collect();
    let per_passage: Vec<Vec<Unit>> = passages.iter().map(|p| units(&p.text)).collect();
    let (terms, mut weights) = question_terms(ctx);
    let matcher = TermMatcher::new(&terms);
    let in_passage: Vec<Bits> = passages.iter().map(|p| matcher.matches(&p.text)).collect();
    rarity(&mut weights, &in_passage);
    let max_match: f64 = weights.iter().sum::<f64>().max(1e-9);
    let kinds = asked(&ctx.query);

    // (score, relevance, passage, statement, its full text): statements are cloned only when picked.
    let mut scored: Vec<(f64, f64, usize, &Unit, String)> = Vec::new();
    for (p, us) in per_passage.iter().enumerate() {
        // A statement is read in its passage's context: "Extension: 60 days" under "C1 Tourist Visa" is about C1.
        let mut context = matcher.matches(&passages[p].title);
        context.add(&matcher.matches(&passages[p].label));
        for u in us {
            let full = u.full_text();
            let ws = matcher.matches(&full);
            let matched: f64 = weights
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    if ws.has(i) {
                        *w
                    } else if context.has(i) {
                        CONTEXT_WEIGHT * w
                    } else {
                        0.0
                    }
                })
                .sum();
            let relevance = matched / max_match;
            let prior = 0.6 / (1.0 + p as f64) + 0.15 / (1.0 + u.pos as f64);
            let answers = f64::from(u8::from(kinds.iter().any(|k| carries(*k, &full))));
            let score = 2.0 * relevance + (fact_weight(u, &full) + ASKED_WEIGHT * answers) * (0.3 + relevance) + prior;
            scored.push((score, relevance, p, u, full));
        }
    }
    if scored.is_empty() {
        return Vec::new();
    }
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.2.cmp(&b.2)).then(a.3.pos.cmp(&b.3.pos)));
    let best_relevance = scored.iter().map(|s| s.1).fold(0.0, f64::max);
    let top_score = scored[0].0;

    let mut picked: Vec<Picked> = Vec::new();
    // The picked statements' words, for spotting near-duplicates ([`similar`]).
    let mut picked_words: Vec<WordSet> = Vec::new();
    let mut chars = 0;
    // The best passage is always quoted: its best statement first.
    if let Some(i) = scored.iter().position(|s| s.2 == 0) {
        let (_, _, passage, unit, full) = scored.remove(i);
        chars += unit.chars();
        picked_words.push(WordSet::of(&full));
        picked.push(Picked {
            passage,
            unit: unit.clone(),
        });
    }
    for (score, relevance, passage, unit, full) in scored {
        if picked.len() >= max_units {
            break;
        }
        // Others must share the question's words about as well as the best statement does, or score nearly as
        // well overall (a figure, the kind of value asked for, a top passage: "Total tax: IDR 165 million" under
        // the worked example shares few words) — or, when no word is shared (a question in another language
        // than every source), come from the top passages.
        let relevant = if best_relevance > 0.0 {
            relevance >= 0.5 * best_relevance || score >= SCORE_GATE * top_score
        } else {
            passage < 2
        };
        let same = picked.iter().filter(|p| p.passage == passage).count();
        let fits = chars + unit.chars() <= MAX_CHARS;
        if !(relevant && fits && same < PER_PASSAGE) {
            continue;
        }
        let set = WordSet::of(&full);
        if !picked_words.iter().any(|p| similar(p, &set)) {
            chars += unit.chars();
            picked_words.push(set);
            picked.push(Picked {
                passage,
                unit: unit.clone(),
            });
        }
    }
    picked.sort_by_key(|p| (p.passage, p.unit.pos));
    picked
}

/// A statement's distinct words, sorted: what [`similar`] compares. The words share one buffer (statements
/// are compared for every candidate quoted, and a `String` per word was most of the cost).
struct WordSet {
    buf: String,
    /// Each distinct word's bounds in `buf`, sorted by the word.
    spans: Vec<(usize, usize)>,
}

impl WordSet {
    /// The words of `text` (a statement's [`Unit::full_text`]).
    fn of(text: &str) -> Self {
        let mut buf = String::with_capacity(text.len());
        let mut spans = Vec::new();
        for_each_word(text, |w| {
            let start = buf.len();
            buf.push_str(w);
            spans.push((start, buf.len()));
        });
        spans.sort_unstable_by(|a, b| buf[a.0..a.1].cmp(&buf[b.0..b.1]));
        spans.dedup_by(|a, b| buf[a.0..a.1] == buf[b.0..b.1]);
        Self { buf, spans }
    }

    fn word(&self, i: usize) -> &str {
        let (a, b) = self.spans[i];
        &self.buf[a..b]
    }
}

/// Near-duplicates (overlapping chunks repeat sentences): seven tenths of their distinct words shared.
fn similar(a: &WordSet, b: &WordSet) -> bool {
    let (n, m) = (a.spans.len(), b.spans.len());
    let (mut i, mut j, mut shared) = (0, 0, 0);
    while i < n && j < m {
        match a.word(i).cmp(b.word(j)) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = (n + m - shared).max(1);
    shared * 10 >= union * 7
}

/// Notes for old visa names in the question ("B211A is the old name; since 2023 …").
fn legacy_notes(query: &str, lang: Lang) -> Vec<String> {
    let mut seen = BTreeSet::new();
    query
        .split(|c: char| !c.is_alphanumeric())
        .filter_map(visa_codes::legacy)
        .filter(|l| seen.insert(l.old))
        .map(|l| l.note(lang.code()).to_string())
        .collect()
}

fn group_thousands(n: u64) -> String {
    let s = n.to_string();
    let groups: Vec<&str> = s
        .as_bytes()
        .rchunks(3)
        .rev()
        .map(|g| std::str::from_utf8(g).unwrap_or(""))
        .collect();
    groups.join(",")
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.as_u64().map_or(n.to_string(), group_thousands)),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `{"service":"C1 Tourism","price_idr":2300000,"extension_idr":1700000}` →
/// `C1 Tourism: IDR 2,300,000; extension IDR 1,700,000`.
fn render_object(m: &Map<String, Value>) -> String {
    const LABELS: &[&str] = &["name", "service", "title", "label", "product", "item"];
    const PRICE: &[&str] = &[
        "price",
        "price_idr",
        "harga",
        "fee",
        "fee_idr",
        "cost",
        "biaya",
        "prezzo",
        "amount",
    ];
    let label = LABELS.iter().find_map(|k| m.get(*k).and_then(Value::as_str));
    let mut parts: Vec<(u8, String)> = Vec::new();
    for (k, v) in m {
        if label.is_some() && LABELS.iter().any(|l| l == k && m[*l].is_string()) {
            continue;
        }
        let Some(text) = scalar(v) else { continue };
        if PRICE.contains(&k.as_str()) && v.is_number() {
            parts.push((0, format!("IDR {text}")));
        } else if let (Some(base), true) = (k.strip_suffix("_idr"), v.is_number()) {
            parts.push((1, format!("{} IDR {text}", base.replace('_', " "))));
        } else {
            parts.push((2, format!("{}: {text}", k.replace('_', " "))));
        }
    }
    parts.sort_by_key(|p| p.0);
    let body = parts.into_iter().map(|p| p.1).collect::<Vec<_>>().join("; ");
    match label {
        Some(l) if body.is_empty() => l.to_string(),
        Some(l) => format!("{l}: {body}"),
        None => body,
    }
}

fn tool_lines(ctx: &AnswerContext) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen: HashMap<String, ()> = HashMap::default();
    for t in &ctx.tool_results {
        if !t.summary.trim().is_empty() {
            // Old-visa-name notes come in the reader's language from `legacy_notes`, not the tool's English.
            let is_note = |l: &str| visa_codes::LEGACY.iter().any(|v| v.note_en == l);
            for l in t
                .summary
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !is_note(l))
            {
                if seen.insert(l.to_string(), ()).is_none() {
                    out.push(l.to_string());
                }
            }
            continue;
        }
        let items = match &t.value {
            Value::Array(a) => a.iter().collect(),
            Value::Null => Vec::new(),
            v => vec![v],
        };
        for v in items {
            let line = match v {
                Value::Object(m) => render_object(m),
                v => scalar(v).unwrap_or_else(|| v.to_string()),
            };
            if !line.is_empty() && seen.insert(line.clone(), ()).is_none() {
                out.push(line);
            }
        }
    }
    out
}

#[cfg(test)]
#[path = "compose_tests.rs"]
mod tests;
