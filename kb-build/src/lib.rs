//! kb-build: turns the knowledge-base sources into documents and chunks, and loads only what changed
//! into a store: the local wrangler state (`--target local`), Cloudflare (`--target cloudflare`), or
//! nothing (`--target dry-run`, the default).
//!
//! ```text
//! scripts/load-kb.sh [--persist-to DIR]            # the usual local load (release build)
//! kb-build --target local --persist-to DIR         # from the repository root
//! kb-build --target local --only-jsonl --jsonl-collection scifact=../shared/data/bench/scifact/corpus.jsonl.gz
//! ```
//!
//! Every source is read, validated and chunked in memory first ([`sources::build`]), so a bad file stops
//! the build before any store is opened. Each document carries a content hash (source bytes + chunker
//! and embedder settings); [`plan::plan`] compares it with the store's manifest and writes only the
//! documents that changed, deleting those gone from the sources within the collections being built.
//!
//! Vectors (`--embedder openai|workers-ai`) come from the vector cache ([`vector_cache`], default
//! `<repo>/.cache/embeddings/`) where the exact input was embedded before, and from the embedder for the
//! rest; they are complete and checked before the store receives anything ([`run::apply_build`]). The
//! store records the embedder (`kb_index_meta`) and refuses vectors of another model or size unless
//! everything it holds is being rewritten.

pub mod cli;
pub mod embed;
pub mod error;
pub mod http;
pub mod model;
pub mod plan;
pub mod report;
pub mod run;
pub mod sources;
pub mod store;
pub mod vector_cache;
