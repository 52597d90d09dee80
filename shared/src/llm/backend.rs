//! [`Backend`]: the worker's provider type and the built-in offline provider in one candidate list, so the
//! router sees one `LlmProvider` type.
#![allow(async_fn_in_trait)] // single-threaded WASM: the futures need not be Send.

use super::error::ProviderError;
use super::offline::{OfflineProvider, OfflineStream};
use super::provider::{DeltaStream, LlmProvider};
use super::types::{ChatRequest, Delta};

/// A candidate of the router: the worker's remote provider, or the offline one.
pub enum Backend<P> {
    Remote(P),
    Offline(OfflineProvider),
}

pub enum BackendStream<S> {
    Remote(S),
    Offline(OfflineStream),
}

impl<S: DeltaStream> DeltaStream for BackendStream<S> {
    async fn next(&mut self) -> Option<Result<Delta, ProviderError>> {
        match self {
            Self::Remote(s) => s.next().await,
            Self::Offline(s) => s.next().await,
        }
    }
}

impl<P: LlmProvider> LlmProvider for Backend<P> {
    type Stream = BackendStream<P::Stream>;

    fn name(&self) -> &str {
        match self {
            Self::Remote(p) => p.name(),
            Self::Offline(p) => p.name(),
        }
    }

    fn model(&self) -> &str {
        match self {
            Self::Remote(p) => p.model(),
            Self::Offline(p) => p.model(),
        }
    }

    async fn start(&self, req: &ChatRequest) -> Result<Self::Stream, ProviderError> {
        match self {
            Self::Remote(p) => p.start(req).await.map(BackendStream::Remote),
            Self::Offline(p) => p.start(req).await.map(BackendStream::Offline),
        }
    }
}
