//! Liveness, per-store readiness, and the Prometheus exposition.

use nuzantara_shared::config::{EmbedderConfig, ProviderKind};
use serde_json::{json, Value};

use nuzantara_shared::search::{Embedder, VectorIndex};

use crate::context::{self, Ctx};
use crate::platform::clock_ms;
use crate::rag;
use crate::respond::{self, HandlerResult};

/// Cheap liveness: touches no store.
pub fn health(ctx: &Ctx) -> HandlerResult {
    respond::json(
        200,
        &json!({ "status": "ok", "service": "nuzantara", "request_id": ctx.request_id }),
    )
}

/// Pings each store and reports each configured provider, with latency and mode. 503 if a store is down.
pub async fn detailed(ctx: &Ctx) -> HandlerResult {
    let d1 = timed(async {
        let db = ctx.env.d1("DB")?;
        db.prepare("SELECT COUNT(*) AS n FROM kb_chunks")
            .first::<Value>(None)
            .await
            .map(|v| json!({ "kb_chunks": v.and_then(|v| v.get("n").cloned()).unwrap_or(json!(0)) }))
    })
    .await;
    let kv = timed(async {
        let kv = ctx.env.kv("KV").map_err(|e| worker::Error::RustError(e.to_string()))?;
        kv.get("health:probe")
            .text()
            .await
            .map_err(|e| worker::Error::RustError(e.to_string()))?;
        Ok(json!({}))
    })
    .await;
    let r2 = timed(async {
        ctx.env.bucket("DOCS")?.head("health:probe").await?;
        Ok(json!({}))
    })
    .await;

    let cfg = &ctx.config;
    let (vector, embedder) = search_health(ctx).await;
    let providers: Vec<Value> = cfg
        .providers
        .iter()
        .map(|p| {
            let mode = if p.kind == ProviderKind::Offline {
                "offline"
            } else {
                "remote"
            };
            json!({ "name": p.name, "model": p.model, "mode": mode })
        })
        .collect();

    // Search degrades to keyword when the embedder is down, so that is reported, not a 503.
    let all_ok = [&d1, &kv, &r2].iter().all(|s| s["status"] == "ok");
    let body = json!({
        "status": if all_ok { "ok" } else { "degraded" },
        "stores": { "d1": d1, "kv": kv, "r2": r2 },
        "search": { "vector": vector, "embedder": embedder, "reranker": { "mode": cfg.reranker.as_str() } },
        "model": { "mode": if providers.len() == 1 { "offline" } else { "providers" }, "providers": providers },
        "request_id": ctx.request_id,
    });
    respond::json(if all_ok { 200 } else { 503 }, &body)
}

/// The vector index (mode, size, dimensions) and the embedder (mode, model, and a real query embedded: up or
/// down, its latency and dimensions), with a mismatch between the two reported as an error.
async fn search_health(ctx: &Ctx) -> (Value, Value) {
    let cfg = &ctx.config;
    let mut vector = json!({ "mode": cfg.vector.as_str() });
    let mut embedder = match &cfg.embedder {
        EmbedderConfig::None => {
            return (
                vector,
                json!({ "mode": "none", "status": "off", "note": "no embedder configured: search is keyword-only" }),
            )
        }
        EmbedderConfig::WorkersAi { model, .. } => json!({ "mode": "workers-ai", "model": model }),
        EmbedderConfig::OpenAiCompatible { base_url, model, .. } => {
            json!({ "mode": "openai-compatible", "model": model, "base_url": base_url })
        }
    };
    embedder["dimensions"] = json!(cfg.embedder.dimensions());
    let index_dims = match rag::vectors::from_config(&ctx.config, &ctx.env) {
        Ok(index) => {
            let dims = index.dimensions().await.ok().flatten();
            vector["dimensions"] = json!(dims);
            vector["vectors"] = json!(index.count().await.ok().flatten());
            dims
        }
        Err(e) => {
            vector["status"] = json!("error");
            vector["error"] = json!(e.message);
            None
        }
    };
    let start = clock_ms();
    let probe = match rag::embed::from_config(&ctx.config, &ctx.env) {
        Ok(e) => e.embed_query("health check").await,
        Err(e) => Err(e),
    };
    embedder["latency_ms"] = json!(clock_ms() - start);
    match probe {
        Ok(Some(v)) => match index_dims {
            Some(d) if d != v.len() => {
                embedder["status"] = json!("error");
                embedder["error"] = json!(format!(
                    "the vector index holds {d}-dimension vectors but the embedder returns {}: search is keyword-only until the index is rebuilt with this embedder",
                    v.len()
                ));
            }
            _ => embedder["status"] = json!("up"),
        },
        Ok(None) => embedder["status"] = json!("off"),
        Err(e) => {
            embedder["status"] = json!("down");
            embedder["error"] = json!(e.message);
            embedder["note"] = json!("search falls back to keyword results");
        }
    }
    (vector, embedder)
}

pub fn metrics() -> HandlerResult {
    let text = context::metrics(|m| m.render());
    respond::text(200, "text/plain; version=0.0.4; charset=utf-8", text)
}

/// Runs one store probe and reports `{status, latency_ms, ...}`; failures become `status: "error"`.
async fn timed(probe: impl std::future::Future<Output = worker::Result<Value>>) -> Value {
    let start = clock_ms();
    let result = probe.await;
    let latency_ms = clock_ms() - start;
    match result {
        Ok(mut extra) => {
            extra["status"] = json!("ok");
            extra["latency_ms"] = json!(latency_ms);
            extra
        }
        Err(e) => json!({ "status": "error", "latency_ms": latency_ms, "error": short(&e.to_string()) }),
    }
}

/// Store errors can be long JS stack traces; an operator needs the first line.
fn short(s: &str) -> String {
    s.lines().next().unwrap_or("").chars().take(160).collect()
}
