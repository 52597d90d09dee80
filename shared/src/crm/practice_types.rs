//! Practice types (the kinds of work the firm sells) derived from the price list
//! (`bali-zero-prices-2025.json`, parsed by [`crate::kb::prices::PriceTable`]).
//!
//! Visas, KITAS, KITAP, business/legal and tax services become practice types with a default fee (the
//! list's headline price), a typical processing time (`duration_days`, the upper end of "timeline") and
//! the permit's validity (`validity_days`, from "duration"/"validity": used to default a permit's expiry
//! on approval). Package quotes are bundles of other services and are left out.
//!
//! The rows are seeded by `migrations/0002_crm.sql`; a test regenerates them from the price list and
//! fails when the migration is out of step (`UPDATE_PRACTICE_TYPES=1 cargo test -p nuzantara-shared
//! practice_types` rewrites the block).

use serde::Serialize;

use crate::kb::prices::{service_code, PriceTable};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PracticeType {
    pub code: String,
    pub name: String,
    /// visa | kitas | kitap | business | tax
    pub category: &'static str,
    pub default_fee_idr: Option<i64>,
    pub duration_days: Option<i64>,
    pub validity_days: Option<i64>,
    pub description: Option<String>,
}

/// The practice category of a price-list category, or `None` to leave it out.
pub fn category(price_category: &str) -> Option<&'static str> {
    Some(match price_category {
        "single_entry_visas" | "multiple_entry_visas" => "visa",
        "kitas_permits" => "kitas",
        "kitap_permits" => "kitap",
        "business_legal_services" => "business",
        "taxation_services" => "tax",
        _ => return None,
    })
}

/// "Freelance KITAS (E23)" → "FREELANCE-KITAS-E23".
fn slug(name: &str) -> String {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join("-")
        .to_ascii_uppercase()
}

/// Reads a span of time written in words: the first "N day(s)", "N month(s)" or "N year(s)"
/// ("N-M days" takes the upper bound M, "N or M years" the first N), in days.
pub fn parse_days(s: &str) -> Option<i64> {
    let lower = s.to_lowercase();
    let tokens: Vec<&str> = lower
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|t| !t.is_empty())
        .collect();
    let number = |t: &str| -> Option<i64> {
        let last = t.rsplit('-').next()?;
        (!last.is_empty()
            && last.len() <= 4
            && t.split('-')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())))
        .then(|| last.parse().ok())?
    };
    let unit = |t: &str| -> Option<i64> {
        match t {
            "day" | "days" => Some(1),
            "month" | "months" => Some(30),
            "year" | "years" => Some(365),
            _ => None,
        }
    };
    for i in 0..tokens.len() {
        let Some(n) = number(tokens[i]) else { continue };
        let next = tokens.get(i + 1).copied().unwrap_or("");
        if let Some(u) = unit(next) {
            return Some(n * u);
        }
        // "1 or 2 years": the shorter option.
        if next == "or" && tokens.get(i + 2).and_then(|t| number(t)).is_some() {
            if let Some(u) = tokens.get(i + 3).and_then(|t| unit(t)) {
                return Some(n * u);
            }
        }
    }
    None
}

/// The practice types of a price table, in file order, with unique codes: the service code where it
/// is unique ("E33G", "C1"), else the name as an upper-case slug ("WORKING-KITAS-E23").
pub fn from_price_table(table: &PriceTable) -> Vec<PracticeType> {
    let kept: Vec<_> = table
        .services
        .iter()
        .filter_map(|s| category(&s.category).map(|c| (s, c)))
        .collect();
    let codes: Vec<Option<String>> = kept.iter().map(|(s, _)| service_code(&s.name)).collect();
    let mut out: Vec<PracticeType> = Vec::new();
    for (i, (s, cat)) in kept.iter().enumerate() {
        let unique = codes[i]
            .as_ref()
            .filter(|c| codes.iter().filter(|o| o.as_ref() == Some(*c)).count() == 1);
        let mut code = unique.cloned().unwrap_or_else(|| slug(&s.name));
        code.truncate(64);
        if code.is_empty() || out.iter().any(|t| t.code == code) {
            continue;
        }
        let detail = |label: &str| s.details.iter().find(|(k, _)| k == label).map(|(_, v)| v.as_str());
        out.push(PracticeType {
            code,
            name: s.name.clone(),
            category: cat,
            default_fee_idr: s.price_idr.and_then(|p| i64::try_from(p).ok()),
            duration_days: detail("Timeline").and_then(parse_days),
            validity_days: s.duration.as_deref().and_then(parse_days),
            description: s.notes.clone(),
        });
    }
    out
}

fn sql_text(s: Option<&str>) -> String {
    s.map_or_else(|| "NULL".to_string(), |s| format!("'{}'", s.replace('\'', "''")))
}
fn sql_int(i: Option<i64>) -> String {
    i.map_or_else(|| "NULL".to_string(), |i| i.to_string())
}

pub const BEGIN_MARK: &str = "-- BEGIN GENERATED practice_types";
pub const END_MARK: &str = "-- END GENERATED practice_types";
/// `created_at` of seeded rows: the price list's date (2025-01-01T00:00:00Z), so the SQL is reproducible.
pub const SEEDED_AT_MS: i64 = 1_735_689_600_000;

/// The seed block of the migration (between and including the markers).
pub fn seed_sql(types: &[PracticeType]) -> String {
    let rows: Vec<String> = types
        .iter()
        .map(|t| {
            format!(
                "  ({}, {}, {}, {}, {}, {}, {}, {SEEDED_AT_MS})",
                sql_text(Some(&t.code)),
                sql_text(Some(&t.name)),
                sql_text(Some(t.category)),
                sql_int(t.default_fee_idr),
                sql_int(t.duration_days),
                sql_int(t.validity_days),
                sql_text(t.description.as_deref()),
            )
        })
        .collect();
    format!(
        "{BEGIN_MARK} (from bali-zero-prices-2025.json by shared/src/crm/practice_types.rs; do not edit by hand)\n\
         INSERT OR IGNORE INTO practice_types (code, name, category, default_fee_idr, duration_days, validity_days, description, created_at) VALUES\n\
         {};\n{END_MARK}",
        rows.join(",\n")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_of_time() {
        assert_eq!(parse_days("60 days"), Some(60));
        assert_eq!(parse_days("Max 90 days"), Some(90));
        assert_eq!(parse_days("30-45 days (offshore), 45-60 days (onshore)"), Some(45));
        assert_eq!(parse_days("6 months (180 days) - NOT renewable"), Some(180));
        assert_eq!(parse_days("1 year (renewable)"), Some(365));
        assert_eq!(parse_days("1 or 2 years (renewable)"), Some(365));
        assert_eq!(parse_days("Permanent (5 years renewable)"), Some(1825));
        assert_eq!(parse_days("Monthly"), None);
        assert_eq!(parse_days(""), None);
        assert_eq!(parse_days("99999999 days"), None, "absurd numbers are ignored");
    }

    const SAMPLE: &str = r#"{"services":{
      "single_entry_visas":{"C1 Tourism":{"price":"2.300.000 IDR","duration":"60 days","notes":"Single entry"},
        "C7 Professional":{"price":"5.000.000 IDR","duration":"30 days"},"C7 A&B Music":{"price":"4.500.000 IDR"}},
      "kitas_permits":{"Freelance KITAS (E23)":{"offshore":"26.000.000 IDR","validity":"6 months (180 days) - NOT renewable","timeline":"30-45 days (offshore)"},
        "Working KITAS (E23)":{"offshore":"34.500.000 IDR","validity":"1 year (renewable)","timeline":"45-60 days"},
        "Remote Worker KITAS (E33G)":{"offshore":"12.500.000 IDR","validity":"1 year (renewable)","timeline":"30-45 days"}},
      "kitap_permits":{"Investor KITAP":{"price":"Contact for quote","validity":"Permanent (5 years renewable)"}},
      "business_legal_services":{"PT PMA Company Setup":{"price":"Starting from 20.000.000 IDR","timeline":"30-45 days","notes":"It's complete"}},
      "taxation_services":{"NPWP Personal + Coretax":{"price":"1.000.000 IDR per person","timeline":"7-14 days"}},
      "quick_quotes":{"Investor Package":{"total":"~40.000.000 IDR"}}}}"#;

    #[test]
    fn maps_the_price_list() {
        let types = from_price_table(&PriceTable::parse(SAMPLE).unwrap());
        let codes: Vec<&str> = types.iter().map(|t| t.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                "C1",
                "C7-PROFESSIONAL",
                "C7-A-B-MUSIC",
                "FREELANCE-KITAS-E23",
                "WORKING-KITAS-E23",
                "E33G",
                "KITAP",
                "PT-PMA-COMPANY-SETUP",
                "NPWP-PERSONAL-CORETAX"
            ]
        );
        let e33g = &types[5];
        assert_eq!(
            (
                e33g.category,
                e33g.default_fee_idr,
                e33g.duration_days,
                e33g.validity_days
            ),
            ("kitas", Some(12_500_000), Some(45), Some(365))
        );
        let kitap = &types[6];
        assert_eq!(
            (kitap.category, kitap.default_fee_idr, kitap.validity_days),
            ("kitap", None, Some(1825))
        );
        assert_eq!(types[7].default_fee_idr, Some(20_000_000));
        assert_eq!(types[8].category, "tax");
        let sql = seed_sql(&types);
        assert!(sql.contains("('PT-PMA-COMPANY-SETUP', 'PT PMA Company Setup', 'business', 20000000, 45, NULL, 'It''s complete', 1735689600000)"), "{sql}");
        assert!(sql.starts_with(BEGIN_MARK) && sql.ends_with(END_MARK));
    }

    /// The migration's seed block is exactly what the real price list gives.
    #[test]
    fn the_migration_seeds_the_price_list() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let prices = root.join("../shared/data/kb-sources/bali-zero-prices-2025.json");
        let Ok(json) = std::fs::read_to_string(&prices) else {
            eprintln!("skipped: {} is not here", prices.display());
            return;
        };
        let types = from_price_table(&PriceTable::parse(&json).unwrap());
        assert!(types.len() >= 30, "{}", types.len());
        for cat in ["visa", "kitas", "kitap", "business", "tax"] {
            assert!(types.iter().any(|t| t.category == cat), "{cat}");
        }
        for t in &types {
            assert!(crate::ids::EntityId::parse(&t.code).is_ok(), "{}", t.code);
        }
        let e33g = types.iter().find(|t| t.code == "E33G").unwrap();
        assert_eq!(
            (e33g.default_fee_idr, e33g.validity_days),
            (Some(12_500_000), Some(365))
        );
        let expected = seed_sql(&types);
        let path = root.join("migrations/0002_crm.sql");
        let migration = std::fs::read_to_string(&path).unwrap();
        let (start, end) = (
            migration.find(BEGIN_MARK).expect("begin marker"),
            migration.find(END_MARK).expect("end marker") + END_MARK.len(),
        );
        if std::env::var("UPDATE_PRACTICE_TYPES").is_ok() {
            std::fs::write(
                &path,
                format!("{}{}{}", &migration[..start], expected, &migration[end..]),
            )
            .unwrap();
            return;
        }
        assert_eq!(
            &migration[start..end],
            expected,
            "run UPDATE_PRACTICE_TYPES=1 cargo test -p nuzantara-shared practice_types"
        );
    }
}
