//! One build: read sources → compare with the store → embed what changed → write it → report.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::Result;

use crate::embed::{embed_changes, Embedder};
use crate::model::Build;
use crate::plan::plan;
use crate::report::{collection_lines, Summary};
use crate::sources::{self, Options};
use crate::store::Store;

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Builds the sources, then runs against `store` (see [`apply_build`]).
pub fn run(
    opts: &Options,
    store: &mut dyn Store,
    embedder: &mut dyn Embedder,
    write: bool,
    verbose: bool,
) -> Result<Summary> {
    let start = Instant::now();
    let build = sources::build(opts)?;
    apply_build(&build, start, store, embedder, write, verbose)
}

/// Compares an already validated build with `store` and writes the difference. The caller builds first,
/// so invalid input never reaches a store. With `write == false` (dry run) nothing is embedded or applied.
pub fn apply_build(
    build: &Build,
    start: Instant,
    store: &mut dyn Store,
    embedder: &mut dyn Embedder,
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
            say(&format!(
                "embedding {} chunks with {}",
                changes.chunk_count(),
                embedder.id()
            ));
            let mut last = Instant::now();
            embed_changes(embedder, &mut changes, |done, total| {
                if verbose && (last.elapsed().as_secs() >= 5 || done == total) {
                    println!("  … {done}/{total} chunks embedded");
                    last = Instant::now();
                }
            })?;
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
