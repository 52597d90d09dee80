//! The same incremental behaviour against the real local store: wrangler's getPlatformProxy over a
//! migrated `--persist-to` directory (D1 with the FTS5 triggers, R2). Skipped, with a message, where
//! Node or the npm packages are not installed.

mod common;

use std::process::Command;

use anyhow::Result;
use common::embed_server::{dead_url, EmbedServer, Mode};
use common::*;
use kb_build::embed::{Embedder, NoEmbedder};
use kb_build::run::{run, run_with, VectorOptions};
use kb_build::store::local::LocalStore;
use kb_build::store::sql::{Param, Statement};
use kb_build::vector_cache::VectorCache;
use serde_json::Value;

fn available() -> bool {
    let root = repo_root();
    let ok = root.join("node_modules/wrangler/package.json").is_file()
        && Command::new("node")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("skipped: needs node and `npm ci` (node_modules/wrangler)");
    }
    ok
}

fn migrate(persist: &std::path::Path) {
    let out = Command::new(repo_root().join("node_modules/.bin/wrangler"))
        .args(["d1", "migrations", "apply", "DB", "--local", "--persist-to"])
        .arg(persist)
        .current_dir(repo_root())
        .env("WRANGLER_SEND_METRICS", "false")
        .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
        .output()
        .expect("run wrangler");
    assert!(
        out.status.success(),
        "migrations failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn q(store: &mut LocalStore, sql: &str, params: &[&str]) -> Vec<Value> {
    store
        .query(Statement::new(
            sql,
            params.iter().map(|p| Param::Text(p.to_string())).collect(),
        ))
        .unwrap()
}

fn ids(store: &mut LocalStore, doc: &str) -> Vec<String> {
    q(
        store,
        "SELECT id FROM kb_chunks WHERE document_id = ? ORDER BY ord",
        &[doc],
    )
    .iter()
    .map(|r| r["id"].as_str().unwrap().to_string())
    .collect()
}

fn fts(store: &mut LocalStore, term: &str) -> Vec<String> {
    q(
        store,
        "SELECT k.document_id AS d FROM kb_chunks_fts f JOIN kb_chunks k ON k.rowid = f.rowid \
         WHERE kb_chunks_fts MATCH ? ORDER BY bm25(kb_chunks_fts)",
        &[term],
    )
    .iter()
    .map(|r| r["d"].as_str().unwrap().to_string())
    .collect()
}

/// Segments of the keyword index, from FTS5's structure record (row 10 of `kb_chunks_fts_data`: a 4-byte
/// cookie, then the number of levels and of segments as varints, one byte each at these sizes).
fn fts_segments(store: &mut LocalStore) -> u8 {
    let rows = q(
        store,
        "SELECT hex(block) AS h FROM kb_chunks_fts_data WHERE id = 10",
        &[],
    );
    let hex = rows[0]["h"].as_str().unwrap();
    u8::from_str_radix(&hex[10..12], 16).unwrap()
}

struct Fixed;

impl Embedder for Fixed {
    fn id(&self) -> String {
        "fixed:4".into()
    }
    fn batch_size(&self) -> usize {
        16
    }
    fn embed(&mut self, texts: &[String]) -> Result<Vec<Vec<f32>>> {
        Ok(texts.iter().map(|_| vec![1.0, 0.5, -2.0, 0.25]).collect())
    }
}

#[test]
fn loads_incrementally_into_the_wrangler_state() {
    if !available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (kb, data) = fixture(tmp.path());
    let persist = tmp.path().join("state");
    migrate(&persist);
    let opts = options(Some(&kb), Some(&data), vec![]);
    let mut store = LocalStore::spawn(&repo_root(), &persist).unwrap();
    store.verbose = false;

    let first = run(&opts, &mut store, &mut NoEmbedder, true, false).unwrap();
    assert_eq!(first.changed, 6);
    assert_eq!(fts_segments(&mut store), 1, "the load ends with the index merged");
    let n = q(&mut store, "SELECT count(*) AS n FROM kb_chunks", &[]);
    assert_eq!(n[0]["n"].as_u64().unwrap() as usize, first.chunks_total);
    assert_eq!(
        fts(&mut store, "restoran").first().map(String::as_str),
        Some("kbli/56101")
    );
    assert_eq!(fts(&mut store, "56101"), vec!["kbli/56101"]);
    let pasal = q(
        &mut store,
        "SELECT page, text FROM kb_chunks WHERE section = 'Pasal 3'",
        &[],
    );
    assert_eq!(pasal[0]["page"], 2);
    assert!(pasal[0]["text"]
        .as_str()
        .unwrap()
        .starts_with("PP 28/2025 Pasal 3 (BAB I Ketentuan Umum)"));
    let doc = q(
        &mut store,
        "SELECT chunk_count, r2_key FROM kb_documents WHERE id = 'visa_oracle/c1-tourist-visa.md'",
        &[],
    );
    assert_eq!(doc[0]["r2_key"], "kb/visa_oracle/c1-tourist-visa.md");

    let again = run(&opts, &mut store, &mut NoEmbedder, true, false).unwrap();
    assert_eq!((again.changed, again.deleted, again.chunks_written), (0, 0, 0));

    let e33g = ids(&mut store, "kitas_kitap/e33g-remote-worker.md");
    let c1 = ids(&mut store, "visa_oracle/c1-tourist-visa.md");
    write(
        &kb.join("visa_oracle/c1-tourist-visa.md"),
        C1.replace("Proof of funds", "Proof of sufficient quokkafunds"),
    );
    let edit = run(&opts, &mut store, &mut NoEmbedder, true, false).unwrap();
    assert_eq!(edit.changed, 1);
    assert_eq!(fts_segments(&mut store), 1, "and so does an incremental one");
    assert_eq!(
        ids(&mut store, "kitas_kitap/e33g-remote-worker.md"),
        e33g,
        "other documents untouched"
    );
    assert_ne!(ids(&mut store, "visa_oracle/c1-tourist-visa.md"), c1);
    assert_eq!(fts(&mut store, "quokkafunds"), vec!["visa_oracle/c1-tourist-visa.md"]);

    std::fs::remove_file(kb.join("kitas_kitap/e33g-remote-worker.md")).unwrap();
    let del = run(&opts, &mut store, &mut NoEmbedder, true, false).unwrap();
    assert_eq!(del.deleted, 1);
    assert!(ids(&mut store, "kitas_kitap/e33g-remote-worker.md").is_empty());
    assert!(
        fts(&mut store, "zanzibarite").is_empty(),
        "the FTS index forgot the deleted chunks"
    );
    let gone = q(
        &mut store,
        "SELECT count(*) AS n FROM kb_documents WHERE id = 'kitas_kitap/e33g-remote-worker.md'",
        &[],
    );
    assert_eq!(gone[0]["n"], 0);

    // Vectors land in kb_vectors as little-endian f32 blobs.
    let mut vopts = opts.clone();
    vopts.settings = format!("{};embedder=fixed:4", vopts.chunker.fingerprint());
    let v = run(&vopts, &mut store, &mut Fixed, true, false).unwrap();
    assert_eq!(v.changed, v.documents);
    let rows = q(
        &mut store,
        "SELECT dims, length(embedding) AS len, hex(embedding) AS h FROM kb_vectors LIMIT 1",
        &[],
    );
    assert_eq!((rows[0]["dims"].as_u64(), rows[0]["len"].as_u64()), (Some(4), Some(16)));
    assert_eq!(rows[0]["h"], "0000803F0000003F000000C00000803E");
    let counts = q(
        &mut store,
        "SELECT (SELECT count(*) FROM kb_vectors) AS v, (SELECT count(*) FROM kb_chunks) AS c",
        &[],
    );
    assert_eq!(counts[0]["v"], counts[0]["c"]);
    store.close().unwrap();
}

#[test]
fn manifest_cache_skips_node_only_while_the_database_is_untouched() {
    if !available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (kb, data) = fixture(tmp.path());
    let persist = tmp.path().join("state");
    migrate(&persist);
    let opts = options(Some(&kb), Some(&data), vec![]);
    let open = || {
        let mut s = LocalStore::spawn(&repo_root(), &persist).unwrap();
        s.verbose = false;
        s
    };

    let mut a = open();
    assert!(!a.used_cache);
    assert_eq!(run(&opts, &mut a, &mut NoEmbedder, true, false).unwrap().changed, 6);
    drop(a);
    assert!(persist.join("kb-build-manifest.json").is_file());

    let mut b = open();
    let s = run(&opts, &mut b, &mut NoEmbedder, true, false).unwrap();
    assert!(b.used_cache, "an untouched database is not reopened");
    assert_eq!(s.changed, 0);
    drop(b);

    // Another writer (here `wrangler d1 execute`) changes the files: the cache no longer counts.
    let out = Command::new(repo_root().join("node_modules/.bin/wrangler"))
        .args(["d1", "execute", "DB", "--local", "--persist-to"])
        .arg(&persist)
        .args([
            "--command",
            "DELETE FROM kb_chunks WHERE document_id = 'kbli/56102'; DELETE FROM kb_documents WHERE id = 'kbli/56102'",
        ])
        .current_dir(repo_root())
        .env("WRANGLER_SEND_METRICS", "false")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut c = open();
    let s = run(&opts, &mut c, &mut NoEmbedder, true, false).unwrap();
    assert!(!c.used_cache);
    assert_eq!(s.changed, 1, "the document removed behind kb-build's back is restored");
    assert_eq!(fts(&mut c, "warung"), vec!["kbli/56102"]);
    drop(c);

    let mut d = open();
    assert_eq!(run(&opts, &mut d, &mut NoEmbedder, true, false).unwrap().changed, 0);
    assert!(d.used_cache);
}

fn counts(store: &mut LocalStore) -> (u64, u64, u64) {
    let r = q(
        store,
        "SELECT (SELECT count(*) FROM kb_vectors) AS v, (SELECT count(*) FROM kb_chunks) AS c, \
         (SELECT count(*) FROM kb_index_meta) AS m",
        &[],
    );
    (
        r[0]["v"].as_u64().unwrap(),
        r[0]["c"].as_u64().unwrap(),
        r[0]["m"].as_u64().unwrap(),
    )
}

fn meta(store: &mut LocalStore) -> Vec<(String, String)> {
    q(store, "SELECT key, value FROM kb_index_meta ORDER BY key", &[])
        .iter()
        .map(|r| {
            (
                r["key"].as_str().unwrap().to_string(),
                r["value"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn vectors_come_from_the_cache_carry_their_embedder_and_failures_write_nothing() {
    if !available() {
        return;
    }
    let srv = EmbedServer::start(8);
    let tmp = tempfile::tempdir().unwrap();
    let (kb, data) = fixture(tmp.path());
    let cache = tmp.path().join("cache");
    // A writing run with the vector cache.
    let go = |opts: &kb_build::sources::Options, store: &mut LocalStore, emb: &mut kb_build::embed::OpenAi| {
        let mut vo = VectorOptions {
            cache: Some(VectorCache::open(&cache, &emb.id()).unwrap()),
            dimensions: None,
        };
        run_with(opts, store, emb, &mut vo, true, false)
    };
    let open = |dir: &std::path::Path| {
        migrate(dir);
        let mut s = LocalStore::spawn(&repo_root(), dir).unwrap();
        s.verbose = false;
        s
    };
    let mut emb = openai(&srv.base, "e5-test", 5);
    let opts = options_for(Some(&kb), Some(&data), vec![], &emb);

    let mut one = open(&tmp.path().join("one"));
    let first = go(&opts, &mut one, &mut emb).unwrap();
    let (v, c, _) = counts(&mut one);
    assert_eq!((v, c), (first.chunks_total as u64, first.chunks_total as u64));
    let expected_meta: Vec<(String, String)> = [
        ("embedding_dimensions", "8"),
        ("embedding_embedder_id", "openai:e5-test;input_type=passage"),
        ("embedding_model", "e5-test"),
        ("embedding_role_query_hint", "input_type=query"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(meta(&mut one), expected_meta, "kb_index_meta records the embedder");

    // A new state directory with a warm cache: the server is not needed at all.
    let mut down = openai(&dead_url(), "e5-test", 5);
    let mut two = open(&tmp.path().join("two"));
    let warm = go(&opts, &mut two, &mut down).unwrap();
    let w = warm.vectors.unwrap();
    assert_eq!((w.cache_hits, w.cache_misses, w.requests), (warm.chunks_total, 0, 0));
    let blob = |s: &mut LocalStore| {
        q(s, "SELECT hex(embedding) AS h FROM kb_vectors ORDER BY chunk_id", &[])
            .iter()
            .map(|r| r["h"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(blob(&mut two), blob(&mut one), "the same vectors in both states");
    assert_eq!(meta(&mut two), expected_meta);

    // The server fails: nothing reaches the store.
    write(
        &kb.join("visa_oracle/c1-tourist-visa.md"),
        C1.replace("Return ticket", "Return ferry ticket"),
    );
    let c1 = ids(&mut one, "visa_oracle/c1-tourist-visa.md");
    let before = counts(&mut one);
    srv.set_mode(Mode::Status(500));
    let err = format!("{:#}", go(&opts, &mut one, &mut emb).unwrap_err());
    assert!(
        err.contains(&format!("POST {}/embeddings: HTTP 500", srv.base)),
        "{err}"
    );
    assert_eq!(ids(&mut one, "visa_oracle/c1-tourist-visa.md"), c1);
    assert_eq!(counts(&mut one), before);

    // Another model into a store that holds this one's vectors, without rewriting them: refused.
    let srv16 = EmbedServer::start(16);
    let mut other = openai(&srv16.base, "model-b", 5);
    let bench = tmp.path().join("bench.jsonl");
    jsonl(&bench, 4, "local");
    let bench_opts = options_for(None, None, vec![("bench".into(), bench)], &other);
    let before = counts(&mut two);
    let err = format!("{:#}", go(&bench_opts, &mut two, &mut other).unwrap_err());
    assert!(
        err.contains("holds vectors of openai:e5-test;input_type=passage (8 dimensions)"),
        "{err}"
    );
    assert!(err.contains("the local store in"), "{err}");
    assert!(srv16.requests().is_empty(), "refused before embedding");
    assert_eq!(counts(&mut two), before);
    one.close().unwrap();
    two.close().unwrap();
}
