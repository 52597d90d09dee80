//! A copy of the local store's manifest kept next to the wrangler state (`DIR/kb-build-manifest.json`),
//! valid only while the D1 files are exactly as kb-build left them (same names, sizes and mtimes).
//!
//! Starting Node and wrangler costs 1.5–2.5 s, most of a no-change run; with a valid cache that run
//! needs neither. Any other writer (wrangler dev, `d1 execute`, a failed load) changes the files, and the
//! next run reads the real manifest again.

use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::model::Collection;
use crate::store::ManifestRow;

const VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct File {
    version: u32,
    fingerprint: String,
    /// (id, collection, content_hash, r2_key)
    documents: Vec<(String, String, String, Option<String>)>,
    collections: Vec<(String, String)>,
}

pub fn path(persist: &Path) -> PathBuf {
    persist.join("kb-build-manifest.json")
}

/// Hash of every file under `DIR/v3/d1` (relative path, size, mtime). `None` when there is no database.
pub fn fingerprint(persist: &Path) -> Option<String> {
    let root = persist.join("v3").join("d1");
    let mut entries: Vec<String> = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).ok()? {
            let e = e.ok()?;
            let meta = e.metadata().ok()?;
            if meta.is_dir() {
                stack.push(e.path());
            } else {
                let mtime = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?.as_nanos();
                let rel = e.path().strip_prefix(&root).ok()?.to_string_lossy().to_string();
                entries.push(format!("{rel}\t{}\t{mtime}", meta.len()));
            }
        }
    }
    if entries.is_empty() {
        return None;
    }
    entries.sort();
    Some(hex::encode(Sha256::digest(entries.join("\n").as_bytes())))
}

/// The cached manifest and collections, if the cache exists and the database has not changed since.
pub fn load(persist: &Path) -> Option<(Vec<ManifestRow>, Vec<Collection>)> {
    let text = std::fs::read_to_string(path(persist)).ok()?;
    let f: File = serde_json::from_str(&text).ok()?;
    if f.version != VERSION || Some(f.fingerprint) != fingerprint(persist) {
        return None;
    }
    let docs = f
        .documents
        .into_iter()
        .map(|(doc_id, collection, content_hash, r2_key)| ManifestRow {
            doc_id,
            collection,
            content_hash,
            r2_key,
        })
        .collect();
    let cols = f
        .collections
        .into_iter()
        .map(|(name, description)| Collection { name, description })
        .collect();
    Some((docs, cols))
}

/// Records the state kb-build knows the database to be in; call after the database was closed.
pub fn save(persist: &Path, docs: &[ManifestRow], cols: &[Collection]) {
    let Some(fingerprint) = fingerprint(persist) else {
        forget(persist);
        return;
    };
    let f = File {
        version: VERSION,
        fingerprint,
        documents: docs
            .iter()
            .map(|m| {
                (
                    m.doc_id.clone(),
                    m.collection.clone(),
                    m.content_hash.clone(),
                    m.r2_key.clone(),
                )
            })
            .collect(),
        collections: cols.iter().map(|c| (c.name.clone(), c.description.clone())).collect(),
    };
    if let Ok(text) = serde_json::to_string(&f) {
        // Write then rename, so a crash never leaves a half-written cache that happens to parse.
        let tmp = path(persist).with_extension("json.tmp");
        if std::fs::write(&tmp, text).is_ok() {
            let _ = std::fs::rename(&tmp, path(persist));
        }
    }
}

pub fn forget(persist: &Path) {
    let _ = std::fs::remove_file(path(persist));
}
