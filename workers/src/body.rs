//! Reading request bodies: size limit (413), content type (415), then JSON (400/422).

use nuzantara_shared::config::Config;
use nuzantara_shared::error::ApiResult;
use nuzantara_shared::http::{check_json_body, check_size, parse_json};
use serde::de::DeserializeOwned;
use worker::Request;

use crate::context::Ctx;
use crate::respond::internal;

pub async fn json<T: DeserializeOwned>(req: &mut Request, ctx: &Ctx) -> ApiResult<T> {
    parse(req, &ctx.config).await
}

/// [`json`] for handlers given the config rather than the context.
pub async fn parse<T: DeserializeOwned>(req: &mut Request, config: &Config) -> ApiResult<T> {
    let max = config.max_body_bytes;
    // Refuse early on a declared oversize body, before reading it.
    if let Some(len) = req
        .headers()
        .get("Content-Length")
        .ok()
        .flatten()
        .and_then(|v| v.parse::<usize>().ok())
    {
        check_size(len, max)?;
    }
    let content_type = req.headers().get("Content-Type").ok().flatten();
    let bytes = req.bytes().await.map_err(internal)?;
    check_json_body(content_type.as_deref(), &bytes, max)?;
    parse_json(&bytes)
}
