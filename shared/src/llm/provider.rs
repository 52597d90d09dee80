//! The traits the worker implements for each provider (and the offline provider implements too; the two
//! meet in one candidate list in `backend.rs`).
#![allow(async_fn_in_trait)] // single-threaded WASM: the futures need not be Send.

use super::error::ProviderError;
use super::types::{ChatRequest, Delta};

/// A started response. `None` after `Done` or after an error.
pub trait DeltaStream {
    async fn next(&mut self) -> Option<Result<Delta, ProviderError>>;
}

/// One configured provider and model. `start` makes the request and fails with the HTTP status (via
/// [`ProviderError::from_http`]) before any byte of the body is read.
pub trait LlmProvider {
    type Stream: DeltaStream;
    /// The provider name of the config and the routing policy, e.g. `anthropic`.
    fn name(&self) -> &str;
    /// The model, for cost estimates and the response metadata.
    fn model(&self) -> &str;
    async fn start(&self, req: &ChatRequest) -> Result<Self::Stream, ProviderError>;
}

/// An LLM provider the router may use; only those with credentials (or needing none) are listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderConfig {
    pub name: String,
    pub kind: ProviderKind,
    pub base_url: String,
    pub api_key: Option<String>,
    pub model: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderKind {
    Anthropic,
    OpenAiCompatible,
    WorkersAi,
    Offline,
}
