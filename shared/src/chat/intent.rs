//! Tools a question plainly asks for. Models with tool use decide for themselves; the offline provider
//! cannot, so these calls are run before it answers ("how much is a C1 visa" → get_pricing C1).

use serde_json::{json, Value};

use crate::search::analyze::{is_code, tokens};

const PRICE_WORDS: &[&str] = &[
    "price",
    "prices",
    "cost",
    "costs",
    "fee",
    "fees",
    "much",
    "harga",
    "biaya",
    "berapa",
    "tarif",
    "prezzo",
    "prezzi",
    "costo",
    "costa",
    "quanto",
    "quote",
    "preventivo",
];
const EXTEND_WORDS: &[&str] = &[
    "extend",
    "extension",
    "extended",
    "perpanjang",
    "perpanjangan",
    "proroga",
    "prorogare",
    "rinnovo",
];

/// Phrases that start an explicit "remember this" request, per language (lowercase).
const REMEMBER: &[&str] = &[
    "remember that",
    "remember:",
    "please remember",
    "ingat bahwa",
    "ingat:",
    "tolong ingat",
    "ricorda che",
    "ricordati che",
    "ricorda:",
];

/// (tool name, arguments) calls implied by the question.
pub fn implied_tools(query: &str) -> Vec<(&'static str, Value)> {
    let lower = query.to_lowercase();
    let words = tokens(query);
    let mut calls = Vec::new();
    if let Some(fact) = REMEMBER.iter().find_map(|p| {
        lower
            .find(p)
            .map(|i| query[i + p.len()..].trim().trim_end_matches(['.', '!']))
    }) {
        if fact.chars().count() >= 3 {
            calls.push(("save_memory", json!({ "fact": fact })));
        }
    }
    let codes: Vec<String> = words
        .iter()
        .filter(|w| is_code(w) && w.len() < 5)
        .map(|w| w.to_ascii_uppercase())
        .chain(words.iter().filter(|w| *w == "kitap").map(|_| "KITAP".to_string()))
        .collect();
    let asks_price = words.iter().any(|w| PRICE_WORDS.contains(&w.as_str()));
    if asks_price {
        let extensions = u64::from(words.iter().any(|w| EXTEND_WORDS.contains(&w.as_str())));
        if codes.is_empty() {
            let service = service_words(&words);
            if !service.is_empty() {
                calls.push(("get_pricing", json!({ "service": service })));
            }
        }
        for code in codes.iter().take(3) {
            calls.push(("get_pricing", json!({ "service": code })));
            if extensions > 0 {
                calls.push((
                    "calculate_quote",
                    json!({ "items": [{ "service": code, "quantity": 1, "extensions": 1 }] }),
                ));
            }
        }
    }
    let kbli_code = words
        .iter()
        .find(|w| w.len() == 5 && w.bytes().all(|b| b.is_ascii_digit()));
    if words.iter().any(|w| w == "kbli") || kbli_code.is_some() {
        let q = match kbli_code {
            Some(code) => code.clone(),
            None => words
                .iter()
                .filter(|w| *w != "kbli" && !PRICE_WORDS.contains(&w.as_str()) && w.len() > 2)
                .cloned()
                .collect::<Vec<_>>()
                .join(" "),
        };
        if !q.is_empty() {
            calls.push(("kbli_lookup", json!({ "query": q, "limit": 3 })));
        }
    }
    calls
}

/// The service words of a pricing question ("how much is a remote worker kitas" → "remote worker kitas").
fn service_words(words: &[String]) -> String {
    const KNOWN: &[&str] = &[
        "kitas",
        "kitap",
        "visa",
        "pma",
        "company",
        "tax",
        "npwp",
        "remote",
        "worker",
        "retirement",
        "investor",
        "spouse",
        "family",
        "business",
        "tourism",
        "tourist",
        "working",
        "setup",
        "pt",
        "bpjs",
        "lkpm",
        "accounting",
    ];
    words
        .iter()
        .filter(|w| KNOWN.contains(&w.as_str()))
        .cloned()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(q: &str) -> Vec<(&'static str, Value)> {
        implied_tools(q)
    }

    #[test]
    fn pricing_questions_in_three_languages() {
        let en = names("How much is a C1 tourism visa and can I extend it?");
        assert_eq!(en[0], ("get_pricing", json!({ "service": "C1" })));
        assert_eq!(en[1].0, "calculate_quote");
        assert_eq!(
            names("Berapa harga KITAS E33G?")[0],
            ("get_pricing", json!({ "service": "E33G" }))
        );
        assert_eq!(
            names("Quanto costa il KITAP?")[0],
            ("get_pricing", json!({ "service": "KITAP" }))
        );
        assert_eq!(
            names("What does a remote worker KITAS cost?")[0],
            ("get_pricing", json!({ "service": "remote worker kitas" }))
        );
        assert!(
            names("What is a C1 visa?").is_empty(),
            "no price words, no pricing tool"
        );
    }

    #[test]
    fn kbli_and_memory() {
        assert_eq!(
            names("KBLI untuk restoran")[0],
            ("kbli_lookup", json!({ "query": "untuk restoran", "limit": 3 }))
        );
        assert_eq!(
            names("what is 56101?")[0],
            ("kbli_lookup", json!({ "query": "56101", "limit": 3 }))
        );
        assert_eq!(
            names("Remember that my KITAS expires in March.")[0],
            ("save_memory", json!({ "fact": "my KITAS expires in March" }))
        );
        assert_eq!(names("Ricorda che sono italiano")[0].0, "save_memory");
    }
}
