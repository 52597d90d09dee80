//! The search pipeline over storage traits: keyword (BM25) and vector retrieval, routing hints,
//! reciprocal rank fusion, reranking, snippets and citations. The worker implements the traits over
//! D1, Vectorize and Workers AI; tests use the in-memory fakes below. Over 400 lines because it is the one
//! engine: the traits, then one function per stage, in the order a search runs them.
#![allow(async_fn_in_trait)] // single-threaded WASM: the futures need not be Send.

use rustc_hash::FxHashMap as HashMap;

use super::analyze::{analyze, Analysis};
use super::citation::citation;
use super::fusion::{rrf_weighted, RRF_K, RRF_K_HYBRID};
use super::request::{Mode, ValidSearch, BENCHMARK_COLLECTIONS};
use super::snippet::snippet;
pub use super::types::{Candidate, Citation, DocMeta, Scope, ScoreDetail, SearchHit, SearchOutcome};
use crate::error::{ApiError, ErrorCode};

pub trait KeywordIndex {
    /// Best `limit` chunks for the FTS5 MATCH expression within `scope`, best first.
    async fn keyword(&self, fts_query: &str, scope: &Scope, limit: usize) -> Result<Vec<Candidate>, ApiError>;
    /// [`keyword`](Self::keyword) for `scope`, plus the best `route_limit` chunks of each routed collection on
    /// its own. A store that can evaluate the MATCH once for all of them should (D1 does, in one statement over
    /// a materialised CTE, `search::sql::routed_json_sql`: BM25 over every matching row is most of a search's
    /// cost); by default, one call each.
    async fn keyword_routed(
        &self,
        fts_query: &str,
        scope: &Scope,
        limit: usize,
        routes: &[String],
        route_limit: usize,
    ) -> Result<(Vec<Candidate>, Vec<Vec<Candidate>>), ApiError> {
        let all = self.keyword(fts_query, scope, limit).await?;
        let mut per_route = Vec::with_capacity(routes.len());
        for route in routes {
            per_route.push(
                self.keyword(fts_query, &Scope::Only(vec![route.clone()]), route_limit)
                    .await?,
            );
        }
        Ok((all, per_route))
    }
    async fn chunks(&self, ids: &[String]) -> Result<Vec<Candidate>, ApiError>;
    async fn documents(&self, ids: &[String]) -> Result<Vec<DocMeta>, ApiError>;
}

pub trait VectorIndex {
    /// Nearest chunk ids with cosine similarity, best first.
    async fn nearest(&self, vector: &[f32], scope: &Scope, limit: usize) -> Result<Vec<(String, f32)>, ApiError>;
    /// The dimension of the stored vectors, when the index knows it (`None`: empty, or not recorded). A query
    /// vector of another size is refused rather than compared with garbage.
    async fn dimensions(&self) -> Result<Option<usize>, ApiError> {
        Ok(None)
    }
}

pub trait Embedder {
    /// The query's vector (embedded in the query role: asymmetric models such as E5 embed questions and
    /// passages differently). `None` when no embedder is configured (keyword-only search).
    async fn embed_query(&self, text: &str) -> Result<Option<Vec<f32>>, ApiError>;
    fn available(&self) -> bool;
    /// Vectors for several texts (in order) embedded as `role`, for `POST /v1/embeddings`. `None` when no
    /// embedder is configured. By default one [`embed_query`](Self::embed_query) each, which suits only
    /// symmetric models: real embedders make one call and honour the role.
    async fn embed_many(&self, texts: &[String], role: EmbedRole) -> Result<Option<Embedded>, ApiError> {
        let _ = role;
        let mut vectors = Vec::with_capacity(texts.len());
        for t in texts {
            match self.embed_query(t).await? {
                Some(v) => vectors.push(v),
                None => return Ok(None),
            }
        }
        Ok(Some(Embedded { vectors, tokens: None }))
    }
}

/// Which side of an asymmetric model (E5's `query: ` / `passage: `) a text is embedded as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmbedRole {
    Query,
    Passage,
}

impl EmbedRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Query => "query",
            Self::Passage => "passage",
        }
    }
}

/// Vectors from [`Embedder::embed_many`], with the tokens the service counted when it says.
#[derive(Debug, Clone, PartialEq)]
pub struct Embedded {
    pub vectors: Vec<Vec<f32>>,
    pub tokens: Option<u64>,
}

pub trait Reranker {
    /// Relevance of each passage to the query, higher is better, one score per passage.
    async fn scores(&self, query: &Analysis, passages: &[(&Candidate, &DocMeta)]) -> Result<Vec<f64>, ApiError>;
}

/// How many candidates each retriever contributes before fusion.
fn pool_size(top_k: usize) -> usize {
    (top_k * 4).clamp(40, 100)
}

pub async fn search<K: KeywordIndex, V: VectorIndex, E: Embedder, R: Reranker>(
    req: &ValidSearch,
    kb: &K,
    vectors: &V,
    embedder: &E,
    reranker: &R,
) -> Result<SearchOutcome, ApiError> {
    let only_benchmarks = req
        .collections
        .as_ref()
        .is_some_and(|c| c.iter().all(|c| BENCHMARK_COLLECTIONS.contains(&c.as_str())));
    let analysis = analyze(&req.query, !only_benchmarks);
    let scope = match &req.collections {
        Some(c) => Scope::Only(c.clone()),
        None => Scope::AllExcept(BENCHMARK_COLLECTIONS.iter().map(|s| s.to_string()).collect()),
    };

    let (mut mode, mut notice) = match (req.mode, embedder.available()) {
        (Mode::Vector, false) => {
            return Err(ApiError::validation(
                "vector mode needs an embedder; this deployment has none (EMBEDDER=none)",
            ))
        }
        (Mode::Hybrid, false) => (
            Mode::Keyword,
            Some("no embedder configured: keyword search only".to_string()),
        ),
        (m, _) => (m, None),
    };
    let pool = pool_size(req.top_k);
    // Routing: when the caller named no collection, the collections the query's words point to are searched on
    // their own too, so their best passages get a second vote in the fusion even when common words elsewhere
    // outscore them in the global list.
    let routes: Vec<String> = if req.collections.is_none() {
        analysis.route_hints.iter().take(2).cloned().collect()
    } else {
        Vec::new()
    };
    let fts = analysis.fts_query().filter(|_| mode != Mode::Vector);
    // In keyword-only search the routed lists can be taken from the general list (see `routes_from_general`):
    // the store then reads a quarter fewer rows, and the ranking is the same.
    let general_suffices = mode == Mode::Keyword && !routed_rows_can_enter(pool);
    // The two retrievers wait on different services (D1, the embedder): run them together.
    let keyword = async {
        match &fts {
            Some(q) if general_suffices => {
                let (all, _) = kb.keyword_routed(q, &scope, pool, &[], 0).await?;
                let per_route = routes_from_general(&all, &routes, pool / 2);
                Ok(Some((all, per_route)))
            }
            Some(q) => kb.keyword_routed(q, &scope, pool, &routes, pool / 2).await.map(Some),
            None => Ok(None),
        }
    };
    let semantic = async {
        if mode == Mode::Keyword {
            None
        } else {
            Some(nearest(&req.query, embedder, vectors, &scope, pool).await)
        }
    };
    // The question bridged into Indonesian (see `Analysis::bridged`): a second vector query, and a keyword query
    // of the Indonesian words alone, which the expansions' many English and Italian synonyms cannot outvote.
    let bridged = async {
        match (&analysis.bridged, mode) {
            (Some(text), Mode::Hybrid) => nearest(text, embedder, vectors, &scope, pool).await.ok(),
            _ => None,
        }
    };
    let bridged_keyword = async {
        match (&analysis.bridged, mode) {
            (Some(text), Mode::Hybrid) => match fts_of(text) {
                Some(q) => kb.keyword(&q, &scope, pool / 2).await.ok(),
                None => None,
            },
            _ => None,
        }
    };
    let ((keyword, semantic), (bridged, bridged_keyword)) = futures_util::future::join(
        futures_util::future::join(keyword, semantic),
        futures_util::future::join(bridged, bridged_keyword),
    )
    .await;

    let mut by_id: HashMap<String, Candidate> = HashMap::default();
    let mut lists: Vec<Vec<String>> = Vec::new();
    let mut keyword_rank = HashMap::default();
    if let Some((hits, routed)) = keyword? {
        let ids: Vec<String> = hits.iter().map(|c| c.chunk_id.clone()).collect();
        for (i, id) in ids.iter().enumerate() {
            keyword_rank.insert(id.clone(), i + 1);
        }
        for scoped in routed {
            if !scoped.is_empty() {
                lists.push(scoped.iter().map(|c| c.chunk_id.clone()).collect());
                for c in scoped {
                    by_id.entry(c.chunk_id.clone()).or_insert(c);
                }
            }
        }
        lists.insert(0, ids);
        by_id.extend(hits.into_iter().map(|c| (c.chunk_id.clone(), c)));
    }
    if let Some(hits) = bridged_keyword.filter(|h| !h.is_empty()) {
        lists.push(hits.iter().map(|c| c.chunk_id.clone()).collect());
        for c in hits {
            by_id.entry(c.chunk_id.clone()).or_insert(c);
        }
    }
    let mut degraded = false;
    let mut vector_hits = HashMap::default();
    let mut vector_list: Option<Vec<String>> = None;
    let mut bridged_list: Option<Vec<String>> = None;
    let mut vector_top = None;
    match semantic {
        None => {}
        Some(Ok(near)) => {
            vector_top = near.first().map(|n| n.1);
            let missing: Vec<String> = near
                .iter()
                .filter(|(id, _)| !by_id.contains_key(id))
                .map(|(id, _)| id.clone())
                .collect();
            if !missing.is_empty() {
                by_id.extend(kb.chunks(&missing).await?.into_iter().map(|c| (c.chunk_id.clone(), c)));
            }
            for (i, (id, s)) in near.iter().enumerate() {
                vector_hits.insert(id.clone(), (*s, i + 1));
            }
            let ranked: Vec<String> = near
                .into_iter()
                .map(|(id, _)| id)
                .filter(|id| by_id.contains_key(id))
                .collect();
            vector_list = Some(ranked);
            if let Some(near) = bridged {
                let missing: Vec<String> = near
                    .iter()
                    .filter(|(id, _)| !by_id.contains_key(id))
                    .map(|(id, _)| id.clone())
                    .collect();
                if !missing.is_empty() {
                    by_id.extend(kb.chunks(&missing).await?.into_iter().map(|c| (c.chunk_id.clone(), c)));
                }
                bridged_list = Some(
                    near.into_iter()
                        .map(|(id, _)| id)
                        .filter(|id| by_id.contains_key(id))
                        .collect(),
                );
            }
        }
        Some(Err(reason)) if mode == Mode::Hybrid => {
            // The embedder is down, slow or wrong: the keyword results still answer, and say what is missing.
            degraded = true;
            mode = Mode::Keyword;
            notice = Some(format!("semantic search unavailable ({reason}): keyword results only"));
        }
        Some(Err(reason)) => {
            return Err(ApiError::new(
                ErrorCode::UpstreamUnavailable,
                format!("semantic search unavailable: {reason}"),
            ))
        }
    }

    // The keyword list, the routed keyword lists, then the vector list, each with its weight.
    let mut weighted: Vec<(&[String], f64)> = lists
        .iter()
        .enumerate()
        .map(|(i, l)| (l.as_slice(), if i == 0 { 1.0 } else { ROUTE_WEIGHT }))
        .collect();
    if let Some(v) = &vector_list {
        weighted.push((v.as_slice(), 1.0));
    }
    if let Some(v) = &bridged_list {
        weighted.push((v.as_slice(), BRIDGED_WEIGHT));
    }
    let k = if vector_list.is_some() { RRF_K_HYBRID } else { RRF_K };
    let fused: Vec<(String, f64)> = rrf_weighted(&weighted, k)
        .into_iter()
        .filter(|(id, _)| by_id.contains_key(id))
        .take(pool)
        .collect();
    let doc_ids: Vec<String> = {
        let mut d: Vec<String> = fused.iter().map(|(id, _)| by_id[id].document_id.clone()).collect();
        d.sort();
        d.dedup();
        d
    };
    let docs: HashMap<String, DocMeta> = kb
        .documents(&doc_ids)
        .await?
        .into_iter()
        .map(|d| (d.id.clone(), d))
        .collect();
    let doc_of = |c: &Candidate| {
        docs.get(&c.document_id)
            .cloned()
            .unwrap_or_else(|| fallback_doc(&c.document_id))
    };

    let mut ranked: Vec<(String, f64, Option<f64>)> = fused.iter().map(|(id, s)| (id.clone(), *s, None)).collect();
    if req.rerank && !ranked.is_empty() {
        let owned_docs: Vec<DocMeta> = ranked.iter().map(|(id, _, _)| doc_of(&by_id[id])).collect();
        let passages: Vec<(&Candidate, &DocMeta)> = ranked
            .iter()
            .zip(owned_docs.iter())
            .map(|((id, _, _), d)| (&by_id[id], d))
            .collect();
        let scores = reranker.scores(&analysis, &passages).await?;
        let top = ranked.first().map(|r| r.1).unwrap_or(1.0).max(f64::MIN_POSITIVE);
        for (r, s) in ranked.iter_mut().zip(scores) {
            // Blend: normalised fusion score keeps retrieval's judgement, the reranker reorders near-ties.
            r.2 = Some(s);
            r.1 = r.1 / top + s;
        }
    }
    // Passages that say nothing ("Cukup jelas." — "clear enough" — under an elucidation heading) never lead.
    for r in ranked.iter_mut() {
        if is_filler(&by_id[&r.0].text) {
            r.1 *= FILLER_WEIGHT;
        }
    }
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let names_a_regulation = analysis.route_hints.iter().any(|h| h == "legal_architect");
    let per_document = if names_a_regulation { usize::MAX } else { PER_DOCUMENT };
    let ranked = diversify(ranked, per_document, |r| {
        let c = &by_id[&r.0];
        (family(c), c.document_id.clone())
    });

    let highlight_terms: Vec<String> = analysis
        .terms
        .iter()
        .chain(analysis.expansions.iter())
        .cloned()
        .collect();
    let results = ranked
        .into_iter()
        .take(req.top_k)
        .map(|(id, score, rerank)| {
            let c = &by_id[&id];
            let doc = doc_of(c);
            let v = vector_hits.get(&id);
            SearchHit {
                chunk_id: id.clone(),
                collection: c.collection.clone(),
                text: c.text.clone(),
                snippet: snippet(&c.text, &highlight_terms),
                score,
                scores: ScoreDetail {
                    fused: fused.iter().find(|(f, _)| *f == id).map(|f| f.1).unwrap_or(0.0),
                    bm25: c.bm25,
                    keyword_rank: keyword_rank.get(&id).copied(),
                    vector: v.map(|v| v.0),
                    vector_rank: v.map(|v| v.1),
                    rerank,
                },
                citation: citation(c, &doc),
            }
        })
        .collect();

    Ok(SearchOutcome {
        query: req.query.clone(),
        mode: mode.as_str(),
        notice,
        degraded,
        collections: req.collections.clone(),
        routed_to: if req.collections.is_none() {
            analysis.route_hints.clone()
        } else {
            Vec::new()
        },
        expanded_terms: analysis.expansions.clone(),
        analysis,
        vector_top,
        results,
    })
}

/// Whether, in keyword-only search, a chunk that only a routed list holds can reach the fused top `pool`.
/// Such a chunk has one collection, so one routed vote at best: `ROUTE_WEIGHT / (RRF_K + 1)`. It exists only
/// when the general list is full (a list that is not holds every match of the scope, the routed ones
/// included), and then each of the general list's `pool` chunks has at least `1 / (RRF_K + pool)`; ties go to
/// the first seen, the general list's. With the weights of today this holds up to a pool of 61 (top_k 15).
fn routed_rows_can_enter(pool: usize) -> bool {
    ROUTE_WEIGHT / (RRF_K + 1.0) >= 1.0 / (RRF_K + pool as f64)
}

/// Each route's list as the store would rank it, less the chunks that cannot reach the fused pool
/// ([`routed_rows_can_enter`]): the general list's chunks of that collection, in their order, at most `limit`.
/// Both lists order the collection's chunks by BM25 and every chunk of the general list outranks every chunk
/// left out of it, so each kept chunk has the same rank in both and the fusion the same scores.
fn routes_from_general(all: &[Candidate], routes: &[String], limit: usize) -> Vec<Vec<Candidate>> {
    routes
        .iter()
        .map(|r| all.iter().filter(|c| &c.collection == r).take(limit).cloned().collect())
        .collect()
}

/// Fusion weights relative to the keyword and vector lists (1 each): routed keyword lists add a collection's own
/// best, the vector list of the question bridged into Indonesian reaches the statute (measured: `make eval`).
const ROUTE_WEIGHT: f64 = 0.5;
/// The weight of the vector list of the question bridged into Indonesian (see `Analysis::bridged`).
const BRIDGED_WEIGHT: f64 = 1.0;
/// At most this many passages of one source family lead the results; the rest follow the other sources.
const PER_FAMILY: usize = 2;
/// And at most this many passages of one document, articles of a regulation included, unless the question
/// names the regulation: the statute's many articles must leave room for the guides that explain them.
const PER_DOCUMENT: usize = 4;

/// The unit of diversity: a document, or one article of a regulation cited by article ("PP 28/2025 Pasal 5").
fn family(c: &Candidate) -> String {
    if c.section.starts_with("Pasal ") || c.section.starts_with("Penjelasan Pasal ") {
        format!("{}#{}", c.document_id, c.section)
    } else {
        c.document_id.clone()
    }
}

/// Keeps the order, but moves a family's passages beyond the first [`PER_FAMILY`] (and a document's beyond the
/// first `per_document`) behind everything else, so five chunks of one guide do not push every other source out
/// of the top results.
fn diversify<T>(ranked: Vec<T>, per_document: usize, key: impl Fn(&T) -> (String, String)) -> Vec<T> {
    let mut families: HashMap<String, usize> = HashMap::default();
    let mut documents: HashMap<String, usize> = HashMap::default();
    let (mut head, mut tail) = (Vec::with_capacity(ranked.len()), Vec::new());
    for r in ranked {
        let (family, document) = key(&r);
        let f = families.entry(family).or_insert(0);
        let d = documents.entry(document).or_insert(0);
        if *f < PER_FAMILY && *d < per_document {
            *f += 1;
            *d += 1;
            head.push(r);
        } else {
            tail.push(r);
        }
    }
    head.extend(tail);
    head
}
/// The score factor of a passage with no content of its own.
const FILLER_WEIGHT: f64 = 0.2;

fn fallback_doc(id: &str) -> DocMeta {
    DocMeta {
        id: id.to_string(),
        title: id.to_string(),
        authority: None,
        url: None,
        r2_key: None,
    }
}

/// An FTS5 expression of the words of `text`, each quoted.
fn fts_of(text: &str) -> Option<String> {
    let parts: Vec<String> = text
        .split_whitespace()
        .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
        .collect();
    (!parts.is_empty()).then(|| parts.join(" OR "))
}

/// The query's nearest chunks, or why semantic search cannot run (for the notice: embedders put a message
/// safe to show in their errors; stores' internals stay in `detail`).
async fn nearest<V: VectorIndex, E: Embedder>(
    query: &str,
    embedder: &E,
    vectors: &V,
    scope: &Scope,
    pool: usize,
) -> Result<Vec<(String, f32)>, String> {
    let v = match embedder.embed_query(query).await {
        Ok(Some(v)) => v,
        Ok(None) => return Err("no embedder configured".into()),
        Err(e) => return Err(e.message),
    };
    if v.is_empty() || v.iter().any(|x| !x.is_finite()) {
        return Err("the embedder returned an empty or non-finite vector".into());
    }
    match vectors.dimensions().await {
        Ok(Some(d)) if d != v.len() => {
            return Err(format!(
                "the vector index holds {d}-dimension vectors but the embedder returns {}: rebuild the index \
                 with this embedder (kb-build) or configure the embedder it was built with",
                v.len()
            ))
        }
        Ok(_) => {}
        Err(e) => return Err(e.message),
    }
    vectors.nearest(&v, scope, pool).await.map_err(|e| e.message)
}

/// A passage whose only content is its heading and "Cukup jelas" lines (PP 28/2025 elucidation filler).
pub fn is_filler(text: &str) -> bool {
    let body = text.split_once('\n').map_or(text, |(_, rest)| rest);
    // Almost no passage has the phrase: a body is ruled out without lowercasing a copy of it, its bytes compared
    // as ASCII (no byte of a multi-byte character matches one; the one such character that lowercases to a
    // letter of the phrase, the Kelvin sign, to k, takes the long way).
    const PHRASE: &[u8] = b"cukup jelas";
    let has_phrase = body
        .as_bytes()
        .windows(PHRASE.len())
        .any(|w| w.eq_ignore_ascii_case(PHRASE));
    if !has_phrase && (body.is_ascii() || !body.contains('\u{212A}')) {
        return false;
    }
    let lower = body.to_lowercase();
    if !lower.contains("cukup jelas") {
        return false;
    }
    let rest = lower.replace("cukup jelas", " ");
    let content = rest
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 1 && !matches!(*w, "pasal" | "ayat" | "huruf" | "angka" | "penjelasan"))
        .count();
    content < 4
}

#[cfg(test)]
#[path = "pipeline_tests.rs"]
mod tests;
