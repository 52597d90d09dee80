//! What the worker needs to talk to a provider over HTTP: the call to make, and a stream that turns the
//! response body's byte chunks into deltas. The worker only moves bytes.

use std::collections::VecDeque;

use super::anthropic::{self, AnthropicDecoder};
use super::error::ProviderError;
use super::openai::{self, OpenAiDecoder};
use super::provider::DeltaStream;
use super::provider::{ProviderConfig, ProviderKind};
use super::sse_decode::DeltaDecoder;
use super::types::{ChatRequest, Delta};
use super::workers_ai;

/// The decoder for a provider kind: the worker picks it from the config and never matches on formats.
pub enum StreamDecoder {
    Anthropic(AnthropicDecoder),
    OpenAi(OpenAiDecoder),
}

impl StreamDecoder {
    /// `None` for the offline provider, which has no wire.
    pub fn for_kind(kind: ProviderKind) -> Option<Self> {
        match kind {
            ProviderKind::Anthropic => Some(Self::Anthropic(AnthropicDecoder::new())),
            ProviderKind::OpenAiCompatible => Some(Self::OpenAi(OpenAiDecoder::new())),
            ProviderKind::WorkersAi => Some(Self::OpenAi(OpenAiDecoder::workers_ai())),
            ProviderKind::Offline => None,
        }
    }
}

impl DeltaDecoder for StreamDecoder {
    fn feed(&mut self, bytes: &[u8], out: &mut Vec<Delta>) -> Result<(), ProviderError> {
        match self {
            Self::Anthropic(d) => d.feed(bytes, out),
            Self::OpenAi(d) => d.feed(bytes, out),
        }
    }
    fn finish(&mut self, out: &mut Vec<Delta>) -> Result<(), ProviderError> {
        match self {
            Self::Anthropic(d) => d.finish(out),
            Self::OpenAi(d) => d.finish(out),
        }
    }
}

/// A POST to make. The body is JSON text, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpCall {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// The HTTP call for an Anthropic or OpenAI-compatible provider. Workers AI goes through the binding
/// ([`workers_ai::input`]) and offline through [`super::offline`], so they are refused here (as a 400,
/// which does not trip the breaker: it is a wiring mistake, not an outage).
pub fn http_call(cfg: &ProviderConfig, req: &ChatRequest, stream: bool) -> Result<HttpCall, ProviderError> {
    let key = || {
        cfg.api_key
            .as_deref()
            .ok_or_else(|| ProviderError::status(401, format!("{}: no API key configured", cfg.name)))
    };
    let (url, headers, body) = match cfg.kind {
        ProviderKind::Anthropic => (
            anthropic::url(&cfg.base_url),
            anthropic::headers(key()?),
            anthropic::request_body(&cfg.model, req, stream),
        ),
        ProviderKind::OpenAiCompatible => (
            openai::url(&cfg.base_url),
            openai::headers(key()?),
            openai::request_body(&cfg.model, req, stream),
        ),
        ProviderKind::WorkersAi | ProviderKind::Offline => {
            return Err(ProviderError::status(
                400,
                format!("{} is not an HTTP provider", cfg.name),
            ))
        }
    };
    Ok(HttpCall {
        url,
        headers,
        body: body.to_string(),
    })
}

/// A whole (non-streaming) response body, as the deltas a stream would have produced.
pub fn parse_response(kind: ProviderKind, body: &str) -> Result<Vec<Delta>, ProviderError> {
    match kind {
        ProviderKind::Anthropic => anthropic::parse_response(body),
        ProviderKind::OpenAiCompatible => openai::parse_response(body),
        ProviderKind::WorkersAi => workers_ai::parse_response(body),
        ProviderKind::Offline => Err(ProviderError::status(400, "offline has no wire format")),
    }
}

/// The response body as the worker reads it: `None` at the end. Read timeouts and resets are the
/// worker's to detect and report as [`ProviderError::timeout`] / [`ProviderError::connection`].
#[allow(async_fn_in_trait)] // single-threaded WASM: the futures need not be Send.
pub trait ByteSource {
    async fn next_chunk(&mut self) -> Option<Result<Vec<u8>, ProviderError>>;
}

/// Bytes in, deltas out: the stream type of every HTTP or binding provider.
pub struct DecodedStream<B, D = StreamDecoder> {
    source: B,
    decoder: D,
    queue: VecDeque<Delta>,
    /// Delivered after the deltas decoded before it.
    error: Option<ProviderError>,
    ended: bool,
}

impl<B: ByteSource, D: DeltaDecoder> DecodedStream<B, D> {
    pub fn new(source: B, decoder: D) -> Self {
        Self {
            source,
            decoder,
            queue: VecDeque::new(),
            error: None,
            ended: false,
        }
    }
}

impl<B: ByteSource, D: DeltaDecoder> DeltaStream for DecodedStream<B, D> {
    async fn next(&mut self) -> Option<Result<Delta, ProviderError>> {
        loop {
            if let Some(d) = self.queue.pop_front() {
                return Some(Ok(d));
            }
            if let Some(e) = self.error.take() {
                return Some(Err(e));
            }
            if self.ended {
                return None;
            }
            let mut out = Vec::new();
            let result = match self.source.next_chunk().await {
                Some(Ok(bytes)) => self.decoder.feed(&bytes, &mut out),
                Some(Err(e)) => Err(e),
                None => {
                    self.ended = true;
                    self.decoder.finish(&mut out)
                }
            };
            self.queue.extend(out);
            if let Err(e) = result {
                self.error = Some(e);
                self.ended = true;
            }
        }
    }
}

#[cfg(test)]
#[path = "wire_tests.rs"]
mod tests;
