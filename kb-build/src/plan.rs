//! Compares what was built with what a store holds and produces the minimal [`ChangeSet`].

use std::collections::{HashMap, HashSet};

use crate::model::{Build, ChangeSet, Collection, Delete, MetaChange, Upsert};
use crate::store::ManifestRow;

/// Documents whose hash differs are rewritten; documents gone from the sources are deleted, but only in
/// the collections being built (building the main KB never touches a benchmark collection, and back).
/// Source objects go up once per file when any of its documents changed.
pub fn plan(build: &Build, manifest: &[ManifestRow], stored: &[Collection], now_ms: i64) -> ChangeSet {
    let stored_hash: HashMap<&str, &str> = manifest
        .iter()
        .map(|m| (m.doc_id.as_str(), m.content_hash.as_str()))
        .collect();
    let built_ids: HashSet<&str> = build.documents.iter().map(|d| d.id.as_str()).collect();
    let building: HashSet<&str> = build.collections.iter().map(|c| c.name.as_str()).collect();

    let upserts: Vec<Upsert> = build
        .documents
        .iter()
        .filter(|d| stored_hash.get(d.id.as_str()) != Some(&d.content_hash.as_str()))
        .map(|d| Upsert {
            doc: d.clone(),
            vectors: Vec::new(),
        })
        .collect();
    let deleted: Vec<&ManifestRow> = manifest
        .iter()
        .filter(|m| building.contains(m.collection.as_str()) && !built_ids.contains(m.doc_id.as_str()))
        .collect();

    let stored_desc: HashMap<&str, &str> = stored
        .iter()
        .map(|c| (c.name.as_str(), c.description.as_str()))
        .collect();
    let touched: HashSet<&str> = upserts.iter().map(|u| u.doc.collection.as_str()).collect();
    let collections = build
        .collections
        .iter()
        .filter(|c| {
            stored_desc.get(c.name.as_str()) != Some(&c.description.as_str()) || touched.contains(c.name.as_str())
        })
        .cloned()
        .collect();

    let wanted_keys: HashSet<&str> = upserts.iter().filter_map(|u| u.doc.r2_key.as_deref()).collect();
    let objects = build
        .objects
        .iter()
        .filter(|o| wanted_keys.contains(o.key.as_str()))
        .cloned()
        .collect();

    let deleted_ids: HashSet<&str> = deleted.iter().map(|m| m.doc_id.as_str()).collect();
    let still_used: HashSet<&str> = build
        .documents
        .iter()
        .filter_map(|d| d.r2_key.as_deref())
        .chain(
            manifest
                .iter()
                .filter(|m| !deleted_ids.contains(m.doc_id.as_str()))
                .filter_map(|m| m.r2_key.as_deref()),
        )
        .collect();
    let mut delete_objects: Vec<String> = deleted
        .iter()
        .filter_map(|m| m.r2_key.as_deref())
        .filter(|k| !still_used.contains(k))
        .map(str::to_string)
        .collect();
    delete_objects.sort();
    delete_objects.dedup();

    ChangeSet {
        collections,
        upserts,
        deletes: deleted
            .iter()
            .map(|m| Delete {
                id: m.doc_id.clone(),
                collection: m.collection.clone(),
            })
            .collect(),
        objects,
        delete_objects,
        now_ms,
        index_meta: MetaChange::Keep,
    }
}
