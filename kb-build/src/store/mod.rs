//! Where the knowledge base is written. A store reports what it holds (`manifest`) and applies a
//! [`ChangeSet`]; kb-build computes the change set, so every store behaves the same.

pub mod cloudflare;
pub mod local;
pub mod local_cache;
pub mod memory;
pub mod sql;

use anyhow::Result;

use crate::model::{ChangeSet, Collection};

pub use crate::model::ManifestRow;

/// What a store says about the vectors it holds, read before vectors are written to it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredVectors {
    /// The store, for messages ("the local store in DIR", "Vectorize index NAME").
    pub place: String,
    /// From `kb_index_meta` (written by kb-build with the vectors).
    pub embedder_id: Option<String>,
    pub model: Option<String>,
    pub dimensions: Option<usize>,
    /// Distinct sizes of the vectors actually stored, where the store can tell cheaply (local D1):
    /// catches stores loaded before `kb_index_meta` existed.
    pub present_dims: Vec<usize>,
    /// A size the store accepts and no other (a Vectorize index's configured dimensions).
    pub required_dims: Option<usize>,
}

impl StoredVectors {
    /// Fills the fields kept in `kb_index_meta` from its `(key, value)` rows.
    pub fn with_meta(mut self, rows: impl IntoIterator<Item = (String, String)>) -> Self {
        for (k, v) in rows {
            match k.as_str() {
                crate::model::META_EMBEDDER_ID => self.embedder_id = Some(v),
                crate::model::META_MODEL => self.model = Some(v),
                crate::model::META_DIMENSIONS => self.dimensions = v.trim().parse().ok(),
                _ => {}
            }
        }
        self
    }

    /// Whether the store records or holds any vectors.
    pub fn is_empty(&self) -> bool {
        self.embedder_id.is_none() && self.model.is_none() && self.dimensions.is_none() && self.present_dims.is_empty()
    }
}

pub trait Store {
    fn manifest(&mut self) -> Result<Vec<ManifestRow>>;
    /// The collection rows, so unchanged descriptions are not rewritten.
    fn collections(&mut self) -> Result<Vec<Collection>>;
    /// The vectors the store holds; asked only before writing vectors. A store without vectors (or
    /// without a way to tell) answers with an empty record.
    fn stored_vectors(&mut self) -> Result<StoredVectors> {
        Ok(StoredVectors::default())
    }
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
