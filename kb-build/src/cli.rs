//! Command-line arguments and their validation.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Parser, ValueEnum};
use nuzantara_shared::kb::chunk::ChunkerConfig;

use crate::embed::{Embedder, NoEmbedder, OpenAi, WorkersAi};
use crate::run::VectorOptions;
use crate::sources::Options;
use crate::store::cloudflare::CloudflareConfig;
use crate::vector_cache::VectorCache;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Target {
    /// The wrangler dev state in --persist-to (D1 + R2, vectors in kb_vectors).
    Local,
    /// Cloudflare REST APIs: D1, Vectorize, R2 (credentials from the environment).
    Cloudflare,
    /// Build and report only; write nothing.
    DryRun,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Switch {
    On,
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EmbedderKind {
    None,
    Openai,
    WorkersAi,
}

/// The environment variables kb-build reads (shown by `--help`).
pub const ENVIRONMENT: &str = "\
Environment:
  EMBEDDING_API_KEY        Bearer token for --embedder openai (optional; local servers need none)
  CLOUDFLARE_ACCOUNT_ID    --target cloudflare and --embedder workers-ai
  CLOUDFLARE_API_TOKEN     --target cloudflare and --embedder workers-ai
  CLOUDFLARE_API_BASE_URL  Cloudflare API base (default https://api.cloudflare.com/client/v4)
  D1_DATABASE_ID           --target cloudflare: the D1 database id
  VECTORIZE_INDEX          --target cloudflare: the Vectorize index (default nuzantara-kb)
  R2_BUCKET                --target cloudflare: the R2 bucket (default nuzantara-docs)
  NUZANTARA_ROOT           The repository root (wrangler.toml, scripts/, .cache/), when not found
                           from the working directory

The API token for --target cloudflare needs, on the account: D1 Edit (queries), Vectorize Edit (index
info, upsert, delete), Workers R2 Storage Edit (source objects), and Workers AI Read for --embedder
workers-ai.";

/// Builds the Nuzantara knowledge base and loads what changed into a store.
#[derive(Debug, Parser)]
#[command(name = "kb-build", version, after_help = ENVIRONMENT)]
pub struct Cli {
    /// Markdown knowledge base: one folder per collection.
    #[arg(long, default_value = "kb-build/kb")]
    pub kb_dir: PathBuf,
    /// Folder with kbli-2020.json, pp-28-2025-raw.txt and bali-zero-prices-2025.json.
    #[arg(long, default_value = "../shared/data/kb-sources")]
    pub data_dir: PathBuf,
    /// Leave out the data sources (KBLI, PP 28/2025, the price list): the authored knowledge base only, for a
    /// clone without `../shared` (what is already loaded from them is removed, as for any source that went away).
    #[arg(long, conflicts_with = "data_dir")]
    pub without_data: bool,
    /// Build only the --jsonl-collection collections (benchmarks).
    #[arg(long)]
    pub only_jsonl: bool,
    /// Extra collection from a JSONL(.gz) file of {_id, title, text} records.
    #[arg(long = "jsonl-collection", value_name = "NAME=PATH", value_parser = parse_named_path)]
    pub jsonl: Vec<(String, PathBuf)>,
    /// Where to write; the default only reports, so writing is always a deliberate choice.
    #[arg(long, value_enum, default_value = "dry-run")]
    pub target: Target,
    /// wrangler state directory for --target local (as given to `wrangler dev --persist-to`).
    #[arg(long, default_value = ".wrangler/state")]
    pub persist_to: PathBuf,
    /// Maximum chunk size in chars.
    #[arg(long, default_value_t = 1200)]
    pub chunk_size: usize,
    /// Overlap between consecutive chunks of a section, in chars.
    #[arg(long, default_value_t = 150)]
    pub chunk_overlap: usize,
    /// Vectors for semantic search; `none` leaves search keyword-only (FTS5/BM25).
    #[arg(long, value_enum, default_value = "none")]
    pub embedder: EmbedderKind,
    /// Base URL of an OpenAI-compatible API (POST {URL}/embeddings); key from EMBEDDING_API_KEY.
    #[arg(long)]
    pub embedding_url: Option<String>,
    /// Model name sent to the OpenAI-compatible API. Requests always carry `"input_type": "passage"`;
    /// model and role are part of every content hash and vector cache key.
    #[arg(long)]
    pub embedding_model: Option<String>,
    /// Send `"input_type": "passage"` with embedding requests (`off` for endpoints that refuse unknown fields,
    /// such as OpenAI's own API).
    #[arg(long, value_enum, default_value = "on")]
    pub embedding_input_type: Switch,
    /// Time allowed for one embedding request (a batch of up to 64 chunks), in seconds.
    #[arg(long, value_name = "SECS", default_value_t = crate::embed::DEFAULT_TIMEOUT_SECS,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub embedding_timeout_secs: u64,
    /// Expected vector size: vectors of any other size are an error (nothing is written).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub embedding_dimensions: Option<u64>,
    /// Vector cache directory: vectors already computed for the exact same input are reused across
    /// runs and stores. Default: <repo root>/.cache/embeddings.
    #[arg(long, value_name = "DIR")]
    pub vector_cache: Option<PathBuf>,
    /// Embed every changed chunk, reading and writing no vector cache.
    #[arg(long, conflicts_with = "vector_cache")]
    pub no_vector_cache: bool,
    /// Print only errors and the summary.
    #[arg(long)]
    pub quiet: bool,
}

fn parse_named_path(s: &str) -> Result<(String, PathBuf), String> {
    let (name, path) = s.split_once('=').ok_or("expected NAME=PATH")?;
    if name.is_empty() || path.is_empty() {
        return Err("expected NAME=PATH".into());
    }
    Ok((name.to_string(), PathBuf::from(path)))
}

impl Cli {
    pub fn chunker(&self) -> Result<ChunkerConfig> {
        let c = ChunkerConfig {
            size: self.chunk_size,
            overlap: self.chunk_overlap,
        };
        if let Err(e) = c.validate() {
            bail!("{e}");
        }
        Ok(c)
    }

    /// Creates the embedder, checking its settings up front.
    pub fn embedder(&self, cloudflare: Option<&CloudflareConfig>) -> Result<Box<dyn Embedder>> {
        Ok(match self.embedder {
            EmbedderKind::None => Box::new(NoEmbedder),
            EmbedderKind::Openai => {
                let (Some(url), Some(model)) = (&self.embedding_url, &self.embedding_model) else {
                    bail!("--embedder openai needs --embedding-url and --embedding-model");
                };
                if model.trim().is_empty() {
                    bail!("--embedding-model must not be empty");
                }
                let key = std::env::var("EMBEDDING_API_KEY").ok().filter(|k| !k.is_empty());
                let e = OpenAi::new(url, model, key).with_timeout(self.embedding_timeout());
                Box::new(match self.embedding_input_type {
                    Switch::On => e,
                    Switch::Off => e.without_role(),
                })
            }
            EmbedderKind::WorkersAi => {
                let cfg = match cloudflare {
                    Some(c) => c.clone(),
                    None => workers_ai_env()?,
                };
                Box::new(WorkersAi::new(&cfg.base, &cfg.account, &cfg.token).with_timeout(self.embedding_timeout()))
            }
        })
    }

    fn embedding_timeout(&self) -> Duration {
        Duration::from_secs(self.embedding_timeout_secs)
    }

    /// The vector cache directory, or `None` with --no-vector-cache.
    pub fn vector_cache_dir(&self) -> Option<PathBuf> {
        if self.no_vector_cache {
            return None;
        }
        Some(
            self.vector_cache
                .clone()
                .unwrap_or_else(|| repo_root().join(".cache").join("embeddings")),
        )
    }

    /// The vector cache (opened and loaded) and dimension check for `embedder`.
    pub fn vector_options(&self, embedder: &dyn Embedder) -> Result<VectorOptions> {
        if !embedder.enabled() {
            if self.embedding_dimensions.is_some() {
                bail!("--embedding-dimensions needs --embedder openai or workers-ai");
            }
            return Ok(VectorOptions::default());
        }
        let cache = match self.vector_cache_dir() {
            Some(dir) => Some(
                VectorCache::open(&dir, &embedder.id())
                    .context("opening the vector cache (--no-vector-cache runs without it)")?,
            ),
            None => None,
        };
        Ok(VectorOptions {
            cache,
            dimensions: self.embedding_dimensions.map(|d| d as usize),
        })
    }

    /// Build options; `embedder_settings` is [`crate::embed::settings`] of the embedder in use.
    pub fn options(&self, chunker: ChunkerConfig, embedder_settings: &str) -> Result<Options> {
        if !self.only_jsonl {
            require_dir(&self.kb_dir, "--kb-dir")?;
        }
        if self.only_jsonl && self.jsonl.is_empty() {
            bail!("--only-jsonl needs at least one --jsonl-collection NAME=PATH");
        }
        Ok(Options {
            kb_dir: (!self.only_jsonl).then(|| self.kb_dir.clone()),
            data_dir: (!self.only_jsonl && !self.without_data).then(|| self.data_dir.clone()),
            jsonl: self.jsonl.clone(),
            chunker,
            settings: format!("{};{embedder_settings}", chunker.fingerprint()),
        })
    }
}

/// Workers AI credentials without a Cloudflare target (e.g. local target with Workers AI vectors).
fn workers_ai_env() -> Result<CloudflareConfig> {
    let get = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let (Some(account), Some(token)) = (get("CLOUDFLARE_ACCOUNT_ID"), get("CLOUDFLARE_API_TOKEN")) else {
        bail!("--embedder workers-ai needs CLOUDFLARE_ACCOUNT_ID and CLOUDFLARE_API_TOKEN");
    };
    Ok(CloudflareConfig {
        base: get("CLOUDFLARE_API_BASE_URL").unwrap_or_else(|| "https://api.cloudflare.com/client/v4".into()),
        account,
        token,
        database: String::new(),
        index: String::new(),
        bucket: String::new(),
    })
}

fn require_dir(p: &Path, flag: &str) -> Result<()> {
    if !p.is_dir() {
        bail!("{}: {flag} directory not found", p.display());
    }
    Ok(())
}

/// The repository root (holding wrangler.toml and scripts/): `NUZANTARA_ROOT`, else the nearest
/// ancestor of the working directory that has both, else where this crate was built from.
pub fn repo_root() -> PathBuf {
    if let Some(r) = std::env::var_os("NUZANTARA_ROOT") {
        return PathBuf::from(r);
    }
    let is_root = |p: &Path| p.join("wrangler.toml").is_file() && p.join("scripts/kb-local-store.mjs").is_file();
    if let Ok(cwd) = std::env::current_dir() {
        if let Some(found) = cwd.ancestors().find(|p| is_root(p)) {
            return found.to_path_buf();
        }
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}
