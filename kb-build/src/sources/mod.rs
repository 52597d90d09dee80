//! Reads every source into documents and chunks, in memory, validating as it goes.

pub mod data;
pub mod jsonl;
pub mod markdown;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use nuzantara_shared::kb::chunk::ChunkerConfig;

use crate::error::InputError;
use crate::model::Build;

#[derive(Debug, Clone)]
pub struct Options {
    /// `kb-build/kb`: one folder per collection of Markdown files.
    pub kb_dir: Option<PathBuf>,
    /// The folder with `kbli-2020.json`, `pp-28-2025-raw.txt`, `bali-zero-prices-2025.json`.
    pub data_dir: Option<PathBuf>,
    /// Extra `NAME=PATH` JSONL collections (benchmarks).
    pub jsonl: Vec<(String, PathBuf)>,
    pub chunker: ChunkerConfig,
    /// Goes into every content hash: chunker settings and the embedder, so changing either rebuilds.
    pub settings: String,
}

pub fn build(opts: &Options) -> Result<Build, InputError> {
    let start = std::time::Instant::now();
    let mut build = Build::default();
    if let Some(dir) = &opts.kb_dir {
        markdown::load(dir, opts, &mut build)?;
    }
    if let Some(dir) = &opts.data_dir {
        data::load(dir, opts, &mut build)?;
    }
    for (name, path) in &opts.jsonl {
        jsonl::load(name, path, opts, &mut build)?;
    }
    check_unique(&build)?;
    build.seconds = start.elapsed().as_secs_f64();
    Ok(build)
}

/// Document ids and source paths are unique keys in `kb_documents`; catch clashes before writing.
fn check_unique(build: &Build) -> Result<(), InputError> {
    let mut ids: HashMap<&str, &str> = HashMap::new();
    let mut paths: HashMap<&str, &str> = HashMap::new();
    for d in &build.documents {
        if let Some(other) = ids.insert(&d.id, &d.source_path) {
            return Err(InputError::new(
                Path::new(&d.source_path),
                None,
                format!("document id {} is also produced by {other}", d.id),
            ));
        }
        if paths.insert(&d.source_path, &d.id).is_some() {
            return Err(InputError::new(
                Path::new(&d.source_path),
                None,
                "source path used twice",
            ));
        }
    }
    let mut names: Vec<&str> = build.collections.iter().map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(InputError::new(
            Path::new(w[0]),
            None,
            "collection defined by two sources",
        ));
    }
    Ok(())
}
