//! The search pipeline's tests over in-memory fakes (`pipeline.rs` includes this file as its `tests` module):
//! one file for the one engine, so it is long, grouped by stage as the engine is.

use super::*;
use crate::search::request::SearchRequest;
use crate::search::rerank::LexicalReranker;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// The fakes never suspend, so one poll finishes every future.
fn block_on<F: Future>(f: F) -> F::Output {
    let mut cx = Context::from_waker(Waker::noop());
    match pin!(f).poll(&mut cx) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("fake stores never suspend"),
    }
}

fn chunk(id: &str, doc: &str, collection: &str, section: &str, text: &str, keywords: &str) -> Candidate {
    Candidate {
        chunk_id: id.into(),
        document_id: doc.into(),
        collection: collection.into(),
        section: section.into(),
        page: None,
        text: text.into(),
        keywords: keywords.into(),
        bm25: None,
    }
}

/// Keyword fake: ranks chunks by how many quoted terms of the MATCH expression they contain.
struct FakeKb {
    chunks: Vec<Candidate>,
    docs: Vec<DocMeta>,
}

impl KeywordIndex for FakeKb {
    async fn keyword(&self, fts: &str, scope: &Scope, limit: usize) -> Result<Vec<Candidate>, ApiError> {
        let terms: Vec<String> = fts.split(" OR ").map(|t| t.trim_matches('"').to_string()).collect();
        let mut scored: Vec<(usize, &Candidate)> = self
            .chunks
            .iter()
            .filter(|c| scope.admits(&c.collection))
            .map(|c| {
                let words = crate::search::analyze::tokens(&format!("{} {} {}", c.section, c.text, c.keywords));
                (terms.iter().filter(|t| words.contains(t)).count(), c)
            })
            .filter(|(n, _)| *n > 0)
            .collect();
        scored.sort_by_key(|s| std::cmp::Reverse(s.0));
        Ok(scored
            .into_iter()
            .take(limit)
            .map(|(n, c)| Candidate {
                bm25: Some(-(n as f64)),
                ..c.clone()
            })
            .collect())
    }
    async fn chunks(&self, ids: &[String]) -> Result<Vec<Candidate>, ApiError> {
        Ok(self
            .chunks
            .iter()
            .filter(|c| ids.contains(&c.chunk_id))
            .cloned()
            .collect())
    }
    async fn documents(&self, ids: &[String]) -> Result<Vec<DocMeta>, ApiError> {
        Ok(self.docs.iter().filter(|d| ids.contains(&d.id)).cloned().collect())
    }
}

/// Vector fake: a fixed nearest-neighbour answer.
struct FakeVectors(Vec<(String, f32)>);
impl VectorIndex for FakeVectors {
    async fn nearest(&self, _: &[f32], _: &Scope, limit: usize) -> Result<Vec<(String, f32)>, ApiError> {
        Ok(self.0.iter().take(limit).cloned().collect())
    }
}

struct FakeEmbedder(bool);
impl Embedder for FakeEmbedder {
    async fn embed_query(&self, _: &str) -> Result<Option<Vec<f32>>, ApiError> {
        Ok(self.0.then(|| vec![0.1, 0.2]))
    }
    fn available(&self) -> bool {
        self.0
    }
}

struct NoRerank;
impl Reranker for NoRerank {
    async fn scores(&self, _: &Analysis, p: &[(&Candidate, &DocMeta)]) -> Result<Vec<f64>, ApiError> {
        Ok(vec![0.0; p.len()])
    }
}

fn doc(id: &str, title: &str, authority: Option<&str>) -> DocMeta {
    DocMeta {
        id: id.into(),
        title: title.into(),
        authority: authority.map(Into::into),
        url: None,
        r2_key: Some(format!("kb/{id}")),
    }
}

fn kb() -> FakeKb {
    FakeKb {
        chunks: vec![
            chunk(
                "k1",
                "kbli/56101",
                "kbli_eye",
                "56101 Restoran",
                "Restoran: usaha penyediaan makanan di tempat.",
                "56101 5610 561 56 i",
            ),
            chunk(
                "k2",
                "kbli/56102",
                "kbli_eye",
                "56102 Warung Makan",
                "Warung makan, bukan restoran besar, restoran kecil, restoran keluarga.",
                "56102",
            ),
            chunk(
                "p1",
                "pp-28-2025",
                "legal_architect",
                "Pasal 211",
                "Perizinan berusaha untuk restoran dan hotel.",
                "",
            ),
            chunk(
                "v1",
                "visa_oracle/c1.md",
                "visa_oracle",
                "C1 Tourism",
                "The C1 visa allows a 60 day stay, extendable.",
                "",
            ),
            chunk("s1", "scifact/1", "scifact", "", "Restoran studies in mice.", ""),
        ],
        docs: vec![
            doc("kbli/56101", "KBLI 56101 — Restoran", None),
            doc("kbli/56102", "KBLI 56102 — Warung Makan", None),
            doc("pp-28-2025", "PP 28/2025", Some("PP 28/2025")),
            doc("visa_oracle/c1.md", "C1 Tourism Visa", None),
        ],
    }
}

fn valid(json: &str) -> ValidSearch {
    let known: Vec<String> = ["kbli_eye", "legal_architect", "visa_oracle", "scifact", "licensing_oss"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    serde_json::from_str::<SearchRequest>(json)
        .unwrap()
        .validate(&known)
        .unwrap()
}

#[test]
fn without_an_embedder_hybrid_falls_back_to_keyword_and_says_so() {
    let out = block_on(search(
        &valid(r#"{"query":"restoran"}"#),
        &kb(),
        &FakeVectors(vec![]),
        &FakeEmbedder(false),
        &NoRerank,
    ))
    .unwrap();
    assert_eq!(out.mode, "keyword");
    assert!(out.notice.unwrap().contains("keyword"));
    assert!(
        out.results.iter().all(|r| r.collection != "scifact"),
        "benchmark collections are opt-in"
    );
    let e = block_on(search(
        &valid(r#"{"query":"x","mode":"vector"}"#),
        &kb(),
        &FakeVectors(vec![]),
        &FakeEmbedder(false),
        &NoRerank,
    ));
    assert_eq!(e.unwrap_err().status(), 422);
}

#[test]
fn hybrid_fuses_keyword_and_vector_lists() {
    let vectors = FakeVectors(vec![("v1".into(), 0.9), ("p1".into(), 0.8)]);
    let out = block_on(search(
        &valid(r#"{"query":"restoran hotel","collections":["legal_architect","visa_oracle","kbli_eye"]}"#),
        &kb(),
        &vectors,
        &FakeEmbedder(true),
        &NoRerank,
    ))
    .unwrap();
    assert_eq!(out.mode, "hybrid");
    // p1 is found by both retrievers and wins; v1 comes only from vectors but is still returned.
    assert_eq!(out.results[0].chunk_id, "p1");
    assert!(out
        .results
        .iter()
        .any(|r| r.chunk_id == "v1" && r.scores.keyword_rank.is_none() && r.scores.vector_rank == Some(1)));
}

#[test]
fn the_lexical_reranker_puts_the_exact_code_and_title_match_first() {
    // Without reranking, k2 (more occurrences of "restoran") outranks k1.
    let q = r#"{"query":"KBLI restoran","collections":["kbli_eye"]}"#;
    let plain = block_on(search(
        &valid(q),
        &kb(),
        &FakeVectors(vec![]),
        &FakeEmbedder(false),
        &NoRerank,
    ))
    .unwrap();
    let reranked = block_on(search(
        &valid(q),
        &kb(),
        &FakeVectors(vec![]),
        &FakeEmbedder(false),
        &LexicalReranker,
    ))
    .unwrap();
    assert_eq!(reranked.results[0].citation.document_id, "kbli/56101");
    assert!(reranked.results[0].scores.rerank.unwrap() > reranked.results[1].scores.rerank.unwrap());
    let by_code = block_on(search(
        &valid(r#"{"query":"56101"}"#),
        &kb(),
        &FakeVectors(vec![]),
        &FakeEmbedder(false),
        &LexicalReranker,
    ))
    .unwrap();
    assert_eq!(by_code.results[0].chunk_id, "k1");
    assert_eq!(plain.results.len(), 2);
}

#[test]
fn legal_citations_name_the_article_and_link_the_document() {
    let out = block_on(search(
        &valid(r#"{"query":"perizinan berusaha"}"#),
        &kb(),
        &FakeVectors(vec![]),
        &FakeEmbedder(false),
        &LexicalReranker,
    ))
    .unwrap();
    let c = &out.results[0].citation;
    assert_eq!(c.label, "PP 28/2025 Pasal 211");
    assert_eq!(c.document_link, "/api/documents/pp-28-2025");
    assert!(out.routed_to.contains(&"legal_architect".to_string()));
    let k = citation(&kb().chunks[0], &kb().docs[0]);
    assert_eq!(k.document_link, "/api/documents/kbli%2F56101");
    assert_eq!(k.label, "KBLI 56101 — Restoran › 56101 Restoran");
}

#[test]
fn routing_hints_vote_for_the_collection_the_words_point_to() {
    // The legal chunk matches both words and leads the global list; "restoran" routes to kbli_eye, whose
    // own best chunk then gets a second vote and overtakes it.
    let q = |json| {
        block_on(search(
            &valid(json),
            &kb(),
            &FakeVectors(vec![]),
            &FakeEmbedder(false),
            &NoRerank,
        ))
        .unwrap()
    };
    let named = q(r#"{"query":"restoran hotel","rerank":false,"collections":["kbli_eye","legal_architect"]}"#);
    assert_eq!(
        named.results[0].chunk_id, "p1",
        "without routing the two-word match wins"
    );
    assert!(named.routed_to.is_empty());
    let routed = q(r#"{"query":"restoran hotel","rerank":false}"#);
    assert_eq!(routed.routed_to, ["kbli_eye"]);
    assert_eq!(routed.results[0].collection, "kbli_eye");
    assert!(routed.expanded_terms.contains(&"restaurant".to_string()));
}

#[test]
fn top_k_bounds_the_results() {
    let out = block_on(search(
        &valid(r#"{"query":"restoran","top_k":1}"#),
        &kb(),
        &FakeVectors(vec![]),
        &FakeEmbedder(false),
        &LexicalReranker,
    ))
    .unwrap();
    assert_eq!(out.results.len(), 1);
}

/// An embedder that fails the way a down or slow server does.
struct BrokenEmbedder(&'static str);
impl Embedder for BrokenEmbedder {
    async fn embed_query(&self, _: &str) -> Result<Option<Vec<f32>>, ApiError> {
        Err(ApiError::new(crate::error::ErrorCode::UpstreamUnavailable, self.0))
    }
    fn available(&self) -> bool {
        true
    }
}

/// A vector index that knows its vectors' size.
struct SizedVectors(usize, Vec<(String, f32)>);
impl VectorIndex for SizedVectors {
    async fn nearest(&self, _: &[f32], _: &Scope, limit: usize) -> Result<Vec<(String, f32)>, ApiError> {
        Ok(self.1.iter().take(limit).cloned().collect())
    }
    async fn dimensions(&self) -> Result<Option<usize>, ApiError> {
        Ok(Some(self.0))
    }
}

#[test]
fn a_failing_embedder_degrades_hybrid_to_keyword_with_a_notice() {
    let out = block_on(search(
        &valid(r#"{"query":"restoran"}"#),
        &kb(),
        &FakeVectors(vec![("v1".into(), 0.9)]),
        &BrokenEmbedder("the embedding service did not answer in 3000 ms"),
        &NoRerank,
    ))
    .unwrap();
    assert_eq!(out.mode, "keyword");
    assert!(out.degraded, "a degraded answer must not be cached");
    let notice = out.notice.unwrap();
    assert!(
        notice.contains("did not answer in 3000 ms") && notice.contains("keyword"),
        "{notice}"
    );
    assert!(out.results.iter().all(|r| r.chunk_id != "v1"));
    assert!(!out.results.is_empty(), "the keyword results still answer");
    // Asking for vectors only cannot be served by keywords: a 503 that says why.
    let e = block_on(search(
        &valid(r#"{"query":"restoran","mode":"vector"}"#),
        &kb(),
        &FakeVectors(vec![]),
        &BrokenEmbedder("the embedding service answered HTTP 500"),
        &NoRerank,
    ))
    .unwrap_err();
    assert_eq!(e.status(), 503);
    assert!(e.message.contains("HTTP 500"), "{}", e.message);
}

#[test]
fn a_query_vector_of_another_size_than_the_index_is_refused_not_compared() {
    // FakeEmbedder returns 2 dimensions; the index holds 384.
    let out = block_on(search(
        &valid(r#"{"query":"restoran"}"#),
        &kb(),
        &SizedVectors(384, vec![("v1".into(), 0.9)]),
        &FakeEmbedder(true),
        &NoRerank,
    ))
    .unwrap();
    assert_eq!(out.mode, "keyword");
    let notice = out.notice.unwrap();
    assert!(notice.contains("384") && notice.contains("returns 2"), "{notice}");
    let ok = block_on(search(
        &valid(r#"{"query":"restoran"}"#),
        &kb(),
        &SizedVectors(2, vec![("v1".into(), 0.9)]),
        &FakeEmbedder(true),
        &NoRerank,
    ))
    .unwrap();
    assert_eq!(ok.mode, "hybrid");
    assert!(ok.results.iter().any(|r| r.chunk_id == "v1"));
}

#[test]
fn elucidation_filler_never_leads() {
    assert!(is_filler(
        "PP 28/2025 Penjelasan Pasal 5\nAyat (1)\nCukup jelas.\nAyat (2)\nCukup jelas."
    ));
    assert!(!is_filler(
        "PP 28/2025 Penjelasan Pasal 5\nAyat (1)\nCukup jelas.\nAyat (2)\nYang dimaksud dengan risiko tinggi adalah kegiatan usaha dengan dampak besar."
    ));
    assert!(!is_filler("Restoran: usaha penyediaan makanan."));
    let mut store = kb();
    store.chunks.push(chunk(
        "f1",
        "pp-28-2025",
        "legal_architect",
        "Penjelasan Pasal 211",
        "PP 28/2025 Penjelasan Pasal 211\nAyat (1) Restoran hotel\nCukup jelas.",
        "restoran hotel restoran",
    ));
    let out = block_on(search(
        &valid(r#"{"query":"restoran hotel","collections":["legal_architect"],"rerank":false}"#),
        &store,
        &FakeVectors(vec![]),
        &FakeEmbedder(false),
        &NoRerank,
    ))
    .unwrap();
    assert_eq!(out.results[0].chunk_id, "p1", "the article, not its empty elucidation");
}

#[test]
fn one_source_does_not_fill_the_top_results() {
    let mut store = kb();
    for i in 0..4 {
        store.chunks.push(chunk(
            &format!("g{i}"),
            "licensing_oss/guide.md",
            "licensing_oss",
            &format!("Guide › Part {i}"),
            "hotel restoran villa hotel restoran villa",
            "",
        ));
    }
    store.docs.push(doc("licensing_oss/guide.md", "Guide", None));
    let out = block_on(search(
        &valid(r#"{"query":"restoran hotel villa","collections":["licensing_oss","legal_architect"],"rerank":false}"#),
        &store,
        &FakeVectors(vec![]),
        &FakeEmbedder(false),
        &NoRerank,
    ))
    .unwrap();
    let docs: Vec<&str> = out.results.iter().map(|r| r.citation.document_id.as_str()).collect();
    assert_eq!(
        &docs[..3],
        ["licensing_oss/guide.md", "licensing_oss/guide.md", "pp-28-2025"],
        "{docs:?}"
    );
    assert_eq!(docs.len(), 5, "the other chunks still follow");
    // Articles of a regulation are sources of their own: two Pasal of one document are not limited together.
    let a = chunk("a", "pp-28-2025", "legal_architect", "Pasal 1", "x", "");
    let b = chunk("b", "pp-28-2025", "legal_architect", "Pasal 2", "x", "");
    assert_ne!(family(&a), family(&b));
}

/// Keyword search on random indexes: below the bound, the routed lists taken from the general list fuse to the
/// same top `pool`, with the same scores, as the lists a store ranks on its own (each collection's best
/// `pool / 2` by BM25); above it they do not always, so the bound is needed.
#[test]
fn routed_lists_from_the_general_list_fuse_like_the_stores_own() {
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let collections = ["a", "b", "c", "d"];
    let pools = [40, 52, 61, 64, 80, 100];
    let mut differed = [0; 6];
    for trial in 0..1200 {
        let pool = pools[trial % pools.len()];
        let n = next(2 * pool as u64) as usize;
        // Distinct scores, best first, as the store ranks them; collections common ("a") to rare ("d").
        let ranked: Vec<Candidate> = (0..n)
            .map(|i| {
                let c = collections[match next(40) {
                    0 => 3,
                    1..=20 => 0,
                    k => 1 + (k % 2) as usize,
                }];
                Candidate {
                    bm25: Some(i as f64),
                    ..chunk(&format!("c{i}"), "d", c, "", "", "")
                }
            })
            .collect();
        let routes: Vec<String> = match next(3) {
            0 => vec!["a".into()],
            1 => vec!["b".into(), "c".into()],
            _ => vec!["d".into(), "a".into()],
        };
        let general: Vec<Candidate> = ranked.iter().take(pool).cloned().collect();
        let own: Vec<Vec<Candidate>> = routes
            .iter()
            .map(|r| {
                ranked
                    .iter()
                    .filter(|c| &c.collection == r)
                    .take(pool / 2)
                    .cloned()
                    .collect()
            })
            .collect();
        let derived = routes_from_general(&general, &routes, pool / 2);
        let fuse = |routed: &[Vec<Candidate>]| {
            let ids = |l: &[Candidate]| l.iter().map(|c| c.chunk_id.clone()).collect::<Vec<_>>();
            let lists: Vec<Vec<String>> = std::iter::once(ids(&general))
                .chain(routed.iter().map(|l| ids(l)))
                .collect();
            let weighted: Vec<(&[String], f64)> = lists
                .iter()
                .enumerate()
                .map(|(i, l)| (l.as_slice(), if i == 0 { 1.0 } else { ROUTE_WEIGHT }))
                .collect();
            let mut fused = rrf_weighted(&weighted, RRF_K);
            fused.truncate(pool);
            fused
        };
        if routed_rows_can_enter(pool) {
            differed[trial % pools.len()] += usize::from(fuse(&derived) != fuse(&own));
        } else {
            assert_eq!(
                fuse(&derived),
                fuse(&own),
                "trial {trial}: {n} chunks, pool {pool}, routes {routes:?}"
            );
        }
    }
    assert_eq!(
        pools.map(routed_rows_can_enter),
        [false, false, false, true, true, true]
    );
    assert!(differed[3..].iter().all(|&d| d > 0), "above the bound: {differed:?}");
}

/// Counts the lists a keyword search asks the store for.
struct CountingKb {
    inner: FakeKb,
    routed: std::cell::Cell<usize>,
}

impl KeywordIndex for CountingKb {
    async fn keyword(&self, fts: &str, scope: &Scope, limit: usize) -> Result<Vec<Candidate>, ApiError> {
        if matches!(scope, Scope::Only(c) if c.len() == 1) {
            self.routed.set(self.routed.get() + 1);
        }
        self.inner.keyword(fts, scope, limit).await
    }
    async fn chunks(&self, ids: &[String]) -> Result<Vec<Candidate>, ApiError> {
        self.inner.chunks(ids).await
    }
    async fn documents(&self, ids: &[String]) -> Result<Vec<DocMeta>, ApiError> {
        self.inner.documents(ids).await
    }
}

#[test]
fn keyword_search_asks_the_store_for_routed_lists_only_when_they_can_change_the_ranking() {
    let run = |json: &str| {
        let kb = CountingKb {
            inner: kb(),
            routed: Default::default(),
        };
        let out = block_on(search(
            &valid(json),
            &kb,
            &FakeVectors(vec![]),
            &FakeEmbedder(false),
            &NoRerank,
        ))
        .unwrap();
        (out, kb.routed.get())
    };
    let (routed, asked) = run(r#"{"query":"restoran hotel","rerank":false}"#);
    assert_eq!(routed.routed_to, ["kbli_eye"]);
    assert_eq!(routed.results[0].collection, "kbli_eye", "the route still votes");
    assert_eq!(
        asked, 0,
        "the general list holds the routed list's every chunk that can count"
    );
    // top_k 20 makes a pool of 80, past the bound: the routed list is asked for.
    let (_, asked) = run(r#"{"query":"restoran hotel","rerank":false,"top_k":20}"#);
    assert_eq!(asked, 1);
}
