//! Query embeddings: Workers AI (`@cf/baai/bge-m3`) in production, any OpenAI-compatible
//! `/embeddings` endpoint by URL, or none (keyword-only search).

use nuzantara_shared::config::EmbedderConfig;
use nuzantara_shared::error::{ApiError, ApiResult};
use nuzantara_shared::search::Embedder;
use serde_json::{json, Value};
use worker::{Ai, Fetch, Headers, Method, Request, RequestInit};

use crate::context::Ctx;
use crate::respond::{internal, upstream};

pub enum QueryEmbedder {
    None,
    WorkersAi {
        ai: Ai,
        model: String,
    },
    OpenAi {
        url: String,
        model: String,
        key: Option<String>,
    },
}

pub fn from_config(ctx: &Ctx) -> ApiResult<QueryEmbedder> {
    Ok(match &ctx.config.embedder {
        EmbedderConfig::None => QueryEmbedder::None,
        EmbedderConfig::WorkersAi { model } => QueryEmbedder::WorkersAi {
            ai: ctx.env.ai("AI").map_err(internal)?,
            model: model.clone(),
        },
        EmbedderConfig::OpenAiCompatible {
            base_url,
            model,
            api_key,
        } => QueryEmbedder::OpenAi {
            url: format!("{base_url}/embeddings"),
            model: model.clone(),
            key: api_key.clone(),
        },
    })
}

impl Embedder for QueryEmbedder {
    fn available(&self) -> bool {
        !matches!(self, QueryEmbedder::None)
    }

    async fn embed_query(&self, text: &str) -> Result<Option<Vec<f32>>, ApiError> {
        let value: Value = match self {
            QueryEmbedder::None => return Ok(None),
            QueryEmbedder::WorkersAi { ai, model } => {
                let out: Value = ai.run(model, json!({ "text": [text] })).await.map_err(upstream)?;
                out["data"][0].clone()
            }
            QueryEmbedder::OpenAi { url, model, key } => {
                let headers = Headers::new();
                headers.set("Content-Type", "application/json").map_err(internal)?;
                if let Some(k) = key {
                    headers.set("Authorization", &format!("Bearer {k}")).map_err(internal)?;
                }
                let body = json!({ "model": model, "input": [text] }).to_string();
                let mut init = RequestInit::new();
                init.with_method(Method::Post)
                    .with_headers(headers)
                    .with_body(Some(body.into()));
                let req = Request::new_with_init(url, &init).map_err(internal)?;
                let mut resp = Fetch::Request(req).send().await.map_err(upstream)?;
                if resp.status_code() >= 300 {
                    return Err(ApiError::upstream(format!(
                        "embeddings endpoint answered {}",
                        resp.status_code()
                    )));
                }
                let out: Value = resp.json().await.map_err(upstream)?;
                out["data"][0]["embedding"].clone()
            }
        };
        let vector: Vec<f32> = serde_json::from_value(value)
            .map_err(|e| ApiError::upstream(format!("embedding response without a vector: {e}")))?;
        if vector.is_empty() {
            return Err(ApiError::upstream("embedding response had an empty vector"));
        }
        Ok(Some(vector))
    }
}
