//! Where the knowledge base is written. A store reports what it holds (`manifest`) and applies a
//! [`ChangeSet`]; kb-build computes the change set, so every store behaves the same.

pub mod cloudflare;
pub mod local;
pub mod local_cache;
pub mod memory;
pub mod sql;

use anyhow::Result;

use crate::model::{ChangeSet, Collection};

/// A stored document's identity and content hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestRow {
    pub doc_id: String,
    pub collection: String,
    pub content_hash: String,
    pub r2_key: Option<String>,
}

pub trait Store {
    fn manifest(&mut self) -> Result<Vec<ManifestRow>>;
    /// The collection rows, so unchanged descriptions are not rewritten.
    fn collections(&mut self) -> Result<Vec<Collection>>;
    fn apply(&mut self, changes: &ChangeSet) -> Result<()>;
}

/// `--target dry-run`: holds nothing, so every document counts as new, and writes nothing.
pub struct DryRun;

impl Store for DryRun {
    fn manifest(&mut self) -> Result<Vec<ManifestRow>> {
        Ok(Vec::new())
    }

    fn collections(&mut self) -> Result<Vec<Collection>> {
        Ok(Vec::new())
    }

    fn apply(&mut self, _changes: &ChangeSet) -> Result<()> {
        Ok(())
    }
}
