//! Pricing tools over the firm's price table: find services, and an itemised quote in IDR with
//! optional conversion at rates from configuration (never invented).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{json, Value};

use crate::kb::prices::{PriceEntry, PriceTable};
use crate::search::analyze::tokens;

/// Services matching a code (exact, e.g. "E33G") or words ("remote worker", "tourism visa").
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
    let terms: Vec<String> = tokens(q)
        .into_iter()
        .filter(|t| t.len() > 1 && !["visa", "price", "cost", "the"].contains(&t.as_str()))
        .collect();
    let mut scored: Vec<(usize, &PriceEntry)> = table
        .services
        .iter()
        .map(|s| {
            let hay = tokens(&format!(
                "{} {} {}",
                s.name,
                s.category,
                s.code.clone().unwrap_or_default()
            ));
            (
                terms
                    .iter()
                    .filter(|t| hay.iter().any(|h| h == *t || h.starts_with(t.as_str())))
                    .count(),
                s,
            )
        })
        .filter(|(n, _)| *n > 0)
        .collect();
    scored.sort_by_key(|s| std::cmp::Reverse(s.0));
    let best = scored.first().map(|s| s.0).unwrap_or(0);
    scored
        .into_iter()
        .filter(|(n, _)| *n == best)
        .map(|(_, s)| s)
        .take(8)
        .collect()
}

/// The `get_pricing` answer for one service.
pub fn describe(s: &PriceEntry) -> Value {
    json!({
        "code": s.code, "name": s.name, "category": s.category,
        "price_idr": s.price_idr, "price_is_minimum": s.price_is_minimum,
        "extension_idr": s.extension_idr, "duration": s.duration, "extendable": s.extendable, "notes": s.notes,
        "details": s.details.iter().map(|(k, v)| json!({ "label": k, "value": v })).collect::<Vec<_>>(),
    })
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
        let found = find(table, item.service);
        let s = match found.as_slice() {
            [one] => *one,
            [] => return Err(format!("no service matches {:?}", item.service)),
            many => {
                let names: Vec<&str> = many.iter().map(|s| s.name.as_str()).collect();
                return Err(format!("{:?} is ambiguous: {}", item.service, names.join(", ")));
            }
        };
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
        PriceTable::parse(&std::fs::read_to_string(path).expect("../shared/data is beside the repository")).unwrap()
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
