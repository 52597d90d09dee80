//! The reviewed corrections to the price list (kb-build/corrections/, embedded in the shared crate): the
//! price chunks show each correction next to the original, and a correction that matches nothing is a
//! warning.

mod common;

use std::path::PathBuf;

use common::*;
use kb_build::sources;
use nuzantara_shared::kb::corrections;

#[test]
fn corrections_that_match_nothing_are_warnings() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, data) = fixture(tmp.path());
    let build = sources::build(&options(None, Some(&data), vec![])).unwrap();
    let stale: Vec<&String> = build
        .warnings
        .iter()
        .filter(|w| w.starts_with(corrections::FILE))
        .collect();
    assert!(
        stale.iter().any(|w| w.contains(
            "correction \"pt-pma-paid-up-capital\": service \"PT PMA Company Setup\" field \"requirements\" matches nothing"
        )),
        "{stale:#?}"
    );
    assert!(stale
        .iter()
        .any(|w| w.contains("note \"important_warnings.overstay\" matches nothing")));
    let prices = build
        .documents
        .iter()
        .find(|d| d.id == "bali-zero-prices-2025")
        .unwrap();
    assert!(!prices.chunks.iter().any(|c| c.text.contains(corrections::MARK)));
}

#[test]
fn real_price_chunks_show_the_correction_next_to_the_original() {
    let dir = std::env::var_os("KB_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/kb-sources"));
    if !dir.join("bali-zero-prices-2025.json").is_file() {
        eprintln!("skipped: {} not found", dir.display());
        return;
    }
    let build = sources::build(&options(None, Some(&dir), vec![])).unwrap();
    let stale: Vec<&String> = build
        .warnings
        .iter()
        .filter(|w| w.starts_with(corrections::FILE))
        .collect();
    assert!(stale.is_empty(), "{stale:#?}");
    let prices = build
        .documents
        .iter()
        .find(|d| d.id == "bali-zero-prices-2025")
        .unwrap();
    let chunk = |section: &str| {
        prices
            .chunks
            .iter()
            .find(|c| c.section == section)
            .unwrap_or_else(|| panic!("no chunk {section}"))
    };
    let setup = chunk("PT PMA Company Setup");
    assert!(
        setup.text.contains(
            "Requirements: Min 2 shareholders, min 10B IDR paid-up capital\n\
             Correction (reviewed 2026-12-01; BKPM Regulation No. 5/2025, Art. 26"
        ),
        "{}",
        setup.text
    );
    assert!(setup.keywords.contains("correction"));
    let lkpm = chunk("LKPM Report");
    assert!(lkpm
        .text
        .contains("Deadlines: April 30, July 31, October 31, January 31\nCorrection (reviewed"));
    assert!(lkpm.text.contains("15 April"));
    // A corrected note line is its own chunk, the original first.
    let permit = chunk("Important warnings › Work permit");
    assert!(
        permit.text.contains(
            "separate IMTA (work permit) from Manpower Ministry.\n\
             Correction (reviewed 2026-12-01; PP No. 34/2021 on the Use of Foreign Workers"
        ),
        "{}",
        permit.text
    );
    assert!(chunk("Important warnings › Overstay")
        .text
        .contains("IDR 1,000,000 per person per day"));
    assert!(chunk("Cost optimization tips › Tax optimization")
        .text
        .contains("Art. 31E"));
    let rest = chunk("Important warnings");
    assert!(rest.text.contains("Alcohol license") && !rest.text.contains("IMTA"));
    assert!(
        prices.chunks.iter().all(|c| c.text.chars().count() <= 1200),
        "no oversized chunk"
    );
    assert!(!chunk("C1 Tourism").text.contains(corrections::MARK));
}
