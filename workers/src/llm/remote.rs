//! One remote provider: builds the wire call with `shared::llm::wire`, sends it with `fetch` (or the
//! Workers AI binding), and turns the streamed body into deltas. A hung provider becomes a timeout
//! error, which the router treats like any other failure (retry, then fall back).

use futures_util::StreamExt;
use nuzantara_shared::config::{ProviderConfig, ProviderKind};
use nuzantara_shared::llm::wire::{http_call, ByteSource, DecodedStream, StreamDecoder};
use nuzantara_shared::llm::{workers_ai, ChatRequest, LlmProvider, ProviderError};
use std::rc::Rc;
use worker::{Ai, ByteStream, Fetch, Headers, Method, Request, RequestInit};

use crate::platform::within;

pub struct RemoteProvider {
    cfg: ProviderConfig,
    ai: Option<Rc<Ai>>,
    first_byte_ms: u64,
    idle_ms: u64,
}

impl RemoteProvider {
    /// `ai`: the `AI` binding, which a Workers AI provider calls; `timeout_ms` bounds the first byte and
    /// every pause after it (`PROVIDER_TIMEOUT_MS`).
    pub fn new(ai: Option<Rc<Ai>>, timeout_ms: u64, cfg: ProviderConfig) -> Self {
        Self {
            cfg,
            ai,
            first_byte_ms: timeout_ms,
            idle_ms: timeout_ms,
        }
    }
}

/// The response body, each read bounded by the idle timeout.
pub struct Body {
    stream: Option<ByteStream>,
    idle_ms: u64,
}

impl ByteSource for Body {
    async fn next_chunk(&mut self) -> Option<Result<Vec<u8>, ProviderError>> {
        let stream = self.stream.as_mut()?;
        match within(self.idle_ms, stream.next()).await {
            None => Some(Err(ProviderError::timeout(format!("no data for {} ms", self.idle_ms)))),
            Some(None) => None,
            Some(Some(Ok(bytes))) => Some(Ok(bytes)),
            Some(Some(Err(e))) => Some(Err(ProviderError::connection(e.to_string()))),
        }
    }
}

impl LlmProvider for RemoteProvider {
    type Stream = DecodedStream<Body>;

    fn name(&self) -> &str {
        &self.cfg.name
    }

    fn model(&self) -> &str {
        &self.cfg.model
    }

    async fn start(&self, req: &ChatRequest) -> Result<Self::Stream, ProviderError> {
        let decoder = StreamDecoder::for_kind(self.cfg.kind)
            .ok_or_else(|| ProviderError::status(400, "offline is not a remote provider"))?;
        let stream = match self.cfg.kind {
            ProviderKind::WorkersAi => self.start_binding(req).await?,
            _ => self.start_http(req).await?,
        };
        Ok(DecodedStream::new(
            Body {
                stream: Some(stream),
                idle_ms: self.idle_ms,
            },
            decoder,
        ))
    }
}

impl RemoteProvider {
    async fn start_http(&self, req: &ChatRequest) -> Result<ByteStream, ProviderError> {
        let call = http_call(&self.cfg, req, true)?;
        let headers = Headers::new();
        for (k, v) in &call.headers {
            headers
                .set(k, v)
                .map_err(|e| ProviderError::status(400, e.to_string()))?;
        }
        let mut init = RequestInit::new();
        init.with_method(Method::Post)
            .with_headers(headers)
            .with_body(Some(call.body.into()));
        let request =
            Request::new_with_init(&call.url, &init).map_err(|e| ProviderError::status(400, e.to_string()))?;
        let mut resp = match within(self.first_byte_ms, Fetch::Request(request).send()).await {
            None => {
                return Err(ProviderError::timeout(format!(
                    "no response in {} ms",
                    self.first_byte_ms
                )))
            }
            Some(Err(e)) => return Err(ProviderError::connection(e.to_string())),
            Some(Ok(r)) => r,
        };
        let status = resp.status_code();
        if !(200..300).contains(&status) {
            let header = |name: &str| resp.headers().get(name).ok().flatten();
            let retry_after = header("retry-after");
            let retry_after_ms = header("retry-after-ms");
            let body = within(self.idle_ms, resp.text())
                .await
                .and_then(Result::ok)
                .unwrap_or_default();
            let lookup = |name: &str| match name.to_ascii_lowercase().as_str() {
                "retry-after" => retry_after.clone(),
                "retry-after-ms" => retry_after_ms.clone(),
                _ => None,
            };
            return Err(ProviderError::from_http(status, lookup, &body));
        }
        resp.stream().map_err(|e| ProviderError::connection(e.to_string()))
    }

    async fn start_binding(&self, req: &ChatRequest) -> Result<ByteStream, ProviderError> {
        let ai = self
            .ai
            .as_ref()
            .ok_or_else(|| ProviderError::status(400, "the worker has no AI binding"))?;
        let input = workers_ai::input(req, true);
        let out = match within(self.first_byte_ms, ai.run_bytes(&self.cfg.model, input)).await {
            None => {
                return Err(ProviderError::timeout(format!(
                    "Workers AI gave nothing in {} ms",
                    self.first_byte_ms
                )))
            }
            Some(Err(e)) => return Err(workers_ai::error_from_binding(&e.to_string())),
            Some(Ok(s)) => s,
        };
        Ok(out)
    }
}
