//! Parsers against the real sources in ../shared/data/kb-sources (skipped where that folder is absent).

use std::collections::BTreeSet;
use std::path::PathBuf;

use nuzantara_shared::kb::chunk::ChunkerConfig;
use nuzantara_shared::kb::prices::PriceTable;
use nuzantara_shared::kb::text::normalize_source;
use nuzantara_shared::kb::{kbli, pp28};

fn data(file: &str) -> Option<String> {
    let dir = std::env::var_os("KB_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/kb-sources"));
    let path = dir.join(file);
    match std::fs::read_to_string(&path) {
        Ok(s) => Some(normalize_source(&s)),
        Err(_) => {
            eprintln!("skipped: {} not found", path.display());
            None
        }
    }
}

#[test]
fn pp28_pasal_sections() {
    let Some(raw) = data("pp-28-2025-raw.txt") else {
        return;
    };
    let sections = pp28::parse(&raw).unwrap();
    let pasal: BTreeSet<u32> = sections
        .iter()
        .filter_map(|s| s.section.strip_prefix("Pasal ")?.parse().ok())
        .collect();
    let explained = sections
        .iter()
        .filter(|s| s.section.starts_with("Penjelasan Pasal"))
        .count();
    println!(
        "PP 28/2025: {} distinct Pasal sections, {} elucidated Pasal, {} sections in all",
        pasal.len(),
        explained,
        sections.len()
    );
    assert!(
        pasal.len() >= 500,
        "the regulation has 552 Pasal; found {}",
        pasal.len()
    );
    for n in [1, 2, 89, 211, 216, 552] {
        assert!(pasal.contains(&n), "Pasal {n} missing");
    }
    let p211 = sections.iter().find(|s| s.section == "Pasal 211").unwrap();
    assert!(p211.context.starts_with("BAB VI"), "{}", p211.context);
    assert!(p211.page > 100);
    assert!(sections
        .iter()
        .any(|s| s.section == "Pembukaan" && s.lines.iter().any(|l| l.contains("Menimbang"))));
    assert!(sections.iter().any(|s| s.section == "Penjelasan"));
    let drafts = pp28::drafts(&sections, &ChunkerConfig::default());
    assert!(drafts.iter().all(|d| d.text.chars().count() <= 1200));
    let all = drafts.iter().map(|d| d.text.as_str()).collect::<String>();
    for noise in ["SK No", "PRESIDEN\nREPUBLIK", "-2-\n"] {
        assert!(!all.contains(noise), "noise {noise:?} left in the text");
    }
}

#[test]
fn kbli_codes_and_hierarchy() {
    let Some(raw) = data("kbli-2020.json") else {
        return;
    };
    let k = kbli::parse(&raw).unwrap();
    assert_eq!(k.codes.len(), 1790);
    let r = k.codes.iter().find(|c| c.entry.code == "56101").unwrap();
    assert_eq!(r.category.code, "I");
    assert!(r.keywords().split(' ').any(|w| w == "56101"));
    let text = &r.drafts(&ChunkerConfig::default())[0].text;
    assert!(text.to_lowercase().contains("restoran"));
    // The category of a division comes from record order: spot-check against the published table.
    let cat = |code: &str| {
        k.codes
            .iter()
            .find(|c| c.entry.code == code)
            .unwrap()
            .category
            .code
            .clone()
    };
    assert_eq!(
        (cat("01111"), cat("47111"), cat("84210"), cat("56101")),
        ("A".into(), "G".into(), "O".into(), "I".into())
    );
}

#[test]
fn price_table() {
    let Some(raw) = data("bali-zero-prices-2025.json") else {
        return;
    };
    let t = PriceTable::parse(&raw).unwrap();
    let find = |code: &str| t.services.iter().find(|s| s.code.as_deref() == Some(code)).unwrap();
    assert_eq!(find("C1").price_idr, Some(2_300_000));
    assert_eq!(find("C1").extension_idr, Some(1_700_000));
    assert_eq!(find("E33G").price_idr, Some(12_500_000));
    assert_eq!(find("KITAP").price_idr, None, "contact for quote");
    assert!(t.services.len() >= 35);
}
