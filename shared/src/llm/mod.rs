//! LLM routing and provider wire formats, free of any runtime: the worker supplies HTTP and time.
//!
//! - [`types`]: provider-neutral messages, tools and stream [`Delta`]s.
//! - [`anthropic`], [`openai`], [`workers_ai`]: request bodies and response decoders per wire format,
//!   over the generic [`sse_decode`]; [`wire`] picks them by provider kind.
//! - [`policy`] (with [`classify`]): which providers to try for a question, and what they cost.
//! - [`breaker`], [`retry`]: when to stop calling a provider, and when to call it again.
//! - [`router`]: the fallback loop over the [`LlmProvider`] trait the worker implements.
//! - [`offline`]: the provider that needs nothing, answering from retrieved passages and tool results.

pub mod anthropic;
pub mod backend;
pub mod breaker;
pub mod classify;
pub mod error;
pub mod offline;
pub mod openai;
mod overlap;
pub mod policy;
pub mod provider;
pub mod retry;
pub mod router;
pub mod sse_decode;
pub mod types;
pub mod wire;
pub mod workers_ai;

#[cfg(test)]
pub(crate) mod test_util;

pub use backend::Backend;
pub use breaker::{BreakerConfig, BreakerSet, BreakerState};
pub use error::{ErrorKind, ProviderError};
pub use offline::{Lang, OfflineContext, OfflineProvider, Passage, ToolResult};
pub use policy::{CostTable, ModelCost, QueryClass, RoutePlan, RoutingPolicy};
pub use provider::{DeltaStream, LlmProvider};
pub use retry::RetryPolicy;
pub use router::{Attempt, ChatSink, FallbackNotice, RouteError, RouteOutcome, Router, SinkClosed, Sleeper};
pub use sse_decode::DeltaDecoder;
pub use types::{ChatMessage, ChatRequest, Delta, Role, StopReason, ToolCall, ToolChoice, ToolSpec, Usage};
pub use wire::{ByteSource, DecodedStream, HttpCall, StreamDecoder};
