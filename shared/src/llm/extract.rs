//! The offline answer: tool results first (they are the exact figures), then the passage sentences that
//! share the most words with the question, each with the citation number of its passage.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::offline::{Lang, OfflineContext};

pub(crate) const STOP_EN: &[&str] = &[
    "the", "a", "an", "and", "or", "of", "to", "in", "for", "on", "with", "is", "are", "be", "can", "i", "my", "me",
    "we", "you", "do", "does", "how", "what", "which", "who", "when", "where", "why", "it", "this", "that", "from",
    "by", "as", "at", "about", "need", "much", "many", "there", "any", "if", "will", "should", "get", "have", "has",
    "please", "tell",
];
pub(crate) const STOP_ID: &[&str] = &[
    "yang",
    "dan",
    "di",
    "ke",
    "dari",
    "untuk",
    "dengan",
    "apa",
    "apakah",
    "bagaimana",
    "berapa",
    "saya",
    "kami",
    "anda",
    "itu",
    "ini",
    "ada",
    "bisa",
    "dapat",
    "adalah",
    "atau",
    "juga",
    "tidak",
    "akan",
    "sudah",
    "dalam",
    "pada",
    "oleh",
    "mau",
    "ingin",
    "perlu",
    "harus",
    "tolong",
    "bagi",
    "kalau",
    "jika",
];
pub(crate) const STOP_IT: &[&str] = &[
    "il", "lo", "la", "gli", "le", "un", "una", "uno", "di", "da", "del", "della", "dei", "delle", "con", "per", "su",
    "e", "che", "come", "cosa", "quale", "quanto", "quanta", "è", "sono", "mi", "ho", "posso", "non", "si", "al",
    "alla", "nel", "nella", "devo", "mio", "mia",
];

/// Abbreviations whose period does not end a sentence (`PP No. 28`, `Rp. 500`, `art. 5`).
const ABBREVIATIONS: &[&str] = &[
    "no", "nr", "pp", "rp", "art", "e.g", "i.e", "dr", "mr", "mrs", "jl", "tel", "ca", "vs",
];

const MAX_PASSAGES: usize = 5;
const MAX_SENTENCES: usize = 5;
const PER_PASSAGE: usize = 2;
const MAX_EXTRACT_CHARS: usize = 900;
const MAX_SENTENCE_CHARS: usize = 300;

/// Lower-case alphanumeric words.
pub(crate) fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn query_terms(query: &str) -> BTreeSet<String> {
    words(query)
        .into_iter()
        .filter(|w| w.chars().count() >= 2 || w.chars().any(|c| c.is_ascii_digit()))
        .filter(|w| ![STOP_EN, STOP_ID, STOP_IT].iter().any(|l| l.contains(&w.as_str())))
        .collect()
}

/// A word matches a term exactly, or as a prefix of 4+ letters either way (visa/visas, perusahaan/perusahaannya).
fn matches(term: &str, word: &str) -> bool {
    term == word || (term.len() >= 4 && word.starts_with(term)) || (word.len() >= 4 && term.starts_with(word))
}

fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim().trim_start_matches(['#', '-', '*', '>']).trim();
        let mut start = 0;
        let chars: Vec<(usize, char)> = line.char_indices().collect();
        for (k, &(i, c)) in chars.iter().enumerate() {
            let next = chars.get(k + 1).map(|p| p.1);
            let after = chars.get(k + 2).map(|p| p.1);
            let ends = matches!(c, '.' | '!' | '?')
                && next.is_some_and(char::is_whitespace)
                && after.is_some_and(|a| a.is_uppercase() || a.is_ascii_digit() || a == '(' || a == '"');
            let abbrev = c == '.' && {
                let before = line[start..i].rsplit(char::is_whitespace).next().unwrap_or("");
                ABBREVIATIONS.contains(&before.to_lowercase().as_str())
            };
            if ends && !abbrev {
                out.push(line[start..=i].trim().to_string());
                start = i + 1;
            }
        }
        out.push(line[start..].trim().to_string());
    }
    out.retain(|s| s.chars().count() >= 15);
    out.into_iter().map(|s| shorten(&s, MAX_SENTENCE_CHARS)).collect()
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(a, _)| a);
    format!("{}…", cut.trim_end_matches([',', ';', ':']))
}

fn similar(a: &str, b: &str) -> bool {
    let (a, b): (BTreeSet<String>, BTreeSet<String>) = (words(a).into_iter().collect(), words(b).into_iter().collect());
    let union = a.union(&b).count().max(1);
    a.intersection(&b).count() * 10 >= union * 7
}

struct Picked {
    passage: usize,
    pos: usize,
    text: String,
}

/// The best sentences, in passage order. `None` when none shares a word with the question.
fn pick(ctx: &OfflineContext) -> Option<Vec<Picked>> {
    let terms = query_terms(&ctx.query);
    let mut cands: Vec<(f64, Picked)> = Vec::new();
    for (p, passage) in ctx.passages.iter().take(MAX_PASSAGES).enumerate() {
        for (pos, s) in sentences(&passage.text).into_iter().enumerate() {
            let ws = words(&s);
            let overlap = terms.iter().filter(|t| ws.iter().any(|w| matches(t, w))).count();
            if overlap > 0 {
                let score = overlap as f64 + 0.5 / (1 + p) as f64 + 0.1 / (1 + pos) as f64;
                cands.push((
                    score,
                    Picked {
                        passage: p,
                        pos,
                        text: s,
                    },
                ));
            }
        }
    }
    if cands.is_empty() {
        return None;
    }
    cands.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then(a.1.passage.cmp(&b.1.passage))
            .then(a.1.pos.cmp(&b.1.pos))
    });
    let mut picked: Vec<Picked> = Vec::new();
    let mut chars = 0;
    for (_, c) in cands {
        if picked.len() >= MAX_SENTENCES {
            break;
        }
        let from_same = picked.iter().filter(|p| p.passage == c.passage).count();
        let fits = picked.is_empty() || chars + c.text.len() <= MAX_EXTRACT_CHARS;
        if fits && from_same < PER_PASSAGE && !picked.iter().any(|p| similar(&p.text, &c.text)) {
            chars += c.text.len();
            picked.push(c);
        }
    }
    picked.sort_by_key(|p| (p.passage, p.pos));
    Some(picked)
}

/// The first sentence of each of the top passages: what retrieval found when no word matches (e.g. a
/// question in Italian over Indonesian sources).
fn first_sentences(ctx: &OfflineContext) -> Vec<Picked> {
    ctx.passages
        .iter()
        .take(2)
        .enumerate()
        .filter_map(|(p, passage)| {
            sentences(&passage.text).into_iter().next().map(|text| Picked {
                passage: p,
                pos: 0,
                text,
            })
        })
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

fn tool_lines(ctx: &OfflineContext) -> Vec<String> {
    let mut out = Vec::new();
    for t in &ctx.tool_results {
        if !t.summary.trim().is_empty() {
            out.extend(
                t.summary
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(String::from),
            );
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
            if !line.is_empty() {
                out.push(line);
            }
        }
    }
    out
}

struct Phrases {
    lead: &'static str,
    weak_lead: &'static str,
    nothing: &'static str,
    sources: &'static str,
}

fn phrases(lang: Lang) -> Phrases {
    match lang {
        Lang::En => Phrases {
            lead: "From Bali Zero's knowledge base and price list:",
            weak_lead: "No source in Bali Zero's knowledge base answers this directly; these excerpts may be related:",
            nothing: "I couldn't find anything about this in our sources. Please rephrase the question or contact our team.",
            sources: "Sources:",
        },
        Lang::Id => Phrases {
            lead: "Dari basis pengetahuan dan daftar harga Bali Zero:",
            weak_lead: "Tidak ada sumber di basis pengetahuan Bali Zero yang menjawab ini secara langsung; kutipan berikut mungkin terkait:",
            nothing: "Saya tidak menemukan informasi tentang hal ini di sumber kami. Silakan ubah pertanyaan Anda atau hubungi tim kami.",
            sources: "Sumber:",
        },
        Lang::It => Phrases {
            lead: "Dalla base di conoscenza e dal listino prezzi di Bali Zero:",
            weak_lead: "Nessuna fonte della base di conoscenza di Bali Zero risponde direttamente; questi estratti potrebbero essere pertinenti:",
            nothing: "Non ho trovato nulla su questo nelle nostre fonti. Riformula la domanda o contatta il nostro team.",
            sources: "Fonti:",
        },
    }
}

/// The full offline answer. Deterministic: same context, same text.
pub fn compose(ctx: &OfflineContext, continuing: bool) -> String {
    let ph = phrases(ctx.lang);
    let tools = tool_lines(ctx);
    // Unmatched passages are shown only when there is nothing else: next to tool figures they are noise.
    let (picked, weak) = match pick(ctx) {
        Some(p) => (p, false),
        None if tools.is_empty() => (first_sentences(ctx), true),
        None => (Vec::new(), false),
    };
    let mut blocks: Vec<String> = Vec::new();
    if tools.is_empty() && picked.is_empty() {
        blocks.push(ph.nothing.to_string());
    } else {
        if !continuing {
            blocks.push(if weak { ph.weak_lead } else { ph.lead }.to_string());
        }
        if !tools.is_empty() {
            blocks.push(tools.iter().map(|l| format!("- {l}")).collect::<Vec<_>>().join("\n"));
        }
        if !picked.is_empty() {
            blocks.push(
                picked
                    .iter()
                    .map(|p| format!("- {} [{}]", p.text, p.passage + 1))
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
            let cited: BTreeSet<usize> = picked.iter().map(|p| p.passage).collect();
            let list: Vec<String> = cited
                .into_iter()
                .map(|i| {
                    let p = &ctx.passages[i];
                    match (p.label.trim(), p.title.trim()) {
                        ("", t) => format!("[{}] {t}", i + 1),
                        (l, t) if t.is_empty() || l.contains(t) => format!("[{}] {l}", i + 1),
                        (l, t) => format!("[{}] {l}, {t}", i + 1),
                    }
                })
                .collect();
            blocks.push(format!("{}\n{}", ph.sources, list.join("\n")));
        }
    }
    let body = blocks.join("\n\n");
    if continuing {
        format!("\n\n{body}")
    } else {
        body
    }
}
