//! The three data sources in `../shared/data/kb-sources`: KBLI 2020, PP 28/2025 and the price list.

use std::path::Path;

use nuzantara_shared::kb::chunk::finalize;
use nuzantara_shared::kb::collections::{describe, KBLI};
use nuzantara_shared::kb::corrections::{self, CorrectionSet};
use nuzantara_shared::kb::prices::{self, PriceTable};
use nuzantara_shared::kb::text::normalize_source;
use nuzantara_shared::kb::{kbli, pp28};

use super::Options;
use crate::error::{read_utf8, InputError};
use crate::model::{content_hash, Build, Collection, Document, SourceObject};

pub const KBLI_FILE: &str = "kbli-2020.json";
pub const PP28_FILE: &str = "pp-28-2025-raw.txt";
pub const PRICES_FILE: &str = "bali-zero-prices-2025.json";

fn read(dir: &Path, file: &str) -> Result<String, InputError> {
    let path = dir.join(file);
    if !path.is_file() {
        return Err(InputError::new(&path, None, "missing data file (is --data-dir right?)"));
    }
    read_utf8(&path)
}

fn collection(build: &mut Build, name: &str) {
    build.collections.push(Collection {
        name: name.into(),
        description: describe(name),
    });
}

pub fn load(dir: &Path, opts: &Options, build: &mut Build) -> Result<(), InputError> {
    if !dir.is_dir() {
        return Err(InputError::new(dir, None, "data directory not found"));
    }
    load_kbli(dir, opts, build)?;
    load_pp28(dir, opts, build)?;
    load_prices(dir, opts, build)
}

fn load_kbli(dir: &Path, opts: &Options, build: &mut Build) -> Result<(), InputError> {
    let raw = read(dir, KBLI_FILE)?;
    let parsed = kbli::parse(&normalize_source(&raw)).map_err(|e| InputError::from_source(&dir.join(KBLI_FILE), e))?;
    build
        .notes
        .extend(parsed.notes.iter().map(|n| format!("{KBLI_FILE}: {n}")));
    collection(build, KBLI);
    let key = format!("kb/sources/{KBLI_FILE}");
    for code in &parsed.codes {
        let id = code.document_id();
        let fingerprint = code.source_fingerprint();
        build.documents.push(Document {
            chunks: finalize(&id, "id", code.drafts(&opts.chunker)),
            source_path: format!("{KBLI_FILE}#{}", code.entry.code),
            title: code.title(),
            language: "id".into(),
            authority: Some("Peraturan BPS No. 2 Tahun 2020 (KBLI 2020)".into()),
            url: None,
            effective_date: None,
            r2_key: Some(key.clone()),
            content_hash: content_hash(&opts.settings, "kbli", fingerprint.as_bytes()),
            bytes: fingerprint.len() as u64,
            collection: KBLI.into(),
            id,
        });
    }
    build.objects.push(SourceObject {
        key,
        content_type: "application/json".into(),
        body: raw.into_bytes(),
    });
    Ok(())
}

fn load_pp28(dir: &Path, opts: &Options, build: &mut Build) -> Result<(), InputError> {
    let raw = read(dir, PP28_FILE)?;
    let src = normalize_source(&raw);
    let sections = pp28::parse(&src).map_err(|e| InputError::from_source(&dir.join(PP28_FILE), e))?;
    collection(build, "legal_architect");
    let key = "kb/sources/pp-28-2025.txt".to_string();
    build.documents.push(Document {
        id: pp28::DOC_ID.into(),
        collection: "legal_architect".into(),
        source_path: PP28_FILE.into(),
        title: pp28::TITLE.into(),
        language: "id".into(),
        authority: Some(pp28::CITE.into()),
        url: Some("https://peraturan.bpk.go.id/".into()),
        // "mulai berlaku pada tanggal diundangkan", promulgated 5 June 2025 (Pasal 552 and the closing).
        effective_date: Some("2025-06-05".into()),
        r2_key: Some(key.clone()),
        content_hash: content_hash(&opts.settings, "pp28", src.as_bytes()),
        bytes: src.len() as u64,
        chunks: finalize(pp28::DOC_ID, "id", pp28::drafts(&sections, &opts.chunker)),
    });
    build.objects.push(SourceObject {
        key,
        content_type: "text/plain; charset=utf-8".into(),
        body: raw.into_bytes(),
    });
    Ok(())
}

/// The price list with the reviewed corrections (`kb-build/corrections/`, embedded in the shared crate)
/// placed next to what they correct; a correction that matches nothing is a warning.
fn load_prices(dir: &Path, opts: &Options, build: &mut Build) -> Result<(), InputError> {
    let raw = read(dir, PRICES_FILE)?;
    let src = normalize_source(&raw);
    let mut table = PriceTable::parse(&src).map_err(|e| InputError::from_source(&dir.join(PRICES_FILE), e))?;
    if table.services.is_empty() {
        return Err(InputError::new(
            &dir.join(PRICES_FILE),
            None,
            "no services found under \"services\"",
        ));
    }
    let fixes = CorrectionSet::reviewed().map_err(|e| InputError::from_source(Path::new(corrections::FILE), e))?;
    let report = fixes.apply(&mut table);
    build
        .warnings
        .extend(report.unmatched.iter().map(|u| format!("{}: {u}", corrections::FILE)));
    build.notes.extend(
        report
            .applied
            .iter()
            .map(|(id, at)| format!("{PRICES_FILE}: correction {id} applied to {at}")),
    );
    // The chunks depend on the corrections too: a reviewed change must rebuild the document.
    let mut hashed = src.clone().into_bytes();
    hashed.push(0);
    hashed.extend_from_slice(corrections::REVIEWED_JSON.as_bytes());
    collection(build, "bali_zero_pricing");
    let key = format!("kb/sources/{PRICES_FILE}");
    build.documents.push(Document {
        id: prices::DOC_ID.into(),
        collection: "bali_zero_pricing".into(),
        source_path: PRICES_FILE.into(),
        title: prices::TITLE.into(),
        language: "en".into(),
        authority: Some("Bali Zero".into()),
        url: None,
        effective_date: table.last_updated.clone(),
        r2_key: Some(key.clone()),
        content_hash: content_hash(&opts.settings, "prices", &hashed),
        bytes: src.len() as u64,
        chunks: finalize(prices::DOC_ID, "en", table.drafts()),
    });
    build.objects.push(SourceObject {
        key,
        content_type: "application/json".into(),
        body: raw.into_bytes(),
    });
    Ok(())
}
