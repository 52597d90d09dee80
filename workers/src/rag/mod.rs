//! Knowledge-base search and documents: handlers over the shared search pipeline.

mod d1_index;
pub mod embed;
mod embeddings;
mod rerank;
pub mod vectors;

use nuzantara_shared::chat::turn::Retriever;
use nuzantara_shared::error::{ApiError, ApiResult};
use nuzantara_shared::search::pipeline;
use nuzantara_shared::search::rerank::LexicalReranker;
use nuzantara_shared::search::{SearchOutcome, SearchRequest, ValidSearch};
use serde::Deserialize;
use serde_json::json;
use std::rc::Rc;
use wasm_bindgen::JsValue;
use worker::{Ai, Bucket, KvStore, Request};

use crate::context::{self, Ctx};
use crate::respond::{self, internal, HandlerResult};
use crate::{body, platform};

pub use d1_index::D1Kb;
pub use embeddings::create as embeddings;

/// What search and the knowledge-base routes need: the index in D1, the KV search cache, the documents'
/// bucket, the config, and the optional `AI` and `VECTORIZE` bindings (a deployment without them searches by
/// keywords; one whose config names them and lacks them fails the search with a 500 that says so).
pub struct Deps {
    pub kb: D1Kb,
    pub kv: KvStore,
    pub docs: Bucket,
    pub config: Rc<nuzantara_shared::config::Config>,
    pub ai: Option<Rc<Ai>>,
    pub vectorize: Option<JsValue>,
}

impl Deps {
    /// Taken once at the router boundary (and by the chat and tools, which search).
    pub fn of(ctx: &Ctx) -> ApiResult<Self> {
        Ok(Self {
            kb: D1Kb::new(ctx.db()?),
            kv: ctx.kv()?,
            docs: ctx.docs()?,
            config: ctx.config.clone(),
            ai: ctx.ai(),
            vectorize: ctx.vectorize(),
        })
    }
}

/// `POST /api/search`
pub async fn search(mut req: Request, d: &Deps) -> HandlerResult {
    let request: SearchRequest = body::read_json(&mut req, d.config.max_body_bytes).await?;
    let valid = validate(request, &d.kb).await?;
    let started = platform::clock_ms();

    // The key (a SHA-256 of the normalised request) only when there is a cache to ask.
    let caching = d.config.search_cache_ttl_secs > 0;
    let cache_key = if caching {
        valid.cache_key(d.config.embedder.mode())
    } else {
        String::new()
    };
    let kv = &d.kv;
    if caching {
        let cached = kv.get(&cache_key).text().await.ok().flatten();
        // Anything but a whole stored answer (e.g. a truncated write) is treated as a miss.
        if let Some(hit) = cached
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .filter(|v| v["results"].is_array())
        {
            context::metrics(|m| m.incr("search_cache_hits", "Search answers served from the KV cache."));
            return respond::json(200, &Timed::new(&hit, true, started));
        }
        context::metrics(|m| m.incr("search_cache_misses", "Search answers computed (not in the KV cache)."));
    }

    let found = run(&valid, d).await?;
    // A keyword fallback for a failed embedder is not cached: the next search should try vectors again.
    if caching && !found.degraded {
        let stored = serde_json::to_string(&found).map_err(internal)?;
        // A cache write failure must not fail the search.
        if let Ok(put) = kv.put(&cache_key, stored) {
            let _ = put
                .expiration_ttl(d.config.search_cache_ttl_secs.max(60))
                .execute()
                .await;
        }
    }
    respond::json(200, &Timed::new(&found, false, started))
}

/// Checks a search request. The collection list is read only to check collections the request names (one D1
/// round trip saved on every other search).
pub async fn validate(request: SearchRequest, kb: &D1Kb) -> ApiResult<ValidSearch> {
    let known = if request.names_collections() {
        kb.collection_names().await?
    } else {
        Vec::new()
    };
    request.validate(&known)
}

/// The chat engine's retrieval port: this pipeline, as configured.
impl Retriever for Deps {
    async fn retrieve(&self, search: &ValidSearch) -> ApiResult<SearchOutcome> {
        run(search, self).await
    }
}

/// Runs the pipeline with the configured vector index, embedder and reranker.
pub async fn run(valid: &ValidSearch, d: &Deps) -> ApiResult<SearchOutcome> {
    let kb = &d.kb;
    let embedder = embed::from_config(&d.config, d.ai.as_ref())?;
    let vectors = vectors::from_config(&d.config, kb.db(), d.vectorize.as_ref())?;
    match rerank::from_config(&d.config, d.ai.as_ref())? {
        rerank::Configured::Local => pipeline::search(valid, kb, &vectors, &embedder, &LexicalReranker).await,
        rerank::Configured::WorkersAi(r) => pipeline::search(valid, kb, &vectors, &embedder, &r).await,
    }
}

/// A search answer with whether it came from the cache and how long it took, serialised in one pass (not
/// through a `serde_json::Value` copy of the whole answer).
#[derive(serde::Serialize)]
struct Timed<'a, T: serde::Serialize> {
    #[serde(flatten)]
    answer: &'a T,
    cached: bool,
    took_ms: f64,
}

impl<'a, T: serde::Serialize> Timed<'a, T> {
    fn new(answer: &'a T, cached: bool, started: f64) -> Self {
        Self {
            answer,
            cached,
            took_ms: platform::clock_ms() - started,
        }
    }
}

/// `GET /api/collections`
pub async fn collections(d: &Deps) -> HandlerResult {
    respond::json(200, &json!({ "collections": d.kb.collection_stats().await? }))
}

#[derive(Deserialize)]
struct DocQuery {
    raw: Option<String>,
}

/// `GET /api/documents/{id}`: metadata and text of a knowledge-base document; `?raw=1` streams the
/// source file from R2 with its content type.
pub async fn document(id: &str, req: &Request, d: &Deps) -> HandlerResult {
    if id.len() > 300 || id.contains("..") {
        return Err(ApiError::validation("not a document id"));
    }
    let doc =
        d.kb.document(id)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("no document {id}")))?;
    let raw = req
        .query::<DocQuery>()
        .ok()
        .and_then(|q| q.raw)
        .is_some_and(|r| r == "1" || r == "true");
    if raw {
        let key = doc["r2_key"]
            .as_str()
            .ok_or_else(|| ApiError::not_found("this document has no stored source"))?;
        let obj = d.docs.get(key).execute().await.map_err(internal)?;
        let obj = obj.ok_or_else(|| ApiError::not_found("the source file is not in storage"))?;
        let ct = obj
            .http_metadata()
            .content_type
            .unwrap_or_else(|| guess_type(key).to_string());
        let bytes = obj
            .body()
            .ok_or_else(|| ApiError::not_found("empty source"))?
            .bytes()
            .await
            .map_err(internal)?;
        let mut resp = worker::Response::from_bytes(bytes).map_err(internal)?;
        resp.headers_mut().set("Content-Type", &ct).map_err(internal)?;
        return Ok(resp);
    }
    respond::json(200, &doc)
}

fn guess_type(key: &str) -> &'static str {
    match key.rsplit('.').next() {
        Some("md") => "text/markdown; charset=utf-8",
        Some("json") => "application/json; charset=utf-8",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}
