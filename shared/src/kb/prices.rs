//! The firm's price list (`bali-zero-prices-2025.json`): a structured [`PriceTable`] for the pricing tool,
//! and readable chunks for search. The file has free-form keys and amounts written as text
//! ("2.300.000 IDR", "Starting from 7.000.000 IDR", "Contact for quote"), so parsing is lenient and total:
//! anything unexpected becomes `None` or plain text, never a panic.

use serde::Serialize;

use super::chunk::Draft;
use super::ordered_json::Node;
use super::SourceError;

pub const DOC_ID: &str = "bali-zero-prices-2025";
pub const TITLE: &str = "Bali Zero Official Prices 2025";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PriceOption {
    pub label: String,
    pub idr: Option<u64>,
    pub raw: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PriceEntry {
    /// Category key as in the file ("kitas_permits").
    pub category: String,
    /// Service code where the name carries one ("C1", "E33G", "KITAP").
    pub code: Option<String>,
    pub name: String,
    /// The headline price: `price`, else the offshore / 1-year / 60-day / total variant.
    pub price_idr: Option<u64>,
    /// "Starting from …" or "… minimum": the price is a floor, not a quote.
    pub price_is_minimum: bool,
    pub extension_idr: Option<u64>,
    pub duration: Option<String>,
    pub extendable: Option<bool>,
    pub notes: Option<String>,
    /// Every amount-bearing field (offshore/onshore, 1y/2y…), parsed where possible.
    pub options: Vec<PriceOption>,
    /// Every field as (label, text), in file order, for display. Reviewed corrections
    /// ([`super::corrections`]) are inserted right after the field they correct.
    pub details: Vec<(String, String)>,
    /// Reviewed corrections applied to this entry (empty for the raw list).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub corrections: Vec<AppliedCorrection>,
}

/// Prefix of every correction line, in details and in note groups (see `super::corrections`).
pub const MARK: &str = "Correction (";

/// A correction as applied to one price entry: everything a reader (or a tool answer) needs to cite it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppliedCorrection {
    pub id: String,
    /// The label of the field it corrects ("Requirements"); `None` when it concerns the whole entry.
    pub field: Option<String>,
    pub corrected: String,
    pub authority: String,
    pub effective_date: String,
    pub reviewed: String,
}

impl AppliedCorrection {
    /// "Correction (reviewed 2026-12-01; BKPM Regulation No. 5/2025, Art. 26)"
    pub fn label(&self) -> String {
        correction_label(&self.reviewed, &self.authority)
    }

    /// The label and the corrected statement, as one readable line.
    pub fn line(&self) -> String {
        format!("{}: {}", self.label(), self.corrected)
    }
}

pub(crate) fn correction_label(reviewed: &str, authority: &str) -> String {
    format!("{MARK}reviewed {reviewed}; {authority})")
}

/// Non-price text of the file (disclaimers and contact, warnings, tips), one group per top-level key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PriceNote {
    pub title: String,
    pub lines: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PriceTable {
    pub last_updated: Option<String>,
    pub services: Vec<PriceEntry>,
    pub notes: Vec<PriceNote>,
}

/// Parses an IDR amount written as text. One amount → `Some`; none, several (a range or a breakdown),
/// "contact"/"variable" wording, or overflow → `None`.
pub fn parse_idr(s: &str) -> Option<u64> {
    let lower = s.to_lowercase();
    if ["contact", "quote", "variable", "varies", "free of charge"]
        .iter()
        .any(|w| lower.contains(w))
    {
        return None;
    }
    if !lower.contains("idr") && !lower.contains("rp") {
        return None;
    }
    let mut amounts: Vec<u64> = Vec::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() || (i > 0 && chars[i - 1].is_alphanumeric()) {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && (chars[i].is_ascii_digit() || matches!(chars[i], '.' | ',')) {
            i += 1;
        }
        let token: String = chars[start..i]
            .iter()
            .collect::<String>()
            .trim_end_matches(['.', ','])
            .to_string();
        let rest: String = chars[i..].iter().collect::<String>().trim_start().to_lowercase();
        let grouped = is_thousands(&token);
        let followed_by_currency = rest.starts_with("idr") || rest.starts_with("rp");
        if grouped || (followed_by_currency && token.chars().all(|c| c.is_ascii_digit())) {
            amounts.push(digits_value(&token)?);
        }
    }
    amounts.dedup();
    match amounts.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

/// "2.300.000" or "2,300,000": 1–3 digits then groups of exactly three.
fn is_thousands(t: &str) -> bool {
    let sep = if t.contains('.') { '.' } else { ',' };
    let parts: Vec<&str> = t.split(sep).collect();
    parts.len() >= 2
        && !t.contains(if sep == '.' { ',' } else { '.' })
        && (1..=3).contains(&parts[0].len())
        && parts[1..].iter().all(|p| p.len() == 3)
        && parts.iter().all(|p| p.chars().all(|c| c.is_ascii_digit()))
}

fn digits_value(t: &str) -> Option<u64> {
    t.chars().filter(char::is_ascii_digit).try_fold(0u64, |acc, c| {
        acc.checked_mul(10)?.checked_add(u64::from(c as u8 - b'0'))
    })
}

/// "Remote Worker KITAS (E33G)" → "E33G"; "Investor KITAP" → "KITAP"; "C7 A&B Music" → "C7".
pub fn service_code(name: &str) -> Option<String> {
    let tokens: Vec<&str> = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    let visa = tokens.iter().find(|t| {
        let b = t.as_bytes();
        let digits = b.iter().skip(1).take_while(|c| c.is_ascii_digit()).count();
        matches!(b.first(), Some(b'C' | b'D' | b'E'))
            && (1..=2).contains(&digits)
            && b.len() - 1 - digits <= 1
            && b.get(1 + digits).is_none_or(u8::is_ascii_uppercase)
    });
    visa.map(|t| t.to_string())
        .or_else(|| tokens.iter().find(|t| **t == "KITAP").map(|t| t.to_string()))
}

/// The display label of a field key ("price_1y" → "Price (1 year)", "deadlines" → "Deadlines").
pub(crate) fn label(key: &str) -> String {
    let known = match key {
        "price" => "Price",
        "price_60d" => "Price (60 days)",
        "price_180d" => "Price (180 days)",
        "price_1y" => "Price (1 year)",
        "price_2y" => "Price (2 years)",
        "price_1y_off" => "Price 1 year (offshore)",
        "price_2y_off" => "Price 2 years (offshore)",
        "price_1y_on" => "Price 1 year (onshore)",
        "price_2y_on" => "Price 2 years (onshore)",
        "offshore" => "Offshore (applied from abroad)",
        "onshore" => "Onshore (applied in Indonesia)",
        "bali_zero_margin" => "Fee breakdown",
        "stay_per_entry" => "Stay per entry",
        "monthly_premium" => "Monthly premium",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_string();
    }
    let words = key.replace('_', " ");
    let mut c = words.chars();
    c.next()
        .map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
}

pub fn category_label(key: &str) -> String {
    match key {
        "single_entry_visas" => "Single-entry visas".into(),
        "multiple_entry_visas" => "Multiple-entry visas".into(),
        "kitas_permits" => "KITAS permits".into(),
        "kitap_permits" => "KITAP permits".into(),
        "business_legal_services" => "Business and legal services".into(),
        "taxation_services" => "Taxation services".into(),
        "quick_quotes" => "Package quotes".into(),
        other => label(other),
    }
}

fn is_amount_key(k: &str) -> bool {
    k.starts_with("price") || matches!(k, "offshore" | "onshore" | "total" | "extension" | "monthly_premium")
}

fn entry(category: &str, name: &str, node: &Node) -> PriceEntry {
    let fields: Vec<(String, &Node)> = match node.as_obj() {
        Some(o) => o.iter().map(|(k, v)| (k.clone(), v)).collect(),
        None => vec![("price".to_string(), node)],
    };
    let text = |k: &str| fields.iter().find(|(key, _)| key == k).map(|(_, v)| v.flat_text());
    let headline = ["price", "offshore", "price_1y", "price_60d", "price_1y_off", "total"]
        .iter()
        .find_map(|k| text(k));
    let extension = text("extension");
    let extendable = text("extendable")
        .map(|e| !e.trim().eq_ignore_ascii_case("no") && !e.to_lowercase().starts_with("not"))
        .or_else(|| extension.as_ref().map(|e| !e.to_lowercase().contains("not extendable")))
        .or_else(|| {
            text("validity").and_then(|v| {
                let v = v.to_lowercase();
                if v.contains("not renewable") {
                    Some(false)
                } else {
                    v.contains("renewable").then_some(true)
                }
            })
        });
    PriceEntry {
        category: category.to_string(),
        code: service_code(name),
        name: name.to_string(),
        price_idr: headline.as_deref().and_then(parse_idr),
        price_is_minimum: headline.as_deref().is_some_and(|h| {
            let h = h.to_lowercase();
            h.contains("starting from") || h.contains("minimum") || h.starts_with("from ")
        }),
        extension_idr: extension.as_deref().and_then(parse_idr),
        duration: text("duration").or_else(|| text("validity")),
        extendable,
        notes: text("notes"),
        options: fields
            .iter()
            .filter(|(k, _)| is_amount_key(k))
            .map(|(k, v)| {
                let raw = v.flat_text();
                PriceOption {
                    label: label(k),
                    idr: parse_idr(&raw),
                    raw,
                }
            })
            .collect(),
        details: fields.iter().map(|(k, v)| (label(k), v.flat_text())).collect(),
        corrections: Vec::new(),
    }
}

impl PriceTable {
    pub fn parse(json: &str) -> Result<PriceTable, SourceError> {
        let root: Node = serde_json::from_str(json)?;
        let Some(top) = root.as_obj() else {
            return Err(SourceError::at(1, "the price list must be a JSON object"));
        };
        let mut services = Vec::new();
        if let Some(cats) = root.get("services").and_then(Node::as_obj) {
            for (category, items) in cats {
                for (name, node) in items.as_obj().unwrap_or_default() {
                    services.push(entry(category, name, node));
                }
            }
        }
        let mut contact = PriceNote {
            title: "Disclaimers and contact".into(),
            lines: Vec::new(),
        };
        let mut notes = Vec::new();
        for (k, v) in top {
            match (k.as_str(), v) {
                ("services", _) => {}
                (_, Node::Obj(o)) if matches!(k.as_str(), "disclaimer" | "contact_info") => {
                    contact.lines.extend(
                        o.iter()
                            .map(|(sk, sv)| format!("{} ({}): {}", label(k), sk, sv.flat_text())),
                    );
                }
                (_, Node::Obj(o)) => notes.push(PriceNote {
                    title: label(k),
                    lines: o
                        .iter()
                        .map(|(sk, sv)| format!("{}: {}", label(sk), sv.flat_text()))
                        .collect(),
                }),
                _ => contact.lines.push(format!("{}: {}", label(k), v.flat_text())),
            }
        }
        notes.insert(0, contact);
        let last_updated = root.get("last_updated").and_then(Node::as_str).map(str::to_string);
        Ok(PriceTable {
            last_updated,
            services,
            notes,
        })
    }

    /// One chunk per service (section = its name) and one per note group, plus one per corrected note line.
    pub fn drafts(&self) -> Vec<Draft> {
        let mut out = Vec::new();
        for s in &self.services {
            let mut lines = vec![
                format!("Bali Zero price list 2025 — {}", category_label(&s.category)),
                s.name.clone(),
            ];
            lines.extend(s.details.iter().map(|(k, v)| format!("{k}: {v}")));
            let mut keywords: Vec<String> = s.code.iter().cloned().collect();
            keywords.extend(["price", "harga", "biaya", "prezzo", "IDR"].map(String::from));
            keywords.push(s.category.clone());
            if !s.corrections.is_empty() {
                keywords.extend(["correction", "koreksi", "correzione"].map(String::from));
            }
            out.push(Draft {
                section: s.name.clone(),
                page: None,
                text: lines.join("\n"),
                keywords: keywords.join(" "),
            });
        }
        for n in &self.notes {
            // A line with reviewed corrections becomes its own chunk ("Important warnings › Overstay"), so
            // a question about it finds the original and the correction together, and the group stays short.
            let mut plain: Vec<&str> = Vec::new();
            let mut i = 0;
            while i < n.lines.len() {
                let line = n.lines[i].as_str();
                let mut end = i + 1;
                while end < n.lines.len() && n.lines[end].starts_with(MARK) {
                    end += 1;
                }
                if end == i + 1 {
                    plain.push(line);
                } else {
                    let topic = line.split_once(": ").map_or(line, |(k, _)| k);
                    out.push(Draft {
                        section: format!("{} › {topic}", n.title),
                        page: None,
                        text: format!(
                            "Bali Zero price list 2025 — {}\n{}",
                            n.title,
                            n.lines[i..end].join("\n")
                        ),
                        keywords: "Bali Zero correction koreksi correzione".into(),
                    });
                }
                i = end;
            }
            if !plain.is_empty() {
                out.push(Draft {
                    section: n.title.clone(),
                    page: None,
                    text: format!("Bali Zero price list 2025 — {}\n{}", n.title, plain.join("\n")),
                    keywords: "Bali Zero contact".into(),
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts() {
        assert_eq!(parse_idr("2.300.000 IDR"), Some(2_300_000));
        assert_eq!(parse_idr("Starting from 20.000.000 IDR"), Some(20_000_000));
        assert_eq!(parse_idr("~14.500.000 IDR"), Some(14_500_000));
        assert_eq!(parse_idr("1.500.000 IDR per company (min 2 people)"), Some(1_500_000));
        assert_eq!(parse_idr("Rp 2,500,000"), Some(2_500_000));
        assert_eq!(parse_idr("500000 IDR"), Some(500_000));
        assert_eq!(parse_idr("Contact for quote"), None);
        assert_eq!(parse_idr("1.000.000 - 2.000.000 IDR"), None);
        assert_eq!(
            parse_idr("Government fees: 18.000.000 IDR, Service fee: 8.000.000 IDR"),
            None
        );
        assert_eq!(parse_idr("Not extendable"), None);
        assert_eq!(parse_idr("Varies by salary"), None);
        assert_eq!(
            parse_idr("99.999.999.999.999.999.999.999 IDR"),
            None,
            "overflow is None, not a panic"
        );
        assert_eq!(parse_idr(""), None);
        assert_eq!(parse_idr("IDR"), None);
    }

    #[test]
    fn codes() {
        assert_eq!(service_code("C1 Tourism").as_deref(), Some("C1"));
        assert_eq!(service_code("Remote Worker KITAS (E33G)").as_deref(), Some("E33G"));
        assert_eq!(service_code("Dependent KITAS (E31B/E)").as_deref(), Some("E31B"));
        assert_eq!(service_code("C22A Academy Internship").as_deref(), Some("C22A"));
        assert_eq!(service_code("Investor KITAP").as_deref(), Some("KITAP"));
        assert_eq!(service_code("PT PMA Company Setup"), None);
        assert_eq!(service_code("D12 Business Investigation").as_deref(), Some("D12"));
    }

    const SAMPLE: &str = r#"{"official_notice":"🔒 PREZZI UFFICIALI","last_updated":"2025-01-01",
      "disclaimer":{"en":"Contact directly for quotes."},"contact_info":{"email":"info@example.com"},
      "services":{"single_entry_visas":{"C1 Tourism":{"price":"2.300.000 IDR","extension":"1.700.000 IDR",
      "duration":"60 days","extendable":"2x60 days","notes":"Single entry"},
      "C7 Professional":{"price":"5.000.000 IDR","extension":"Not extendable","extendable":"No"}},
      "kitas_permits":{"Remote Worker KITAS (E33G)":{"offshore":"12.500.000 IDR","onshore":"14.000.000 IDR",
      "validity":"1 year (renewable)"}},"kitap_permits":{"Investor KITAP":{"price":"Contact for quote"}},
      "odd":{"Weird":42,"List":["a"]}},"important_warnings":{"overstay":"⚠️ Overstay = ban"}}"#;

    #[test]
    fn table() {
        let t = PriceTable::parse(SAMPLE).unwrap();
        assert_eq!(t.last_updated.as_deref(), Some("2025-01-01"));
        let c1 = &t.services[0];
        assert_eq!(
            (c1.code.as_deref(), c1.price_idr, c1.extension_idr),
            (Some("C1"), Some(2_300_000), Some(1_700_000))
        );
        assert_eq!(c1.duration.as_deref(), Some("60 days"));
        assert_eq!(c1.extendable, Some(true));
        assert_eq!(t.services[1].extendable, Some(false));
        let e33g = &t.services[2];
        assert_eq!(
            (e33g.code.as_deref(), e33g.price_idr, e33g.extendable),
            (Some("E33G"), Some(12_500_000), Some(true))
        );
        assert_eq!(e33g.options.len(), 2);
        assert_eq!(t.services[3].price_idr, None);
        assert_eq!(t.services[4].name, "Weird");
        assert_eq!(t.services[4].price_idr, None);
        assert_eq!(t.notes[0].title, "Disclaimers and contact");
        assert!(t.notes[0].lines.iter().any(|l| l.contains("info@example.com")));
        assert_eq!(t.notes[1].title, "Important warnings");

        let d = t.drafts();
        assert_eq!(d.len(), t.services.len() + t.notes.len());
        assert_eq!(d[2].section, "Remote Worker KITAS (E33G)");
        assert!(
            d[2].text.contains("KITAS permits") && d[2].text.contains("Offshore (applied from abroad): 12.500.000 IDR")
        );
        assert!(d[2].keywords.starts_with("E33G "));
    }

    #[test]
    fn never_panics_on_odd_input() {
        for src in [
            "[]",
            "null",
            "{}",
            r#"{"services": 3}"#,
            r#"{"services": {"x": "y"}}"#,
            "{",
            "\"s\"",
        ] {
            let _ = PriceTable::parse(src);
        }
        assert!(PriceTable::parse("{}").unwrap().services.is_empty());
        assert!(PriceTable::parse("[1]").is_err());
    }
}
