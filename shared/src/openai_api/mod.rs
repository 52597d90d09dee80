//! The OpenAI API as this service speaks it on `/v1`, free of the runtime: request parsing and validation
//! ([`completion`], [`embeddings`]), the chat completion chunk sequence and response ([`chunks`]), and
//! OpenAI's error shape ([`errors`]). The worker's handlers only move bytes between these and the turn.

pub mod chunks;
pub mod completion;
pub mod embeddings;
pub mod errors;
pub mod models;

/// The model name clients use for "let the router choose".
pub const AUTO: &str = "nuzantara";
/// The alias of the configured embedding model in `/v1/models` and `/v1/embeddings`.
pub const EMBEDDING_ALIAS: &str = "nuzantara-embedding";
