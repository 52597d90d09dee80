//! One build: read sources → compare with the store → embed what changed → write it → report.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};

use crate::embed::{check_store, embed_changes, Embedder};
use crate::model::{Build, EmbeddingMeta, MetaChange};
use crate::plan::plan;
use crate::report::{collection_lines, Summary};
use crate::sources::{self, Options};
use crate::store::Store;
use crate::vector_cache::VectorCache;

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// "42 s", "7 min".
fn duration(secs: f64) -> String {
    if secs < 90.0 {
        format!("{secs:.0} s")
    } else {
        format!("{:.0} min", secs / 60.0)
    }
}

/// How vectors are obtained and checked, beyond the embedder itself.
#[derive(Default)]
pub struct VectorOptions {
    /// The vector cache of the embedder (`None`: every changed chunk goes to the embedder).
    pub cache: Option<VectorCache>,
    /// `--embedding-dimensions`: vectors of any other size are an error.
    pub dimensions: Option<usize>,
}

/// Builds the sources, then runs against `store` (see [`apply_build`]); no vector cache.
pub fn run(
    opts: &Options,
    store: &mut dyn Store,
    embedder: &mut dyn Embedder,
    write: bool,
    verbose: bool,
) -> Result<Summary> {
    run_with(opts, store, embedder, &mut VectorOptions::default(), write, verbose)
}

/// [`run`] with a vector cache and dimension check.
pub fn run_with(
    opts: &Options,
    store: &mut dyn Store,
    embedder: &mut dyn Embedder,
    vectors: &mut VectorOptions,
    write: bool,
    verbose: bool,
) -> Result<Summary> {
    let start = Instant::now();
    let build = sources::build(opts)?;
    apply_build(&build, start, store, embedder, vectors, write, verbose)
}

/// Compares an already validated build with `store` and writes the difference. The caller builds first,
/// so invalid input never reaches a store. With `write == false` (dry run) nothing is embedded or applied.
///
/// Vectors are complete and checked (count, dimensions, the store's model and size) before the store
/// receives anything: a failing embedder or a mismatch leaves the store as it was.
pub fn apply_build(
    build: &Build,
    start: Instant,
    store: &mut dyn Store,
    embedder: &mut dyn Embedder,
    vectors: &mut VectorOptions,
    write: bool,
    verbose: bool,
) -> Result<Summary> {
    let say = |s: &str| {
        if verbose {
            println!("{s}");
        }
    };
    for w in &build.warnings {
        eprintln!("warning: {w}");
    }
    for n in &build.notes {
        say(&format!("note: {n}"));
    }
    let manifest = store.manifest()?;
    let stored = store.collections()?;
    let mut changes = plan(build, &manifest, &stored, now_ms());
    say(&format!(
        "built {} documents in {} collections ({:.2} s):",
        build.documents.len(),
        build.collections.len(),
        build.seconds
    ));
    for line in collection_lines(build, &changes) {
        say(&line);
    }
    let mut summary = Summary {
        documents: build.documents.len(),
        changed: changes.upserts.len(),
        deleted: changes.deletes.len(),
        chunks_total: build.documents.iter().map(|d| d.chunks.len()).sum(),
        ..Summary::default()
    };
    if changes.is_empty() {
        say("no changes");
    } else if write {
        if embedder.enabled() && !changes.upserts.is_empty() {
            let id = embedder.id();
            // What the store holds is checked before embedding (model, and size when already known
            // from --embedding-dimensions or the cache) and again with the vectors' actual size.
            let held = store.stored_vectors()?;
            let known_dims = vectors
                .dimensions
                .or(vectors.cache.as_ref().and_then(VectorCache::dims));
            check_store(&held, &id, known_dims, &manifest, &changes)?;
            let cached = vectors.cache.as_ref().map_or(0, VectorCache::len);
            say(&format!(
                "embedding {} chunks with {id} ({})",
                changes.chunk_count(),
                match &vectors.cache {
                    Some(c) => format!("vector cache {}: {cached} entries", c.path().display()),
                    None => "no vector cache".into(),
                }
            ));
            let (began, mut last) = (Instant::now(), Instant::now());
            let stats = embed_changes(
                embedder,
                vectors.cache.as_mut(),
                vectors.dimensions,
                &mut changes,
                |done, total| {
                    if verbose && (last.elapsed().as_secs() >= 5 || done == total) {
                        let rate = done as f64 / began.elapsed().as_secs_f64().max(1e-3);
                        let left = (total - done) as f64 / rate.max(1e-3);
                        println!(
                            "  … {done}/{total} texts embedded ({rate:.1}/s, about {} left)",
                            duration(left)
                        );
                        last = Instant::now();
                    }
                },
            )
            .with_context(|| format!("embedding with {id} failed; nothing was written to the store"))?;
            check_store(&held, &id, Some(stats.dimensions), &manifest, &changes)
                .context("nothing was written to the store")?;
            changes.index_meta = MetaChange::Set(EmbeddingMeta {
                embedder_id: id,
                model: embedder.model(),
                dimensions: stats.dimensions,
                query_hint: embedder.query_hint(),
            });
            summary.vectors = Some(stats);
        } else if !embedder.enabled() && !manifest.is_empty() && changes.replaces_all(&manifest) {
            // Everything is rewritten keyword-only: no vector of the old embedder survives.
            changes.index_meta = MetaChange::Clear;
        }
        store.apply(&changes)?;
        summary.chunks_written = changes.chunk_count();
        summary.bytes = changes.bytes();
    } else {
        say("dry run: nothing written");
    }
    summary.seconds = start.elapsed().as_secs_f64();
    say(&summary.line());
    Ok(summary)
}
