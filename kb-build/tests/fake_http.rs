//! The Cloudflare target and the OpenAI embedder against a local fake HTTP server that records every
//! request and checks method, path, auth header and body shape.

mod common;

use std::sync::{Arc, Mutex};
use std::thread;

use common::*;
use kb_build::embed::{embed_changes, Embedder, OpenAi};
use kb_build::run::run;
use kb_build::store::cloudflare::{CloudflareConfig, CloudflareStore};
use serde_json::{json, Value};

#[derive(Debug, Clone)]
struct Recorded {
    method: String,
    url: String,
    auth: Option<String>,
    content_type: Option<String>,
    body: Vec<u8>,
}

/// Starts a server answering with `reply(method, url, body)`; returns its base URL and the log.
fn serve(reply: fn(&str, &str, &[u8]) -> Value) -> (String, Arc<Mutex<Vec<Recorded>>>) {
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let base = format!("http://{}", server.server_addr().to_ip().unwrap());
    let log = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&log);
    thread::spawn(move || {
        for mut req in server.incoming_requests() {
            let mut body = Vec::new();
            req.as_reader().read_to_end(&mut body).unwrap();
            let header = |name: &str| {
                req.headers()
                    .iter()
                    .find(|h| h.field.to_string().eq_ignore_ascii_case(name))
                    .map(|h| h.value.to_string())
            };
            let rec = Recorded {
                method: req.method().to_string(),
                url: req.url().to_string(),
                auth: header("Authorization"),
                content_type: header("Content-Type"),
                body,
            };
            let answer = reply(&rec.method, &rec.url, &rec.body);
            sink.lock().unwrap().push(rec);
            let resp = tiny_http::Response::from_string(answer.to_string())
                .with_header("Content-Type: application/json".parse::<tiny_http::Header>().unwrap());
            let _ = req.respond(resp);
        }
    });
    (base, log)
}

fn cloudflare_reply(method: &str, url: &str, body: &[u8]) -> Value {
    cloudflare_reply_with_index(method, url, body, 3)
}

/// Like [`cloudflare_reply`], with a Vectorize index created for 1,024 dimensions (bge-m3).
fn cloudflare_reply_1024(method: &str, url: &str, body: &[u8]) -> Value {
    cloudflare_reply_with_index(method, url, body, 1024)
}

fn cloudflare_reply_with_index(method: &str, url: &str, _body: &[u8], dims: u64) -> Value {
    if url.contains("/d1/database/") {
        // An empty database: no manifest rows, no collections, no stored chunks, no index metadata.
        return json!({ "success": true, "errors": [], "result": [{ "results": [], "success": true, "meta": {} }] });
    }
    if method == "GET" && url == "/accounts/acc/vectorize/v2/indexes/idx" {
        return json!({ "success": true, "errors": [], "result": {
            "name": "idx", "config": { "dimensions": dims, "metric": "cosine" }
        } });
    }
    if url.contains("/vectorize/") {
        return json!({ "success": true, "errors": [], "result": { "mutationId": "m1" } });
    }
    assert!(method == "PUT" || method == "DELETE", "unexpected {method} {url}");
    json!({ "success": true, "errors": [], "result": {} })
}

struct Fixed;

impl Embedder for Fixed {
    fn id(&self) -> String {
        "fixed:3".into()
    }
    fn batch_size(&self) -> usize {
        100
    }
    fn embed(&mut self, texts: &[String]) -> anyhow::Result<Vec<Vec<f32>>> {
        Ok(texts.iter().map(|_| vec![0.1, 0.2, 0.3]).collect())
    }
}

#[test]
fn cloudflare_target_sends_well_formed_requests() {
    let (base, log) = serve(cloudflare_reply);
    let tmp = tempfile::tempdir().unwrap();
    let (kb, data) = fixture(tmp.path());
    let bench = tmp.path().join("bench.jsonl.gz");
    {
        // 1,100 records → more than one Vectorize batch.
        let plain = tmp.path().join("plain.jsonl");
        jsonl(&plain, 1100, "gz");
        let mut enc =
            flate2::write::GzEncoder::new(std::fs::File::create(&bench).unwrap(), flate2::Compression::fast());
        std::io::copy(&mut std::fs::File::open(&plain).unwrap(), &mut enc).unwrap();
        enc.finish().unwrap();
    }
    let opts = options(Some(&kb), Some(&data), vec![("bench".into(), bench)]);
    let mut store = CloudflareStore::new(cloudflare_config(&base));
    store.verbose = false;
    store.vectors = true;
    let summary = run(&opts, &mut store, &mut Fixed, true, false).unwrap();
    assert_eq!(summary.changed, 6 + 1100);

    let log = log.lock().unwrap().clone();
    assert!(
        log.iter().all(|r| r.auth.as_deref() == Some("Bearer tok")),
        "every request is authenticated"
    );
    let first_write = log.iter().position(|r| r.method != "GET" && !is_d1_read(r)).unwrap();
    let index_read = log
        .iter()
        .position(|r| r.method == "GET")
        .expect("the index config is read");
    assert!(
        index_read < first_write,
        "dimensions are checked before anything is written"
    );
    let mut vectors = 0;
    let mut statements = 0;
    let mut meta_rows = Vec::new();
    let mut puts = Vec::new();
    for r in &log {
        match (r.method.as_str(), r.url.as_str()) {
            ("GET", "/accounts/acc/vectorize/v2/indexes/idx") => {}
            ("POST", "/accounts/acc/d1/database/db1/query") => {
                let body: Value = serde_json::from_slice(&r.body).unwrap();
                let stmts: Vec<Value> = match body.get("batch") {
                    Some(b) => b.as_array().unwrap().clone(),
                    None => vec![body.clone()],
                };
                for s in stmts {
                    let params = s["params"].as_array().unwrap();
                    let sql = s["sql"].as_str().unwrap();
                    assert!(params.len() <= 100, "{} params", params.len());
                    assert!(sql.len() < 100_000);
                    assert_eq!(sql.matches('?').count(), params.len());
                    assert!(params.iter().all(|p| !p.is_array()), "no blobs go to D1 on Cloudflare");
                    if sql.starts_with("INSERT INTO kb_index_meta") {
                        let rows: Vec<(String, String)> = serde_json::from_str(params[0].as_str().unwrap()).unwrap();
                        meta_rows.extend(rows);
                    }
                    statements += 1;
                }
            }
            ("POST", "/accounts/acc/vectorize/v2/indexes/idx/upsert") => {
                assert_eq!(r.content_type.as_deref(), Some("application/x-ndjson"));
                let text = String::from_utf8(r.body.clone()).unwrap();
                let lines: Vec<&str> = text.lines().collect();
                assert!(
                    !lines.is_empty() && lines.len() <= 1000,
                    "{} vectors in one upsert",
                    lines.len()
                );
                for l in lines {
                    let v: Value = serde_json::from_str(l).unwrap();
                    assert_eq!(v["id"].as_str().unwrap().len(), 24);
                    assert_eq!(v["values"].as_array().unwrap().len(), 3);
                    assert!(v["metadata"]["collection"].is_string() && v["metadata"]["document_id"].is_string());
                    assert!(v["metadata"]["section"].is_string());
                    vectors += 1;
                }
            }
            ("PUT", url) if url.starts_with("/accounts/acc/r2/buckets/bkt/objects/") => {
                puts.push((
                    url.trim_start_matches("/accounts/acc/r2/buckets/bkt/objects/")
                        .to_string(),
                    r.content_type.clone(),
                ));
            }
            (m, u) => panic!("unexpected request {m} {u}"),
        }
    }
    assert_eq!(vectors, summary.chunks_total);
    assert!(statements > 10);
    meta_rows.sort();
    assert_eq!(
        meta_rows,
        vec![
            ("embedding_dimensions".to_string(), "3".to_string()),
            ("embedding_embedder_id".into(), "fixed:3".into()),
            ("embedding_model".into(), "fixed:3".into()),
            ("embedding_role_query_hint".into(), "none".into()),
        ],
        "the embedder is recorded in D1 with the vectors"
    );
    puts.sort();
    let keys: Vec<&str> = puts.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        vec![
            "kb/kitas_kitap/e33g-remote-worker.md",
            "kb/sources/bali-zero-prices-2025.json",
            "kb/sources/kbli-2020.json",
            "kb/sources/pp-28-2025.txt",
            "kb/visa_oracle/c1-tourist-visa.md",
        ]
    );
    assert_eq!(puts[0].1.as_deref(), Some("text/markdown; charset=utf-8"));
}

fn is_d1_read(r: &Recorded) -> bool {
    r.url.contains("/d1/database/")
        && serde_json::from_slice::<Value>(&r.body)
            .ok()
            .and_then(|b| b.get("sql").and_then(Value::as_str).map(|s| s.starts_with("SELECT")))
            .unwrap_or(false)
}

fn cloudflare_config(base: &str) -> CloudflareConfig {
    CloudflareConfig {
        base: base.to_string(),
        account: "acc".into(),
        token: "tok".into(),
        database: "db1".into(),
        index: "idx".into(),
        bucket: "bkt".into(),
    }
}

#[test]
fn cloudflare_target_refuses_vectors_the_index_cannot_hold() {
    let (base, log) = serve(cloudflare_reply_1024);
    let tmp = tempfile::tempdir().unwrap();
    let (kb, data) = fixture(tmp.path());
    let mut store = CloudflareStore::new(cloudflare_config(&base));
    store.verbose = false;
    store.vectors = true;
    let opts = options(Some(&kb), Some(&data), vec![]);
    let err = format!("{:#}", run(&opts, &mut store, &mut Fixed, true, false).unwrap_err());
    assert!(
        err.contains("Vectorize index idx is configured for 1024-dimensional vectors, but fixed:3 gives 3 dimensions"),
        "{err}"
    );
    assert!(err.contains("--dimensions 3"), "says how to fix it: {err}");
    let log = log.lock().unwrap();
    assert!(
        log.iter().all(|r| r.method == "GET" || is_d1_read(r)),
        "nothing written: {:?}",
        log.iter()
            .map(|r| format!("{} {}", r.method, r.url))
            .collect::<Vec<_>>()
    );
}

fn openai_reply(_method: &str, url: &str, body: &[u8]) -> Value {
    assert_eq!(url, "/v1/embeddings");
    let req: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(req["model"], "test-embed");
    assert_eq!(req["input_type"], "passage", "kb-build embeds passages, explicitly");
    let inputs = req["input"].as_array().unwrap();
    assert!(inputs.len() <= 64);
    // Answer in reverse order: the client must sort by `index`.
    let data: Vec<Value> = inputs
        .iter()
        .enumerate()
        .rev()
        .map(
            |(i, t)| json!({ "object": "embedding", "index": i, "embedding": [t.as_str().unwrap().len() as f64, 1.0] }),
        )
        .collect();
    json!({ "object": "list", "data": data, "model": "test-embed" })
}

#[test]
fn openai_embedder_batches_and_orders() {
    let (base, log) = serve(openai_reply);
    let tmp = tempfile::tempdir().unwrap();
    let bench = tmp.path().join("b.jsonl");
    jsonl(&bench, 150, "emb");
    let opts = options(None, None, vec![("bench".into(), bench)]);
    let build = kb_build::sources::build(&opts).unwrap();
    let mut changes = kb_build::plan::plan(&build, &[], &[], 0);
    let mut emb = OpenAi::new(&format!("{base}/v1/"), "test-embed", Some("sk-test".into()));
    assert_eq!(emb.id(), "openai:test-embed;input_type=passage");
    embed_changes(&mut emb, None, None, &mut changes, |_, _| {}).unwrap();
    for u in &changes.upserts {
        assert_eq!(u.vectors.len(), u.doc.chunks.len());
        for (c, v) in u.doc.chunks.iter().zip(&u.vectors) {
            let expected = kb_build::embed::input(&u.doc, c).len() as f32;
            assert_eq!(v, &vec![expected, 1.0], "vectors match their chunks");
        }
    }
    let log = log.lock().unwrap();
    assert_eq!(log.len(), 3, "150 chunks in batches of 64");
    assert!(log
        .iter()
        .all(|r| r.auth.as_deref() == Some("Bearer sk-test") && r.method == "POST"));
}

fn workers_ai_reply(_method: &str, url: &str, body: &[u8]) -> Value {
    assert_eq!(url, "/accounts/acc/ai/run/@cf/baai/bge-m3");
    let req: Value = serde_json::from_slice(body).unwrap();
    let texts = req["text"].as_array().unwrap();
    assert!(!texts.is_empty() && texts.len() <= 50);
    let data: Vec<Value> = texts.iter().map(|_| json!([0.5, 0.25, 0.125])).collect();
    json!({ "success": true, "errors": [], "result": { "shape": [texts.len(), 3], "data": data } })
}

#[test]
fn workers_ai_embedder_reads_result_data() {
    let (base, log) = serve(workers_ai_reply);
    let tmp = tempfile::tempdir().unwrap();
    let bench = tmp.path().join("b.jsonl");
    jsonl(&bench, 60, "wai");
    let build = kb_build::sources::build(&options(None, None, vec![("bench".into(), bench)])).unwrap();
    let mut changes = kb_build::plan::plan(&build, &[], &[], 0);
    let mut emb = kb_build::embed::WorkersAi::new(&base, "acc", "tok");
    embed_changes(&mut emb, None, None, &mut changes, |_, _| {}).unwrap();
    assert!(changes
        .upserts
        .iter()
        .all(|u| u.vectors.len() == u.doc.chunks.len() && u.vectors[0].len() == 3));
    let log = log.lock().unwrap();
    assert_eq!(log.len(), 2, "60 chunks in batches of 50");
    assert!(log.iter().all(|r| r.auth.as_deref() == Some("Bearer tok")));
}
