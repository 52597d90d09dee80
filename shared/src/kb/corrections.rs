//! A reviewed correction layer over the firm's price list. `bali-zero-prices-2025.json` is a read-only
//! source that still states rules that have changed (IMTA, the IDR 10 billion paid-up capital, tax and
//! LKPM deadlines…). Instead of editing it, `kb-build/corrections/bali-zero-prices-2025.json` lists each
//! outdated statement with the corrected one, its legal basis and its effective date; [`CorrectionSet::apply`]
//! puts the correction next to the original in a [`PriceTable`], clearly marked
//! ("Correction (reviewed 2026-12-01; BKPM Regulation No. 5/2025 …): …").
//!
//! The file is embedded at compile time ([`REVIEWED_JSON`]) so kb-build (search chunks) and the worker
//! (pricing tools, which parse the raw list from R2) apply the same layer.

use std::collections::BTreeSet;
use std::fmt;

use serde::Deserialize;

use super::prices::{correction_label, label, PriceEntry, PriceTable};
pub use super::prices::{AppliedCorrection, MARK};
use super::SourceError;

/// Where the corrections live, relative to the repository root (for messages).
pub const FILE: &str = "kb-build/corrections/bali-zero-prices-2025.json";

/// The reviewed corrections, embedded at compile time.
pub const REVIEWED_JSON: &str = include_str!("../../../kb-build/corrections/bali-zero-prices-2025.json");

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorrectionSet {
    /// The source file corrected ("bali-zero-prices-2025.json").
    pub source: String,
    /// Date of the review, YYYY-MM-DD.
    pub reviewed: String,
    /// Who reviewed, as a role (never a name).
    pub reviewer_role: String,
    pub corrections: Vec<Correction>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Correction {
    pub id: String,
    pub applies_to: Vec<Target>,
    /// What the list says, quoted verbatim (one quote per place corrected, or one for all).
    pub list_says: Vec<String>,
    /// The corrected statement.
    pub corrected: String,
    /// The legal basis.
    pub authority: String,
    /// When the corrected rule took effect, YYYY-MM-DD.
    pub effective_date: String,
    /// Authored documents (paths under kb-build/kb) the correction was checked against.
    #[serde(default)]
    pub checked_against: Vec<String>,
}

/// One place a correction applies to: a service (by name or code), optionally narrowed to a field key
/// ("requirements"); a field key alone (every service with that field); or a top-level note key
/// ("important_warnings.work_permit", "disclaimer.en", "currency").
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    #[serde(default)]
    pub service: Option<String>,
    #[serde(default)]
    pub field: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.service, &self.field, &self.note) {
            (_, _, Some(n)) => write!(f, "note {n:?}"),
            (Some(s), Some(k), None) => write!(f, "service {s:?} field {k:?}"),
            (Some(s), None, None) => write!(f, "service {s:?}"),
            (None, Some(k), None) => write!(f, "field {k:?}"),
            (None, None, None) => f.write_str("nothing"),
        }
    }
}

/// A target that matched nothing in the price list: kb-build prints it as a warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmatched {
    pub id: String,
    pub target: String,
}

impl fmt::Display for Unmatched {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "correction {:?}: {} matches nothing in the price list",
            self.id, self.target
        )
    }
}

/// What [`CorrectionSet::apply`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// (correction id, where it went), one per place.
    pub applied: Vec<(String, String)>,
    pub unmatched: Vec<Unmatched>,
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

impl CorrectionSet {
    /// Parses and validates a corrections file: unique ids, dates as YYYY-MM-DD, no empty statements,
    /// and every target names a service, a field or a note (a note excludes the other two).
    pub fn parse(json: &str) -> Result<CorrectionSet, SourceError> {
        let set: CorrectionSet = serde_json::from_str(json)?;
        if !is_date(&set.reviewed) {
            return Err(SourceError::general(format!(
                "\"reviewed\" must be a date YYYY-MM-DD, not {:?}",
                set.reviewed
            )));
        }
        if set.reviewer_role.trim().is_empty() {
            return Err(SourceError::general("\"reviewer_role\" is empty"));
        }
        let mut ids = BTreeSet::new();
        for c in &set.corrections {
            let bad = |what: &str| SourceError::general(format!("correction {:?}: {what}", c.id));
            if c.id.trim().is_empty() {
                return Err(SourceError::general("a correction has an empty id"));
            }
            if !ids.insert(c.id.as_str()) {
                return Err(bad("duplicate id"));
            }
            if c.applies_to.is_empty() {
                return Err(bad("\"applies_to\" is empty"));
            }
            for t in &c.applies_to {
                let named = |o: &Option<String>| o.as_deref().is_some_and(|s| !s.trim().is_empty());
                let ok = if t.note.is_some() {
                    named(&t.note) && t.service.is_none() && t.field.is_none()
                } else {
                    (named(&t.service) || named(&t.field))
                        && t.service.as_ref().is_none_or(|_| named(&t.service))
                        && t.field.as_ref().is_none_or(|_| named(&t.field))
                };
                if !ok {
                    return Err(bad("each target needs a service and/or a field, or a note alone"));
                }
            }
            if c.list_says.is_empty() || c.list_says.iter().any(|q| q.trim().is_empty()) {
                return Err(bad("\"list_says\" needs the quoted wording"));
            }
            if c.corrected.trim().is_empty() || c.authority.trim().is_empty() {
                return Err(bad("\"corrected\" and \"authority\" must not be empty"));
            }
            if !is_date(&c.effective_date) {
                return Err(bad("\"effective_date\" must be a date YYYY-MM-DD"));
            }
        }
        Ok(set)
    }

    /// The embedded, reviewed set (see [`REVIEWED_JSON`]).
    pub fn reviewed() -> Result<CorrectionSet, SourceError> {
        Self::parse(REVIEWED_JSON)
    }

    /// Puts each correction next to what it corrects: into the matching entries' `details` (right after
    /// the corrected field, or at the end) and `corrections`, and into the matching note group line.
    /// Targets that match nothing are reported, never silently dropped.
    pub fn apply(&self, table: &mut PriceTable) -> Report {
        let mut report = Report::default();
        for c in &self.corrections {
            for t in &c.applies_to {
                let hits = match &t.note {
                    Some(note) => self.apply_note(c, note, table),
                    None => self.apply_services(c, t, &mut table.services),
                };
                if hits.is_empty() {
                    report.unmatched.push(Unmatched {
                        id: c.id.clone(),
                        target: t.to_string(),
                    });
                }
                report.applied.extend(hits.into_iter().map(|w| (c.id.clone(), w)));
            }
        }
        report
    }

    fn apply_services(&self, c: &Correction, t: &Target, services: &mut [PriceEntry]) -> Vec<String> {
        let field = t.field.as_deref().map(label);
        let mut hits = Vec::new();
        for s in services.iter_mut() {
            let service_ok = t.service.as_deref().is_none_or(|want| {
                s.name.eq_ignore_ascii_case(want.trim())
                    || s.code
                        .as_deref()
                        .is_some_and(|code| code.eq_ignore_ascii_case(want.trim()))
            });
            if !service_ok {
                continue;
            }
            let at = match &field {
                Some(f) => match s.details.iter().position(|(k, _)| k == f) {
                    Some(i) => after_corrections(&s.details, i, |(k, _)| k.starts_with(MARK)),
                    None => continue,
                },
                None => s.details.len(),
            };
            let applied = AppliedCorrection {
                id: c.id.clone(),
                field: field.clone(),
                corrected: c.corrected.clone(),
                authority: c.authority.clone(),
                effective_date: c.effective_date.clone(),
                reviewed: self.reviewed.clone(),
            };
            s.details.insert(at, (applied.label(), applied.corrected.clone()));
            s.corrections.push(applied);
            hits.push(match &field {
                Some(f) => format!("{} › {f}", s.name),
                None => s.name.clone(),
            });
        }
        hits
    }

    fn apply_note(&self, c: &Correction, key: &str, table: &mut PriceTable) -> Vec<String> {
        // Mirrors how PriceTable::parse words note lines.
        let (title, prefix) = match key.split_once('.') {
            Some((group, sub)) if matches!(group, "disclaimer" | "contact_info") => (
                "Disclaimers and contact".to_string(),
                format!("{} ({sub}): ", label(group)),
            ),
            Some((group, sub)) => (label(group), format!("{}: ", label(sub))),
            None => ("Disclaimers and contact".to_string(), format!("{}: ", label(key))),
        };
        let line = format!("{}: {}", correction_label(&self.reviewed, &c.authority), c.corrected);
        let mut hits = Vec::new();
        for n in table.notes.iter_mut().filter(|n| n.title == title) {
            if let Some(i) = n.lines.iter().position(|l| l.starts_with(&prefix)) {
                let at = after_corrections(&n.lines, i, |l| l.starts_with(MARK));
                n.lines.insert(at, line.clone());
                hits.push(format!("{} › {}", n.title, prefix.trim_end_matches([':', ' '])));
            }
        }
        hits
    }
}

/// The index after item `i` and any correction lines already inserted after it.
fn after_corrections<T>(items: &[T], i: usize, is_correction: impl Fn(&T) -> bool) -> usize {
    let mut at = i + 1;
    while at < items.len() && is_correction(&items[at]) {
        at += 1;
    }
    at
}

/// Parses the price list and applies the embedded reviewed corrections.
pub fn corrected_table(price_json: &str) -> Result<(PriceTable, Report), SourceError> {
    let mut table = PriceTable::parse(price_json)?;
    let set = CorrectionSet::reviewed().map_err(|e| SourceError::general(format!("{FILE}: {e}")))?;
    let report = set.apply(&mut table);
    Ok((table, report))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRICES: &str = r#"{"last_updated":"2025-01-01","currency":"IDR",
      "disclaimer":{"en":"Contact directly."},
      "services":{"kitas_permits":{
        "Working KITAS (E23)":{"offshore":"34.500.000 IDR","notes":"requires company sponsorship + work permit"},
        "Investor KITAS (E28A)":{"offshore":"17.000.000 IDR","validity":"1 year","notes":"requires PT PMA with min 10B IDR capital"}},
      "business_legal_services":{"PT PMA Company Setup":{"price":"Starting from 20.000.000 IDR",
        "requirements":"Min 2 shareholders, min 10B IDR paid-up capital","notes":"Setup"}}},
      "important_warnings":{"overstay":"Overstay = ban","work_permit":"KITAS needs IMTA"}}"#;

    const SET: &str = r#"{"source":"bali-zero-prices-2025.json","reviewed":"2026-12-01","reviewer_role":"KB maintainer",
      "corrections":[
        {"id":"capital","applies_to":[{"service":"PT PMA Company Setup","field":"requirements"},{"note":"important_warnings.overstay"}],
         "list_says":["min 10B IDR paid-up capital"],"corrected":"Paid-up capital IDR 2.5 billion.",
         "authority":"BKPM Regulation 5/2025","effective_date":"2025-10-02"},
        {"id":"imta","applies_to":[{"service":"e23","field":"notes"},{"note":"important_warnings.work_permit"}],
         "list_says":["IMTA"],"corrected":"RPTKA and DKPTKA (USD 100/month).","authority":"PP 34/2021","effective_date":"2021-02-02"},
        {"id":"whole","applies_to":[{"service":"Investor KITAS (E28A)"}],"list_says":["x"],"corrected":"See E28A rules.",
         "authority":"Permenkumham 22/2023","effective_date":"2023-05-31"},
        {"id":"currency","applies_to":[{"note":"currency"},{"note":"disclaimer.en"}],"list_says":["IDR"],
         "corrected":"Amounts in rupiah.","authority":"Law 7/2011","effective_date":"2011-06-28"}
      ]}"#;

    #[test]
    fn parses_and_validates() {
        let set = CorrectionSet::parse(SET).unwrap();
        assert_eq!(set.reviewed, "2026-12-01");
        assert_eq!(set.corrections.len(), 4);
        assert_eq!(set.corrections[1].applies_to[0].service.as_deref(), Some("e23"));
        assert_eq!(
            set.corrections[0].applies_to[1].note.as_deref(),
            Some("important_warnings.overstay")
        );

        let bad = |from: &str, to: &str| {
            let json = SET.replacen(from, to, 1);
            assert_ne!(json, SET, "{from:?} is in the sample");
            CorrectionSet::parse(&json).expect_err(to)
        };
        assert!(bad(r#""id":"imta""#, r#""id":"capital""#).message.contains("duplicate"));
        bad(r#""reviewed":"2026-12-01""#, r#""reviewed":"1 Dec 2026""#);
        bad(r#""effective_date":"2021-02-02""#, r#""effective_date":"2021""#);
        bad(r#"{"note":"currency"}"#, r#"{"note":"currency","field":"price"}"#);
        bad(r#"{"service":"Investor KITAS (E28A)"}"#, "{}");
        bad(r#""corrected":"See E28A rules.""#, r#""corrected":" ""#);
        bad(r#""list_says":["x"]"#, r#""list_says":[]"#);
        bad(r#""authority":"PP 34/2021""#, r#""authority":"PP 34/2021","oops":1"#);
        assert!(bad(r#""reviewer_role":"KB maintainer""#, r#""reviewer_role":"#)
            .line
            .is_some());
    }

    #[test]
    fn applies_next_to_the_original_and_marks_it() {
        let mut t = PriceTable::parse(PRICES).unwrap();
        let report = CorrectionSet::parse(SET).unwrap().apply(&mut t);
        assert!(report.unmatched.is_empty(), "{:?}", report.unmatched);
        assert_eq!(report.applied.len(), 7);

        let setup = t.services.iter().find(|s| s.name == "PT PMA Company Setup").unwrap();
        let labels: Vec<&str> = setup.details.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            labels,
            [
                "Price",
                "Requirements",
                "Correction (reviewed 2026-12-01; BKPM Regulation 5/2025)",
                "Notes"
            ],
            "the correction follows the field it corrects"
        );
        assert_eq!(setup.details[2].1, "Paid-up capital IDR 2.5 billion.");
        assert_eq!(
            setup.details[1].1, "Min 2 shareholders, min 10B IDR paid-up capital",
            "the original stays"
        );
        assert_eq!(setup.corrections.len(), 1);
        let c = &setup.corrections[0];
        assert_eq!(
            (c.id.as_str(), c.field.as_deref(), c.effective_date.as_str()),
            ("capital", Some("Requirements"), "2025-10-02")
        );
        assert_eq!(
            c.line(),
            "Correction (reviewed 2026-12-01; BKPM Regulation 5/2025): Paid-up capital IDR 2.5 billion."
        );

        // By code, case-insensitive; a target without a field goes at the end.
        let e23 = &t.services[0];
        assert_eq!(
            e23.details.last().unwrap().0,
            "Correction (reviewed 2026-12-01; PP 34/2021)"
        );
        let e28a = &t.services[1];
        assert_eq!(e28a.corrections[0].field, None);
        assert_eq!(e28a.details.last().unwrap().1, "See E28A rules.");

        let warnings = t.notes.iter().find(|n| n.title == "Important warnings").unwrap();
        assert_eq!(
            warnings.lines,
            [
                "Overstay: Overstay = ban",
                "Correction (reviewed 2026-12-01; BKPM Regulation 5/2025): Paid-up capital IDR 2.5 billion.",
                "Work permit: KITAS needs IMTA",
                "Correction (reviewed 2026-12-01; PP 34/2021): RPTKA and DKPTKA (USD 100/month).",
            ]
        );
        let contact = &t.notes[0];
        assert_eq!(contact.lines.len(), 5, "{:?}", contact.lines);
        assert_eq!(contact.lines[1], "Currency: IDR");
        assert!(contact.lines[2].starts_with("Correction (reviewed 2026-12-01; Law 7/2011)"));
        assert_eq!(contact.lines[3], "Disclaimer (en): Contact directly.");
        assert!(contact.lines[4].starts_with(MARK));

        // Search chunks carry the correction next to the original.
        let drafts = t.drafts();
        let chunk = drafts.iter().find(|d| d.section == "PT PMA Company Setup").unwrap();
        assert!(chunk.text.contains(
            "Requirements: Min 2 shareholders, min 10B IDR paid-up capital\n\
             Correction (reviewed 2026-12-01; BKPM Regulation 5/2025): Paid-up capital IDR 2.5 billion."
        ));
        assert!(chunk.keywords.contains("correction"));
        let overstay = drafts
            .iter()
            .find(|d| d.section == "Important warnings › Overstay")
            .unwrap();
        assert_eq!(
            overstay.text,
            "Bali Zero price list 2025 — Important warnings\nOverstay: Overstay = ban\n\
             Correction (reviewed 2026-12-01; BKPM Regulation 5/2025): Paid-up capital IDR 2.5 billion."
        );
        assert!(
            !drafts.iter().any(|d| d.section == "Important warnings"),
            "every warning line was corrected: no group chunk left"
        );
    }

    #[test]
    fn two_corrections_of_one_field_keep_their_order() {
        let two = SET.replace(
            r#"{"note":"important_warnings.work_permit"}"#,
            r#"{"service":"PT PMA Company Setup","field":"requirements"}"#,
        );
        let mut t = PriceTable::parse(PRICES).unwrap();
        CorrectionSet::parse(&two).unwrap().apply(&mut t);
        let setup = t.services.iter().find(|s| s.name == "PT PMA Company Setup").unwrap();
        let values: Vec<&str> = setup.details.iter().map(|(_, v)| v.as_str()).collect();
        assert_eq!(values[2], "Paid-up capital IDR 2.5 billion.");
        assert_eq!(values[3], "RPTKA and DKPTKA (USD 100/month).");
        assert_eq!(values[4], "Setup");
    }

    #[test]
    fn a_target_that_matches_nothing_is_reported() {
        let stale = SET
            .replace("PT PMA Company Setup", "PT PMA Setup (old name)")
            .replace("important_warnings.work_permit", "important_warnings.imta")
            .replace(
                r#""service":"e23","field":"notes""#,
                r#""service":"e23","field":"timeline""#,
            );
        let mut t = PriceTable::parse(PRICES).unwrap();
        let report = CorrectionSet::parse(&stale).unwrap().apply(&mut t);
        let msgs: Vec<String> = report.unmatched.iter().map(ToString::to_string).collect();
        assert_eq!(
            msgs,
            [
                "correction \"capital\": service \"PT PMA Setup (old name)\" field \"requirements\" matches nothing in the price list",
                "correction \"imta\": service \"e23\" field \"timeline\" matches nothing in the price list",
                "correction \"imta\": note \"important_warnings.imta\" matches nothing in the price list",
            ]
        );
        assert_eq!(report.applied.len(), 4, "the other targets still apply");
    }

    #[test]
    fn the_embedded_file_is_valid() {
        let set = CorrectionSet::reviewed().unwrap();
        assert_eq!(set.source, "bali-zero-prices-2025.json");
        assert!(set.corrections.len() >= 9);
        for id in [
            "work-permit-imta-replaced-by-rptka",
            "pt-pma-paid-up-capital",
            "e28a-investor-capital",
            "corporate-annual-return-deadline",
            "lkpm-deadlines",
            "overstay-fine",
            "art-31e-rate-reduction",
            "monthly-tax-deadlines",
            "e33f-retirement-requirements",
        ] {
            assert!(set.corrections.iter().any(|c| c.id == id), "{id} missing");
        }
        // Every correction names the authored documents it was checked against, and they exist.
        let kb = concat!(env!("CARGO_MANIFEST_DIR"), "/../kb-build/kb/");
        for c in &set.corrections {
            assert!(!c.checked_against.is_empty(), "{} names no authored document", c.id);
            for doc in &c.checked_against {
                assert!(
                    std::path::Path::new(&format!("{kb}{doc}")).is_file(),
                    "{}: {doc} not found",
                    c.id
                );
            }
        }
    }

    /// The real file over the real price list (in ../shared/data beside the repository; skipped if absent).
    #[test]
    fn the_real_corrections_match_the_real_price_list() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/data/kb-sources/bali-zero-prices-2025.json"
        );
        let Ok(raw) = std::fs::read_to_string(path) else {
            eprintln!("skipped: {path} not found");
            return;
        };
        let set = CorrectionSet::reviewed().unwrap();
        for c in &set.corrections {
            for quote in &c.list_says {
                assert!(
                    raw.contains(quote.as_str()),
                    "{}: the list does not say {quote:?}",
                    c.id
                );
            }
        }
        let (t, report) = corrected_table(&raw).unwrap();
        assert!(report.unmatched.is_empty(), "{:?}", report.unmatched);
        let targets: usize = set.corrections.iter().map(|c| c.applies_to.len()).sum();
        assert_eq!(report.applied.len(), targets, "each target matches exactly one place");

        let by_name = |n: &str| t.services.iter().find(|s| s.name == n).unwrap();
        let setup = by_name("PT PMA Company Setup");
        let i = setup.details.iter().position(|(k, _)| k == "Requirements").unwrap();
        assert!(setup.details[i + 1]
            .0
            .starts_with("Correction (reviewed 2026-12-01; BKPM Regulation No. 5/2025"));
        assert!(setup.details[i + 1].1.contains("IDR 2.5 billion"));
        assert!(by_name("Investor KITAS (E28A)").corrections[0]
            .corrected
            .contains("IDR 2.5 billion"));
        assert!(by_name("Annual Tax Report (Zero)").corrections[0]
            .corrected
            .contains("30 April"));
        assert!(by_name("LKPM Report").corrections[0].corrected.contains("15 April"));
        assert!(by_name("Monthly Tax Report").corrections[0]
            .corrected
            .contains("by the 20th"));
        assert!(by_name("Working KITAS (E23)").corrections[0]
            .corrected
            .contains("USD 100 per position per month"));
        assert!(by_name("C1 Tourism").corrections.is_empty());

        let warnings = t.notes.iter().find(|n| n.title == "Important warnings").unwrap();
        let text = warnings.lines.join("\n");
        assert!(text
            .contains("IMTA (work permit) from Manpower Ministry.\nCorrection (reviewed 2026-12-01; PP No. 34/2021"));
        assert!(text.contains("IDR 1,000,000 per person per day"));
        let tips = t.notes.iter().find(|n| n.title == "Cost optimization tips").unwrap();
        assert!(tips.lines.iter().any(|l| l.starts_with(MARK) && l.contains("Art. 31E")));
    }
}
