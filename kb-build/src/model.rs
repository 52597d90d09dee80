//! What the builder produces and what a store receives.

use nuzantara_shared::kb::chunk::Chunk;
use sha2::{Digest, Sha256};

/// Bumped when the builder's output for unchanged sources changes (parsing, rendering), so the next run
/// rewrites everything instead of keeping stale chunks.
pub const BUILDER_VERSION: &str = "kb-build/1";

/// A stored document's identity and content hash (what a store's manifest lists).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestRow {
    pub doc_id: String,
    pub collection: String,
    pub content_hash: String,
    pub r2_key: Option<String>,
}

/// One row of `kb_documents` with its chunks.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub id: String,
    pub collection: String,
    /// Unique per document (the table enforces it): a path, or `file#record` for multi-document files.
    pub source_path: String,
    pub title: String,
    pub language: String,
    pub authority: Option<String>,
    pub url: Option<String>,
    pub effective_date: Option<String>,
    pub r2_key: Option<String>,
    pub content_hash: String,
    /// Size of the document's source (the file, or its record in a multi-document file).
    pub bytes: u64,
    pub chunks: Vec<Chunk>,
}

/// A source file to keep in R2 next to its chunks (once per file, not per document).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceObject {
    pub key: String,
    pub content_type: String,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collection {
    pub name: String,
    pub description: String,
}

/// Everything built from the sources, before comparing with a store.
#[derive(Debug, Default)]
pub struct Build {
    /// Collections being built: deletions happen only inside these.
    pub collections: Vec<Collection>,
    pub documents: Vec<Document>,
    pub objects: Vec<SourceObject>,
    /// Problems worth fixing in the sources (printed as `warning:`).
    pub warnings: Vec<String>,
    /// What the cleaning did to a source (printed in verbose mode).
    pub notes: Vec<String>,
    /// Time spent reading and chunking.
    pub seconds: f64,
}

/// `sha256(builder version, chunker and embedder settings, source bytes)`: any change to what a document
/// would contain changes its hash; nothing else does.
pub fn content_hash(settings: &str, kind: &str, source: &[u8]) -> String {
    let mut h = Sha256::new();
    for part in [BUILDER_VERSION.as_bytes(), settings.as_bytes(), kind.as_bytes()] {
        h.update(part);
        h.update([0u8]);
    }
    h.update(source);
    hex::encode(h.finalize())
}

/// A document to write, with one vector per chunk when an embedder is configured.
#[derive(Debug, Clone, PartialEq)]
pub struct Upsert {
    pub doc: Document,
    pub vectors: Vec<Vec<f32>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delete {
    pub id: String,
    pub collection: String,
}

/// What kb-build records about the vectors it writes (`kb_index_meta` in D1), so later runs and the
/// worker know which model and role the stored vectors come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbeddingMeta {
    /// The embedder id that goes into content hashes and the vector cache (model and role).
    pub embedder_id: String,
    /// The model name as sent to the embedding API.
    pub model: String,
    pub dimensions: usize,
    /// How queries must be embedded to match these passages, e.g. `input_type=query`.
    pub query_hint: String,
}

/// The `kb_index_meta` keys kb-build owns.
pub const META_MODEL: &str = "embedding_model";
pub const META_DIMENSIONS: &str = "embedding_dimensions";
pub const META_QUERY_HINT: &str = "embedding_role_query_hint";
pub const META_EMBEDDER_ID: &str = "embedding_embedder_id";
pub const META_KEYS: [&str; 4] = [META_MODEL, META_DIMENSIONS, META_QUERY_HINT, META_EMBEDDER_ID];

impl EmbeddingMeta {
    /// The key/value rows of `kb_index_meta`.
    pub fn rows(&self) -> Vec<(&'static str, String)> {
        vec![
            (META_MODEL, self.model.clone()),
            (META_DIMENSIONS, self.dimensions.to_string()),
            (META_QUERY_HINT, self.query_hint.clone()),
            (META_EMBEDDER_ID, self.embedder_id.clone()),
        ]
    }
}

/// What a change set does to the embedding metadata; written in the same batch as the first vectors.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub enum MetaChange {
    #[default]
    Keep,
    /// Vectors of this embedder are being written.
    Set(EmbeddingMeta),
    /// Every stored document is rewritten without vectors (keyword only): forget the old embedder.
    Clear,
}

/// The difference between the sources and a store.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ChangeSet {
    pub collections: Vec<Collection>,
    pub upserts: Vec<Upsert>,
    pub deletes: Vec<Delete>,
    pub objects: Vec<SourceObject>,
    pub delete_objects: Vec<String>,
    /// Unix ms written to `updated_at`.
    pub now_ms: i64,
    pub index_meta: MetaChange,
}

impl ChangeSet {
    pub fn is_empty(&self) -> bool {
        self.collections.is_empty()
            && self.upserts.is_empty()
            && self.deletes.is_empty()
            && self.objects.is_empty()
            && self.delete_objects.is_empty()
    }

    /// Whether every document in `manifest` (what the store held) is rewritten or deleted.
    pub fn replaces_all(&self, manifest: &[ManifestRow]) -> bool {
        self.kept(manifest).next().is_none()
    }

    /// The stored documents this change set leaves as they are.
    pub fn kept<'a>(&'a self, manifest: &'a [ManifestRow]) -> impl Iterator<Item = &'a ManifestRow> + 'a {
        let replaced: std::collections::HashSet<&str> = self
            .upserts
            .iter()
            .map(|u| u.doc.id.as_str())
            .chain(self.deletes.iter().map(|d| d.id.as_str()))
            .collect();
        manifest.iter().filter(move |m| !replaced.contains(m.doc_id.as_str()))
    }

    pub fn chunk_count(&self) -> usize {
        self.upserts.iter().map(|u| u.doc.chunks.len()).sum()
    }

    /// Bytes of chunk text and source objects written.
    pub fn bytes(&self) -> u64 {
        let text: usize = self
            .upserts
            .iter()
            .flat_map(|u| &u.doc.chunks)
            .map(|c| c.text.len())
            .sum();
        let objects: usize = self.objects.iter().map(|o| o.body.len()).sum();
        (text + objects) as u64
    }
}
