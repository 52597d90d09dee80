//! Pricing tools over the firm's price table: find services, and an itemised quote in IDR with
//! optional conversion at rates from configuration (never invented).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{json, Value};

use crate::kb::prices::{PriceEntry, PriceTable};
use crate::kb::visa_codes::{self, Legacy};
use crate::search::analyze::tokens;

/// At most this many services for a whole category ("visa" lists every visa entry).
const CATEGORY_MAX: usize = 15;
/// At most this many services for a word match.
const WORDS_MAX: usize = 8;

/// Words that name a whole category of the price list, in English, Indonesian and Italian
/// (normalised: "società" → "societa").
const CATEGORY_WORDS: &[(&str, &[&str])] = &[
    ("visa", VISAS),
    ("visas", VISAS),
    ("visto", VISAS),
    ("visti", VISAS),
    ("kitas", &["kitas_permits"]),
    ("kitap", &["kitap_permits"]),
    ("company", COMPANY),
    ("companies", COMPANY),
    ("perusahaan", COMPANY),
    ("societa", COMPANY),
    ("azienda", COMPANY),
    ("pt", COMPANY),
    ("pma", COMPANY),
    ("tax", TAX),
    ("taxes", TAX),
    ("taxation", TAX),
    ("pajak", TAX),
    ("perpajakan", TAX),
    ("tasse", TAX),
    ("tassa", TAX),
];
const VISAS: &[&str] = &["single_entry_visas", "multiple_entry_visas"];
const COMPANY: &[&str] = &["business_legal_services"];
const TAX: &[&str] = &["taxation_services"];

/// Words that say nothing about which service is meant.
const FILLER: &[&str] = &[
    "price", "prices", "cost", "costs", "fee", "fees", "the", "an", "of", "for", "how", "much", "is", "what", "all",
    "service", "services", "list", "harga", "biaya", "berapa", "untuk", "yang", "semua", "layanan", "daftar", "prezzo",
    "prezzi", "costo", "costa", "quanto", "il", "la", "lo", "di", "per", "del", "della", "tutti", "tutte", "servizio",
    "servizi",
];

/// The old visa index named in a query ("B211A", "b211a tourism"), if any.
pub fn legacy_code(query: &str) -> Option<&'static Legacy> {
    visa_codes::legacy(query).or_else(|| tokens(query).iter().find_map(|t| visa_codes::legacy(t)))
}

/// Entries of `pool` that match the most `words` (prefix match on name, category and code), best first.
fn best_matches<'a>(pool: &[&'a PriceEntry], words: &[&str]) -> Vec<&'a PriceEntry> {
    let mut scored: Vec<(usize, &PriceEntry)> = pool
        .iter()
        .map(|s| {
            let hay = tokens(&format!(
                "{} {} {}",
                s.name,
                s.category,
                s.code.clone().unwrap_or_default()
            ));
            let n = words
                .iter()
                .filter(|t| hay.iter().any(|h| h == *t || h.starts_with(*t)))
                .count();
            (n, *s)
        })
        .filter(|(n, _)| *n > 0)
        .collect();
    scored.sort_by_key(|s| std::cmp::Reverse(s.0));
    let best = scored.first().map_or(0, |s| s.0);
    scored
        .into_iter()
        .filter(|(n, _)| *n == best)
        .map(|(_, s)| s)
        .take(WORDS_MAX)
        .collect()
}

/// Services matching a query, in this order of precedence:
/// 1. an exact code ("E33G", "c1", "KITAP");
/// 2. an old visa index ("B211A" → C1 and C2; narrowed by other words: "B211A business" → C2);
/// 3. category words ("visa", "KITAS", "company"/"PT PMA"/"perusahaan", "tax"/"pajak"/"tasse") → the whole
///    category, narrowed by the other words ("remote worker kitas" → E33G, "tourism visa" → C1, D1);
/// 4. other words ("remote worker", "npwp") → the services matching most of them.
pub fn find<'a>(table: &'a PriceTable, query: &str) -> Vec<&'a PriceEntry> {
    let q = query.trim();
    let code = q.to_ascii_uppercase();
    let exact: Vec<&PriceEntry> = table
        .services
        .iter()
        .filter(|s| s.code.as_deref() == Some(code.as_str()))
        .collect();
    if !exact.is_empty() {
        return exact;
    }
    let all: Vec<&PriceEntry> = table.services.iter().collect();
    let legacy = legacy_code(q);
    let mut categories: Vec<&str> = Vec::new();
    let mut category_words: Vec<String> = Vec::new();
    let mut rest: Vec<String> = Vec::new();
    for t in tokens(q) {
        if t.len() < 2 || FILLER.contains(&t.as_str()) || visa_codes::legacy(&t).is_some() {
            continue;
        }
        match CATEGORY_WORDS.iter().find(|(w, _)| *w == t) {
            Some((_, cats)) => {
                categories.extend(cats.iter().copied());
                category_words.push(t);
            }
            None => rest.push(t),
        }
    }
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();

    if let Some(l) = legacy {
        let pool: Vec<&PriceEntry> = all
            .iter()
            .filter(|s| s.code.as_deref().is_some_and(|c| l.current.contains(&c)))
            .copied()
            .collect();
        let narrowed = if rest.is_empty() {
            Vec::new()
        } else {
            best_matches(&pool, &rest)
        };
        return if narrowed.is_empty() { pool } else { narrowed };
    }
    if categories.is_empty() {
        return if rest.is_empty() {
            Vec::new()
        } else {
            best_matches(&all, &rest)
        };
    }
    let mut pool: Vec<&PriceEntry> = all
        .iter()
        .filter(|s| categories.contains(&s.category.as_str()))
        .copied()
        .collect();
    if !rest.is_empty() {
        let within = best_matches(&pool, &rest);
        if !within.is_empty() {
            return within;
        }
        // "remote worker visa": the words name a service outside the category.
        let anywhere = best_matches(&all, &rest);
        if !anywhere.is_empty() {
            return anywhere;
        }
    }
    // The whole category, services named by the category words first ("PT PMA" → PT PMA Company Setup).
    let named = |s: &PriceEntry| {
        let hay = tokens(&s.name);
        category_words.iter().filter(|w| hay.contains(w)).count()
    };
    pool.sort_by_key(|s| std::cmp::Reverse(named(s)));
    pool.truncate(CATEGORY_MAX);
    pool
}

/// The one service a quote line means: [`find`], then, among several, the only one whose name contains
/// every word asked for ("PT PMA" → PT PMA Company Setup rather than every business service).
pub fn find_one<'a>(table: &'a PriceTable, query: &str) -> Result<&'a PriceEntry, String> {
    let found = find(table, query);
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(format!("no service matches {query:?}")),
        many => {
            let words: Vec<String> = tokens(query)
                .into_iter()
                .filter(|t| t.len() > 1 && !FILLER.contains(&t.as_str()))
                .collect();
            let full: Vec<&&PriceEntry> = many
                .iter()
                .filter(|s| {
                    let hay = tokens(&s.name);
                    !words.is_empty() && words.iter().all(|w| hay.iter().any(|h| h.starts_with(w.as_str())))
                })
                .collect();
            match full.as_slice() {
                [one] => Ok(**one),
                _ => {
                    let names: Vec<&str> = many.iter().map(|s| s.name.as_str()).collect();
                    Err(format!("{query:?} is ambiguous: {}", names.join(", ")))
                }
            }
        }
    }
}

/// The `get_pricing` answer for one service, with any reviewed corrections.
pub fn describe(s: &PriceEntry) -> Value {
    json!({
        "code": s.code, "name": s.name, "category": s.category,
        "price_idr": s.price_idr, "price_is_minimum": s.price_is_minimum,
        "extension_idr": s.extension_idr, "duration": s.duration, "extendable": s.extendable, "notes": s.notes,
        "details": s.details.iter().map(|(k, v)| json!({ "label": k, "value": v })).collect::<Vec<_>>(),
        "corrections": s.corrections,
    })
}

/// One readable line per service ("C1 Tourism: IDR 2,300,000; extension IDR 1,700,000; 60 days"),
/// followed by its reviewed corrections.
pub fn summary_line(s: &PriceEntry) -> String {
    let price = match s.price_idr {
        Some(p) if s.price_is_minimum => format!("from {}", idr(p)),
        Some(p) => idr(p),
        None => "price on request".into(),
    };
    let ext = s
        .extension_idr
        .map(|e| format!("; extension {}", idr(e)))
        .unwrap_or_default();
    let dur = s.duration.as_deref().map(|d| format!("; {d}")).unwrap_or_default();
    let mut line = format!("{}: {price}{ext}{dur}", s.name);
    for c in &s.corrections {
        line.push_str("\n  ");
        line.push_str(&c.line());
    }
    line
}

/// The whole `get_pricing` tool over a (corrected) table: a summary a person can read, and the value.
/// An old visa index ("B211A") answers with the current equivalents and a note that the name changed.
pub fn get_pricing(table: &PriceTable, service: &str) -> (String, Value) {
    let found = find(table, service);
    let legacy = legacy_code(service);
    let mut lines: Vec<String> = Vec::new();
    if let Some(l) = legacy {
        lines.push(l.note_en.to_string());
    }
    if found.is_empty() {
        lines.push(match legacy {
            Some(l) if !l.current.is_empty() => format!(
                "The 2025 price list has no price for {}; ask Bali Zero for a quote.",
                l.current.join(" or ")
            ),
            Some(_) => "Ask Bali Zero which visa fits the purpose, then for its price.".to_string(),
            None => format!("No service in the 2025 price list matches \"{service}\"."),
        });
    }
    lines.extend(found.iter().map(|s| summary_line(s)));
    let services: Vec<Value> = found.iter().map(|s| describe(s)).collect();
    let mut value = json!({ "services": services, "last_updated": table.last_updated, "currency": "IDR" });
    if let Some(l) = legacy {
        value["legacy_code"] = json!(l);
    }
    (lines.join("\n"), value)
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuoteLine {
    pub service: String,
    pub code: Option<String>,
    pub description: String,
    pub quantity: u64,
    pub unit_idr: u64,
    pub amount_idr: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quote {
    pub lines: Vec<QuoteLine>,
    pub total_idr: u64,
    /// Lines that could not be priced (no fixed price in the table): quoted on request.
    pub on_request: Vec<String>,
    pub converted: BTreeMap<String, f64>,
    pub minimums: bool,
}

/// One requested item: a service, how many people, how many extensions.
pub struct QuoteItem<'a> {
    pub service: &'a str,
    pub quantity: u64,
    pub extensions: u64,
}

/// Itemises service fees and extensions; `rates` are units of each currency per 1 IDR.
pub fn quote(
    table: &PriceTable,
    items: &[QuoteItem],
    rates: &BTreeMap<String, f64>,
    currencies: &[String],
) -> Result<Quote, String> {
    let mut lines = Vec::new();
    let mut on_request = Vec::new();
    let mut minimums = false;
    for item in items {
        let s = find_one(table, item.service)?;
        match s.price_idr {
            Some(p) => {
                minimums |= s.price_is_minimum;
                lines.push(QuoteLine {
                    service: s.name.clone(),
                    code: s.code.clone(),
                    description: "service fee".into(),
                    quantity: item.quantity,
                    unit_idr: p,
                    amount_idr: p.saturating_mul(item.quantity),
                });
            }
            None => on_request.push(s.name.clone()),
        }
        if item.extensions > 0 {
            match s.extension_idr {
                Some(e) => lines.push(QuoteLine {
                    service: s.name.clone(),
                    code: s.code.clone(),
                    description: "extension".into(),
                    quantity: item.quantity * item.extensions,
                    unit_idr: e,
                    amount_idr: e.saturating_mul(item.quantity * item.extensions),
                }),
                None => {
                    return Err(format!(
                        "{} has no priced extension (extendable: {:?})",
                        s.name, s.extendable
                    ))
                }
            }
        }
    }
    let total_idr = lines.iter().map(|l| l.amount_idr).fold(0u64, u64::saturating_add);
    let mut converted = BTreeMap::new();
    for c in currencies {
        let rate = rates
            .get(c)
            .ok_or_else(|| format!("no exchange rate configured for {c}"))?;
        converted.insert(c.clone(), (total_idr as f64 * rate * 100.0).round() / 100.0);
    }
    Ok(Quote {
        lines,
        total_idr,
        on_request,
        converted,
        minimums,
    })
}

/// "IDR 2,300,000"
pub fn idr(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("IDR {out}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> PriceTable {
        // The real price list, from the read-only data folder beside the repository.
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/data/kb-sources/bali-zero-prices-2025.json"
        );
        let raw = std::fs::read_to_string(path).expect("../shared/data is beside the repository");
        crate::kb::corrections::corrected_table(&raw).unwrap().0
    }

    fn codes(found: &[&PriceEntry]) -> Vec<String> {
        found
            .iter()
            .map(|s| s.code.clone().unwrap_or_else(|| s.name.clone()))
            .collect()
    }

    #[test]
    fn visa_words_list_every_visa_entry() {
        let t = table();
        let visas: Vec<&PriceEntry> = t
            .services
            .iter()
            .filter(|s| s.category.ends_with("_entry_visas"))
            .collect();
        assert_eq!(visas.len(), 10, "7 single-entry + 3 multiple-entry in the 2025 list");
        for q in [
            "visa",
            "visas",
            "Visto",
            "visti",
            "price of a visa",
            "harga visa",
            "prezzo visti",
        ] {
            assert_eq!(find(&t, q), visas, "{q}");
        }
        assert_eq!(codes(&find(&t, "tourism visa")), ["C1", "D1"]);
        assert_eq!(codes(&find(&t, "business visa")), ["C2", "D2", "D12"]);
        assert_eq!(codes(&find(&t, "multiple entry visa")), ["D1", "D2", "D12"]);
        assert_eq!(
            codes(&find(&t, "remote worker visa"))[0],
            "E33G",
            "words naming a service outside the category still find it"
        );
    }

    #[test]
    fn kitas_and_kitap_words_list_their_categories() {
        let t = table();
        let kitas = find(&t, "KITAS");
        assert_eq!(kitas.len(), 7);
        assert!(kitas.iter().all(|s| s.category == "kitas_permits"));
        assert_eq!(find(&t, "kitas price"), kitas);
        let kitap = find(&t, "KITAP");
        assert_eq!(kitap.len(), 4);
        assert!(kitap.iter().all(|s| s.category == "kitap_permits"));
        assert_eq!(find(&t, "kitap cost"), kitap);
        assert_eq!(codes(&find(&t, "remote worker kitas")), ["E33G"]);
        assert_eq!(codes(&find(&t, "retirement kitas")), ["E33F"]);
        assert_eq!(codes(&find(&t, "E33G")), ["E33G"], "exact codes first");
        assert_eq!(codes(&find(&t, "e33g kitas")), ["E33G"]);
    }

    #[test]
    fn company_and_tax_words_list_their_categories() {
        let t = table();
        for q in [
            "company",
            "companies",
            "PT PMA",
            "società",
            "perusahaan",
            "Perusahaan PT PMA",
        ] {
            let found = find(&t, q);
            assert_eq!(found.len(), 5, "{q}");
            assert!(found.iter().all(|s| s.category == "business_legal_services"), "{q}");
        }
        assert_eq!(
            find(&t, "PT PMA")[0].name,
            "PT PMA Company Setup",
            "the service named by the words comes first"
        );
        assert_eq!(
            find(&t, "PT PMA setup")
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>(),
            ["PT PMA Company Setup"]
        );
        assert_eq!(find(&t, "company setup")[0].name, "PT PMA Company Setup");
        for q in ["tax", "taxes", "pajak", "tasse", "biaya pajak"] {
            let found = find(&t, q);
            assert_eq!(found.len(), 9, "{q}");
            assert!(found.iter().all(|s| s.category == "taxation_services"), "{q}");
        }
        assert_eq!(
            find(&t, "annual tax report")
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>(),
            ["Annual Tax Report (Operational)", "Annual Tax Report (Zero)"]
        );
    }

    #[test]
    fn old_visa_codes_find_their_current_equivalents() {
        let t = table();
        assert_eq!(codes(&find(&t, "B211A")), ["C1", "C2"]);
        assert_eq!(codes(&find(&t, "b211a")), ["C1", "C2"]);
        assert_eq!(codes(&find(&t, "B211A visa")), ["C1", "C2"]);
        assert_eq!(codes(&find(&t, "B211A business")), ["C2"]);
        assert_eq!(codes(&find(&t, "D212")), ["D2"]);
        assert_eq!(codes(&find(&t, "C312")), ["E23", "E23"], "working and freelance E23");
        assert_eq!(codes(&find(&t, "C314")), ["E28A"]);
        assert_eq!(codes(&find(&t, "C317")), ["E31A", "E31B"]);
        assert_eq!(codes(&find(&t, "C319")), ["E33F"]);
        assert!(find(&t, "B213").is_empty(), "the VoA (B1) is not in the price list");

        let (summary, value) = get_pricing(&t, "B211A");
        assert!(
            summary.starts_with("B211A is the old name; since 2023 it is C1"),
            "{summary}"
        );
        assert!(summary.contains("C1 Tourism: IDR 2,300,000") && summary.contains("C2 Business: IDR 3,600,000"));
        assert_eq!(value["legacy_code"]["current"], json!(["C1", "C2"]));
        assert!(value["legacy_code"]["note_it"]
            .as_str()
            .unwrap()
            .contains("vecchio nome"));
        assert_eq!(value["services"].as_array().unwrap().len(), 2);

        let (summary, value) = get_pricing(&t, "VoA");
        assert!(
            summary.contains("index B1") && summary.contains("no price for B1"),
            "{summary}"
        );
        assert_eq!(value["services"], json!([]));
        let (summary, _) = get_pricing(&t, "B211B");
        assert!(summary.contains("consultant"), "{summary}");
    }

    #[test]
    fn get_pricing_shows_reviewed_corrections() {
        let t = table();
        let (summary, value) = get_pricing(&t, "PT PMA setup");
        assert!(
            summary.starts_with("PT PMA Company Setup: from IDR 20,000,000"),
            "{summary}"
        );
        assert!(
            summary.contains("\n  Correction (reviewed 2026-12-01; BKPM Regulation No. 5/2025"),
            "{summary}"
        );
        assert!(summary.contains("IDR 2.5 billion"));
        let c = &value["services"][0]["corrections"][0];
        assert_eq!(c["id"], "pt-pma-paid-up-capital");
        assert_eq!(c["field"], "Requirements");
        assert_eq!(c["effective_date"], "2025-10-02");
        let details = value["services"][0]["details"].as_array().unwrap();
        let i = details.iter().position(|d| d["label"] == "Requirements").unwrap();
        assert!(details[i + 1]["label"]
            .as_str()
            .unwrap()
            .starts_with("Correction (reviewed"));

        let (summary, _) = get_pricing(&t, "E28A");
        assert!(summary.contains("Correction (reviewed 2026-12-01;") && summary.contains("IDR 2.5 billion"));
        let (summary, value) = get_pricing(&t, "C1");
        assert_eq!(summary, "C1 Tourism: IDR 2,300,000; extension IDR 1,700,000; 60 days");
        assert_eq!(value["services"][0]["corrections"], json!([]));
        let (summary, _) = get_pricing(&t, "zzzz");
        assert_eq!(summary, "No service in the 2025 price list matches \"zzzz\".");
    }

    #[test]
    fn a_quote_picks_the_one_service_named() {
        let t = table();
        assert_eq!(find_one(&t, "PT PMA").unwrap().name, "PT PMA Company Setup");
        assert_eq!(
            find_one(&t, "remote worker kitas").unwrap().code.as_deref(),
            Some("E33G")
        );
        assert!(find_one(&t, "kitas").unwrap_err().contains("ambiguous"));
        assert!(find_one(&t, "B211A").unwrap_err().contains("ambiguous"));
        assert_eq!(find_one(&t, "D212").unwrap().code.as_deref(), Some("D2"));
    }

    #[test]
    fn finds_by_code_and_by_words() {
        let t = table();
        assert_eq!(find(&t, "c1")[0].name, "C1 Tourism");
        assert_eq!(find(&t, "E33G")[0].code.as_deref(), Some("E33G"));
        assert!(find(&t, "remote worker")
            .iter()
            .any(|s| s.code.as_deref() == Some("E33G")));
        assert!(find(&t, "zzzz").is_empty());
    }

    #[test]
    fn a_quote_itemises_fees_and_extensions_and_converts_at_configured_rates() {
        let t = table();
        let rates = BTreeMap::from([("EUR".to_string(), 0.000056)]);
        let q = quote(
            &t,
            &[QuoteItem {
                service: "C1",
                quantity: 2,
                extensions: 1,
            }],
            &rates,
            &["EUR".into()],
        )
        .unwrap();
        assert_eq!(q.lines.len(), 2);
        assert_eq!(q.lines[0].amount_idr, 4_600_000);
        assert_eq!(q.lines[1].amount_idr, 3_400_000);
        assert_eq!(q.total_idr, 8_000_000);
        assert_eq!(q.converted["EUR"], 448.0);
        assert!(quote(
            &t,
            &[QuoteItem {
                service: "C1",
                quantity: 1,
                extensions: 0
            }],
            &rates,
            &["USD".into()]
        )
        .unwrap_err()
        .contains("USD"));
        assert!(
            quote(
                &t,
                &[QuoteItem {
                    service: "C7",
                    quantity: 1,
                    extensions: 1
                }],
                &rates,
                &[]
            )
            .is_err(),
            "C7 is not extendable"
        );
        assert!(quote(
            &t,
            &[QuoteItem {
                service: "nothing like it",
                quantity: 1,
                extensions: 0
            }],
            &rates,
            &[]
        )
        .is_err());
    }

    #[test]
    fn idr_formatting() {
        assert_eq!(idr(2_300_000), "IDR 2,300,000");
        assert_eq!(idr(0), "IDR 0");
        assert_eq!(idr(999), "IDR 999");
    }
}
