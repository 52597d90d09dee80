//! Vectors end to end against a fake OpenAI-compatible server and the in-memory store: the passage
//! role, the vector cache (warm runs need no server; an edit embeds only its chunk; a torn cache tail
//! is ignored), every way the server can fail (the error names the URL and the store is untouched),
//! and the store's record of the embedder (no vectors of another model or size mixed in).

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use common::embed_server::{dead_url, vector_for, EmbedServer, Mode};
use common::*;
use kb_build::embed::{input, Embedder, NoEmbedder};
use kb_build::run::{run, run_with, VectorOptions};
use kb_build::store::memory::MemoryStore;
use kb_build::vector_cache::VectorCache;

fn with_cache(dir: &Path, emb: &dyn Embedder) -> VectorOptions {
    VectorOptions {
        cache: Some(VectorCache::open(dir, &emb.id()).unwrap()),
        dimensions: None,
    }
}

/// A writing run with the vector cache in `dir`.
fn cached(
    opts: &kb_build::sources::Options,
    store: &mut MemoryStore,
    emb: &mut kb_build::embed::OpenAi,
    dir: &Path,
) -> anyhow::Result<kb_build::report::Summary> {
    let mut vo = with_cache(dir, emb);
    run_with(opts, store, emb, &mut vo, true, false)
}

/// Chunk ids, vectors, index metadata and the number of applies.
type Snapshot = (Vec<String>, BTreeMap<String, Vec<f32>>, BTreeMap<String, String>, usize);

/// What a failed run must leave exactly as it was.
fn snapshot(s: &MemoryStore) -> Snapshot {
    (s.chunk_ids(), s.vectors.clone(), s.meta.clone(), s.applied.len())
}

#[test]
fn passages_are_embedded_with_their_role_and_the_store_records_the_embedder() {
    let srv = EmbedServer::start(8);
    let tmp = tempfile::tempdir().unwrap();
    let (kb, data) = fixture(tmp.path());
    let mut emb = openai(&srv.base, "e5-test", 10);
    let opts = options_for(Some(&kb), Some(&data), vec![], &emb);
    let mut vo = with_cache(&tmp.path().join("cache"), &emb);
    let mut store = MemoryStore::default();
    let s = run_with(&opts, &mut store, &mut emb, &mut vo, true, false).unwrap();

    let requests = srv.requests();
    assert!(!requests.is_empty());
    for r in &requests {
        assert_eq!(r["input_type"], "passage", "every request says what it embeds");
        assert_eq!(r["model"], "e5-test");
    }
    let v = s.vectors.expect("vector stats");
    assert_eq!((v.cache_hits, v.cache_misses), (0, s.chunks_total));
    assert_eq!(srv.texts().len(), v.embedded);
    assert!(
        s.line()
            .contains(&format!("vector cache 0 hits, {} misses", s.chunks_total)),
        "{}",
        s.line()
    );
    for d in store.documents.values() {
        for c in &d.chunks {
            assert_eq!(
                store.vectors[&c.id],
                vector_for(&input(d, c), 8),
                "each chunk has its own vector"
            );
        }
    }
    let pp28 = &store.documents["pp-28-2025"];
    let sent = input(pp28, &pp28.chunks[0]);
    assert!(
        sent.starts_with("PP 28/2025 "),
        "the citation line is not repeated: {sent}"
    );
    let c1 = &store.documents["visa_oracle/c1-tourist-visa.md"];
    assert!(srv
        .texts()
        .contains(&format!("C1 Tourist Visa › Requirements\n{}", c1.chunks[1].text)));

    let meta: Vec<(&str, &str)> = store.meta.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(
        meta,
        vec![
            ("embedding_dimensions", "8"),
            ("embedding_embedder_id", "openai:e5-test;input_type=passage"),
            ("embedding_model", "e5-test"),
            ("embedding_role_query_hint", "input_type=query"),
        ]
    );
}

#[test]
fn a_warm_cache_needs_no_server_even_for_a_new_store() {
    let srv = EmbedServer::start(8);
    let tmp = tempfile::tempdir().unwrap();
    let (kb, data) = fixture(tmp.path());
    let cache = tmp.path().join("cache");
    let mut emb = openai(&srv.base, "e5-test", 10);
    let opts = options_for(Some(&kb), Some(&data), vec![], &emb);
    let mut first = MemoryStore::default();
    cached(&opts, &mut first, &mut emb, &cache).unwrap();
    drop(srv);

    // The server is gone: same model name, a URL that refuses connections.
    let mut down = openai(&dead_url(), "e5-test", 10);
    assert_eq!(down.id(), emb.id(), "the URL is not part of the embedder id");
    let again = cached(&opts, &mut first, &mut down, &cache).unwrap();
    assert_eq!((again.changed, again.chunks_written), (0, 0));

    let mut fresh = MemoryStore::default();
    let s = cached(&opts, &mut fresh, &mut down, &cache).unwrap();
    let v = s.vectors.unwrap();
    assert_eq!(
        (v.cache_hits, v.cache_misses, v.embedded, v.requests),
        (s.chunks_total, 0, 0, 0)
    );
    assert_eq!(fresh.vectors, first.vectors, "the same vectors, from the cache");
    assert_eq!(fresh.meta, first.meta);
}

#[test]
fn an_edit_embeds_only_the_chunk_that_changed() {
    let srv = EmbedServer::start(8);
    let tmp = tempfile::tempdir().unwrap();
    let (kb, data) = fixture(tmp.path());
    let cache = tmp.path().join("cache");
    let mut emb = openai(&srv.base, "e5-test", 10);
    let opts = options_for(Some(&kb), Some(&data), vec![], &emb);
    let mut store = MemoryStore::default();
    cached(&opts, &mut store, &mut emb, &cache).unwrap();
    let c1_chunks = store.documents["visa_oracle/c1-tourist-visa.md"].chunks.len();
    assert!(c1_chunks >= 2);
    srv.clear();

    write(
        &kb.join("visa_oracle/c1-tourist-visa.md"),
        C1.replace("Return ticket", "Onward ticket"),
    );
    let s = cached(&opts, &mut store, &mut emb, &cache).unwrap();
    assert_eq!(s.changed, 1);
    let texts = srv.texts();
    assert_eq!(texts.len(), 1, "only the edited chunk goes to the server: {texts:?}");
    assert!(texts[0].contains("Onward ticket"));
    let v = s.vectors.unwrap();
    assert_eq!((v.cache_hits, v.cache_misses), (c1_chunks - 1, 1));
}

#[test]
fn a_torn_cache_tail_is_ignored_and_repaired() {
    let srv = EmbedServer::start(8);
    let tmp = tempfile::tempdir().unwrap();
    let (kb, data) = fixture(tmp.path());
    let cache = tmp.path().join("cache");
    let mut emb = openai(&srv.base, "e5-test", 10);
    let opts = options_for(Some(&kb), Some(&data), vec![], &emb);
    let first = cached(&opts, &mut MemoryStore::default(), &mut emb, &cache).unwrap();
    let entries = first.vectors.unwrap().embedded;

    // A crash in the middle of an append: the last record is cut short.
    let path = VectorCache::open(&cache, &emb.id()).unwrap().path().to_path_buf();
    let len = std::fs::metadata(&path).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(len - 10)
        .unwrap();
    let torn = VectorCache::open(&cache, &emb.id()).unwrap();
    assert_eq!(torn.len(), entries - 1, "the cut record is not loaded");
    assert_eq!(torn.warnings.len(), 1, "{:?}", torn.warnings);
    assert!(torn.warnings[0].contains("ignored"), "{}", torn.warnings[0]);

    srv.clear();
    let mut fresh = MemoryStore::default();
    let mut vo = VectorOptions {
        cache: Some(torn),
        dimensions: None,
    };
    let s = run_with(&opts, &mut fresh, &mut emb, &mut vo, true, false).unwrap();
    assert_eq!(srv.texts().len(), 1, "only the lost vector is embedded again");
    assert_eq!(s.vectors.unwrap().embedded, 1);
    let repaired = VectorCache::open(&cache, &emb.id()).unwrap();
    assert!(repaired.warnings.is_empty(), "{:?}", repaired.warnings);
    assert_eq!(repaired.len(), entries);
    for d in fresh.documents.values() {
        for c in &d.chunks {
            assert_eq!(fresh.vectors[&c.id], vector_for(&input(d, c), 8));
        }
    }
}

#[test]
fn server_failures_name_the_url_and_leave_store_and_cache_untouched() {
    let srv = EmbedServer::start(8);
    let tmp = tempfile::tempdir().unwrap();
    let (kb, data) = fixture(tmp.path());
    let cache = tmp.path().join("cache");
    let mut emb = openai(&srv.base, "e5-test", 1);
    let opts = options_for(Some(&kb), Some(&data), vec![], &emb);
    let mut store = MemoryStore::default();
    cached(&opts, &mut store, &mut emb, &cache).unwrap();
    write(
        &kb.join("visa_oracle/c1-tourist-visa.md"),
        C1.replace("Proof of funds", "Proof of sufficient funds"),
    );
    let before = snapshot(&store);
    let cache_len = VectorCache::open(&cache, &emb.id()).unwrap().len();
    let url = format!("{}/embeddings", srv.base);

    let cases: Vec<(Mode, &str)> = vec![
        (
            Mode::Status(500),
            "HTTP 500: {\"error\":{\"message\":\"model overloaded\"}}",
        ),
        (Mode::NotJson, "malformed response, not JSON"),
        (Mode::NoData, "malformed response: no `data` array"),
        (Mode::OneShort, "wrong number of vectors: 0 for 1 texts"),
        (
            Mode::OtherDims,
            "wrong dimensions: a 9-dimensional vector where 8 are expected (the vector cache",
        ),
        (
            Mode::Slow(Duration::from_millis(2500)),
            "timed out after 1 s (--embedding-timeout-secs",
        ),
    ];
    for (mode, expected) in cases {
        srv.set_mode(mode);
        let err = cached(&opts, &mut store, &mut emb, &cache).unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.contains(&format!("POST {url}: ")), "{mode:?}: names the URL: {msg}");
        assert!(msg.contains(expected), "{mode:?}: {msg}");
        assert!(msg.contains("nothing was written to the store"), "{mode:?}: {msg}");
        assert_eq!(snapshot(&store), before, "{mode:?}: the store is untouched");
        assert_eq!(
            VectorCache::open(&cache, &emb.id()).unwrap().len(),
            cache_len,
            "{mode:?}: nothing unchecked is cached"
        );
    }

    // A port nothing listens on (a dropped test server may still accept and reset for a moment, which is a
    // different failure: see the cases above).
    drop(srv);
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let down_base = format!("http://127.0.0.1:{closed}/v1");
    let mut down = openai(&down_base, "e5-test", 1);
    let err = format!("{:#}", cached(&opts, &mut store, &mut down, &cache).unwrap_err());
    assert!(
        err.contains(&format!("POST {down_base}/embeddings: cannot connect")),
        "{err}"
    );
    assert!(err.contains("is the server running?"), "{err}");
    assert_eq!(snapshot(&store), before);
}

#[test]
fn an_interrupted_run_resumes_from_the_batches_it_cached() {
    let srv = EmbedServer::start(8);
    let tmp = tempfile::tempdir().unwrap();
    let bench = tmp.path().join("bench.jsonl");
    jsonl(&bench, 150, "resume");
    let cache = tmp.path().join("cache");
    let mut emb = openai(&srv.base, "e5-test", 10);
    let opts = options_for(None, None, vec![("bench".into(), bench)], &emb);
    let mut store = MemoryStore::default();

    // 150 chunks in batches of 64: the third request fails.
    srv.set_mode(Mode::FailAfter(2));
    let err = format!("{:#}", cached(&opts, &mut store, &mut emb, &cache).unwrap_err());
    assert!(err.contains("HTTP 500"), "{err}");
    assert!(store.applied.is_empty(), "nothing written");
    assert_eq!(
        VectorCache::open(&cache, &emb.id()).unwrap().len(),
        128,
        "the two good batches are kept"
    );

    srv.clear();
    srv.set_mode(Mode::Ok);
    let s = cached(&opts, &mut store, &mut emb, &cache).unwrap();
    assert_eq!(srv.texts().len(), 150 - 128, "only the rest is embedded");
    let v = s.vectors.unwrap();
    assert_eq!((v.cache_hits, v.cache_misses), (128, 22));
    assert_eq!(store.vectors.len(), 150);
}

#[test]
fn embedding_dimensions_are_enforced() {
    let srv = EmbedServer::start(8);
    let tmp = tempfile::tempdir().unwrap();
    let (kb, data) = fixture(tmp.path());
    let mut emb = openai(&srv.base, "e5-test", 10);
    let opts = options_for(Some(&kb), Some(&data), vec![], &emb);
    let mut store = MemoryStore::default();
    let mut vo = VectorOptions {
        cache: Some(VectorCache::open(&tmp.path().join("cache"), &emb.id()).unwrap()),
        dimensions: Some(16),
    };
    let err = format!(
        "{:#}",
        run_with(&opts, &mut store, &mut emb, &mut vo, true, false).unwrap_err()
    );
    assert!(
        err.contains("wrong dimensions: a 8-dimensional vector where 16 are expected (--embedding-dimensions)"),
        "{err}"
    );
    assert!(store.applied.is_empty());
    assert!(
        vo.cache.as_ref().unwrap().is_empty(),
        "vectors of the wrong size are not cached"
    );
    assert_eq!(srv.requests().len(), 1, "the first batch stops the run");

    vo.dimensions = Some(8);
    let s = run_with(&opts, &mut store, &mut emb, &mut vo, true, false).unwrap();
    assert_eq!(s.changed, s.documents);
    // A cache of 8-dimensional vectors and --embedding-dimensions 16 disagree before any request.
    srv.clear();
    vo.dimensions = Some(16);
    let err = format!(
        "{:#}",
        run_with(&opts, &mut MemoryStore::default(), &mut emb, &mut vo, true, false).unwrap_err()
    );
    assert!(
        err.contains("--embedding-dimensions is 16, but the vector cache"),
        "{err}"
    );
    assert!(srv.requests().is_empty());
}

#[test]
fn vectors_of_another_model_or_size_never_mix_in_a_store() {
    let tmp = tempfile::tempdir().unwrap();
    let (kb, data) = fixture(tmp.path());
    let bench = tmp.path().join("bench.jsonl");
    jsonl(&bench, 5, "mix");
    let cache = tmp.path().join("cache");
    let srv_a = EmbedServer::start(8);
    let mut a = openai(&srv_a.base, "model-a", 10);
    let main_a = options_for(Some(&kb), Some(&data), vec![], &a);
    let bench_a = options_for(None, None, vec![("bench".into(), bench.clone())], &a);
    let mut store = MemoryStore::default();
    cached(&main_a, &mut store, &mut a, &cache).unwrap();
    cached(&bench_a, &mut store, &mut a, &cache).unwrap();
    let before = snapshot(&store);

    // Model B for the main KB only: the bench collection would keep model A's vectors.
    let srv_b = EmbedServer::start(16);
    let mut b = openai(&srv_b.base, "model-b", 10);
    let main_b = options_for(Some(&kb), Some(&data), vec![], &b);
    let err = format!("{:#}", cached(&main_b, &mut store, &mut b, &cache).unwrap_err());
    assert!(
        err.contains("the in-memory store holds vectors of openai:model-a;input_type=passage (8 dimensions)"),
        "{err}"
    );
    assert!(
        err.contains("leaves 5 stored documents as they are (bench: 5)"),
        "{err}"
    );
    assert!(srv_b.requests().is_empty(), "refused before embedding anything");
    assert_eq!(snapshot(&store), before);

    // Everything in one run: a new embedder changes every content hash, so every document is rewritten.
    let all_b = options_for(Some(&kb), Some(&data), vec![("bench".into(), bench)], &b);
    let s = cached(&all_b, &mut store, &mut b, &cache).unwrap();
    assert_eq!(s.changed, s.documents, "switching embedder rewrites every document");
    assert!(store.vectors.values().all(|v| v.len() == 16));
    assert_eq!(store.meta["embedding_model"], "model-b");
    assert_eq!(store.meta["embedding_dimensions"], "16");
}

#[test]
fn vectors_of_another_size_under_the_same_name_are_refused() {
    // A store loaded before kb_index_meta existed: only the vectors' size tells what it holds.
    let tmp = tempfile::tempdir().unwrap();
    let (kb, data) = fixture(tmp.path());
    let bench = tmp.path().join("bench.jsonl");
    jsonl(&bench, 3, "size");
    let srv8 = EmbedServer::start(8);
    let mut e8 = openai(&srv8.base, "same-name", 10);
    let opts = options_for(Some(&kb), Some(&data), vec![("bench".into(), bench)], &e8);
    let mut store = MemoryStore::default();
    run(&opts, &mut store, &mut e8, true, false).unwrap();
    store.meta.clear();

    write(
        &kb.join("visa_oracle/c1-tourist-visa.md"),
        C1.replace("Return ticket", "Return flight"),
    );
    let srv16 = EmbedServer::start(16);
    let mut e16 = openai(&srv16.base, "same-name", 10);
    let before = snapshot(&store);
    let err = format!("{:#}", run(&opts, &mut store, &mut e16, true, false).unwrap_err());
    assert!(
        err.contains("holds vectors of an unrecorded model (8 dimensions); this run writes vectors of openai:same-name;input_type=passage, 16 dimensions"),
        "{err}"
    );
    assert_eq!(snapshot(&store), before);
}

#[test]
fn keyword_only_still_works_and_a_full_keyword_rebuild_forgets_the_embedder() {
    let srv = EmbedServer::start(8);
    let tmp = tempfile::tempdir().unwrap();
    let (kb, data) = fixture(tmp.path());
    let mut emb = openai(&srv.base, "e5-test", 10);
    let mut store = MemoryStore::default();
    run(
        &options_for(Some(&kb), Some(&data), vec![], &emb),
        &mut store,
        &mut emb,
        true,
        false,
    )
    .unwrap();
    assert!(!store.vectors.is_empty() && !store.meta.is_empty());

    let opts = options_for(Some(&kb), Some(&data), vec![], &NoEmbedder);
    assert!(opts.settings.ends_with(";embedder=none"));
    let s = run(&opts, &mut store, &mut NoEmbedder, true, false).unwrap();
    assert_eq!(s.changed, s.documents);
    assert!(
        s.vectors.is_none() && !s.line().contains("vector cache"),
        "{}",
        s.line()
    );
    assert!(store.vectors.is_empty(), "no vector of the old embedder survives");
    assert!(store.meta.is_empty(), "and the store no longer claims one");
    let again = run(&opts, &mut store, &mut NoEmbedder, true, false).unwrap();
    assert_eq!(again.changed, 0);
}
