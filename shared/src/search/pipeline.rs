//! The search pipeline over storage traits: keyword (BM25) and vector retrieval, routing hints,
//! reciprocal rank fusion, reranking, snippets and citations. The worker implements the traits over
//! D1, Vectorize and Workers AI; tests use the in-memory fakes below.
#![allow(async_fn_in_trait)] // single-threaded WASM: the futures need not be Send.

use std::collections::HashMap;

use serde::Serialize;

use super::analyze::{analyze, normalise, Analysis};
use super::fusion::rrf;
use super::request::{Mode, ValidSearch, BENCHMARK_COLLECTIONS};
use super::snippet::{snippet, term_matches, Snippet};
use crate::error::ApiError;

/// Which collections a search may return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Only(Vec<String>),
    AllExcept(Vec<String>),
}

impl Scope {
    pub fn admits(&self, collection: &str) -> bool {
        match self {
            Scope::Only(c) => c.iter().any(|x| x == collection),
            Scope::AllExcept(c) => !c.iter().any(|x| x == collection),
        }
    }
}

/// A chunk as the stores return it.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub chunk_id: String,
    pub document_id: String,
    pub collection: String,
    pub section: String,
    pub page: Option<i64>,
    pub text: String,
    pub keywords: String,
    /// FTS5 bm25() (lower is better), when found by keyword.
    pub bm25: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocMeta {
    pub id: String,
    pub title: String,
    pub authority: Option<String>,
    pub url: Option<String>,
    pub r2_key: Option<String>,
}

pub trait KeywordIndex {
    /// Best `limit` chunks for the FTS5 MATCH expression within `scope`, best first.
    async fn keyword(&self, fts_query: &str, scope: &Scope, limit: usize) -> Result<Vec<Candidate>, ApiError>;
    /// [`keyword`](Self::keyword) for `scope`, plus the best `route_limit` chunks of each routed collection on
    /// its own. A store that can evaluate the MATCH once for all of them should (D1 does, with window
    /// functions: BM25 over every matching row is most of a search's cost); by default, one call each.
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
}

pub trait Embedder {
    /// `None` when no embedder is configured (keyword-only search).
    async fn embed_query(&self, text: &str) -> Result<Option<Vec<f32>>, ApiError>;
    fn available(&self) -> bool;
}

pub trait Reranker {
    /// Relevance of each passage to the query, higher is better, one score per passage.
    async fn scores(&self, query: &Analysis, passages: &[(&Candidate, &DocMeta)]) -> Result<Vec<f64>, ApiError>;
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Citation {
    pub label: String,
    pub title: String,
    pub section: String,
    pub page: Option<i64>,
    pub url: Option<String>,
    pub r2_key: Option<String>,
    pub document_id: String,
    pub document_link: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreDetail {
    pub fused: f64,
    pub bm25: Option<f64>,
    pub keyword_rank: Option<usize>,
    pub vector: Option<f32>,
    pub vector_rank: Option<usize>,
    pub rerank: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHit {
    pub chunk_id: String,
    pub collection: String,
    pub text: String,
    pub snippet: Snippet,
    pub score: f64,
    pub scores: ScoreDetail,
    pub citation: Citation,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchOutcome {
    pub query: String,
    pub mode: &'static str,
    pub notice: Option<String>,
    pub collections: Option<Vec<String>>,
    pub routed_to: Vec<String>,
    pub expanded_terms: Vec<String>,
    pub results: Vec<SearchHit>,
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

    let (mode, notice) = match (req.mode, embedder.available()) {
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

    let mut by_id: HashMap<String, Candidate> = HashMap::new();
    let mut lists: Vec<Vec<String>> = Vec::new();
    let mut keyword_rank = HashMap::new();
    if mode != Mode::Vector {
        if let Some(fts) = analysis.fts_query() {
            // Routing: when the caller named no collection, the collections the query's words point to are
            // searched on their own too, so their best passages get a second vote in the fusion even when
            // common words elsewhere outscore them in the global list.
            let routes: Vec<String> = if req.collections.is_none() {
                analysis.route_hints.iter().take(2).cloned().collect()
            } else {
                Vec::new()
            };
            let (hits, routed) = kb.keyword_routed(&fts, &scope, pool, &routes, pool / 2).await?;
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
    }
    let mut vector_hits = HashMap::new();
    if mode != Mode::Keyword {
        if let Some(v) = embedder.embed_query(&req.query).await? {
            let near = vectors.nearest(&v, &scope, pool).await?;
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
            lists.push(
                near.into_iter()
                    .map(|(id, _)| id)
                    .filter(|id| by_id.contains_key(id))
                    .collect(),
            );
        }
    }

    let fused: Vec<(String, f64)> = rrf(&lists)
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
    let fallback_doc = |id: &str| DocMeta {
        id: id.to_string(),
        title: id.to_string(),
        authority: None,
        url: None,
        r2_key: None,
    };

    let mut ranked: Vec<(String, f64, Option<f64>)> = fused.iter().map(|(id, s)| (id.clone(), *s, None)).collect();
    if req.rerank && !ranked.is_empty() {
        let owned_docs: Vec<DocMeta> = ranked
            .iter()
            .map(|(id, _, _)| {
                docs.get(&by_id[id].document_id)
                    .cloned()
                    .unwrap_or_else(|| fallback_doc(&by_id[id].document_id))
            })
            .collect();
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
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    }

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
            let doc = docs
                .get(&c.document_id)
                .cloned()
                .unwrap_or_else(|| fallback_doc(&c.document_id));
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
        collections: req.collections.clone(),
        routed_to: if req.collections.is_none() {
            analysis.route_hints.clone()
        } else {
            Vec::new()
        },
        expanded_terms: analysis.expansions.clone(),
        results,
    })
}

/// "PP 28/2025 Pasal 211" for articles of a regulation; "Title › Section" otherwise.
pub fn citation(c: &Candidate, doc: &DocMeta) -> Citation {
    let label = match (
        &doc.authority,
        c.section.starts_with("Pasal ") || c.section.starts_with("Penjelasan"),
    ) {
        (Some(auth), true) => format!("{auth} {}", c.section),
        _ if c.section.is_empty() || c.section == doc.title => doc.title.clone(),
        _ => format!("{} › {}", doc.title, c.section),
    };
    Citation {
        label,
        title: doc.title.clone(),
        section: c.section.clone(),
        page: c.page,
        url: doc.url.clone(),
        r2_key: doc.r2_key.clone(),
        document_id: doc.id.clone(),
        document_link: document_link(&doc.id),
    }
}

/// The API link to a knowledge-base document (ids like `kbli/56101` are percent-encoded into one segment).
pub fn document_link(id: &str) -> String {
    format!("/api/documents/{}", encode_segment(id))
}

fn encode_segment(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The local reranker: lexical evidence a bag-of-words BM25 misses — how many of the query's own terms a
/// passage covers, whether they appear in its title or section, and exact code matches (56101, E33G).
pub struct LexicalReranker;

impl Reranker for LexicalReranker {
    async fn scores(&self, q: &Analysis, passages: &[(&Candidate, &DocMeta)]) -> Result<Vec<f64>, ApiError> {
        Ok(passages.iter().map(|(c, d)| lexical_score(q, c, d)).collect())
    }
}

pub fn lexical_score(q: &Analysis, c: &Candidate, d: &DocMeta) -> f64 {
    if q.terms.is_empty() {
        return 0.0;
    }
    // Words as slices of one normalised string each (what `tokens` returns, without a String per word: this
    // runs for every candidate passage of every search).
    fn split(s: &str) -> Vec<&str> {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|t| !t.is_empty())
            .collect()
    }
    let (head_norm, body_norm) = (
        normalise(&format!("{} {}", d.title, c.section)),
        normalise(&format!("{} {}", c.text, c.keywords)),
    );
    let (head, body) = (split(&head_norm), split(&body_norm));
    let has = |ws: &[&str], t: &str| ws.iter().any(|w| term_matches(w, t));
    let n = q.terms.len() as f64;
    let coverage = q.terms.iter().filter(|t| has(&body, t) || has(&head, t)).count() as f64 / n;
    // A query term in the title counts fully; only a synonym of it there, half.
    let in_head: f64 = q
        .terms
        .iter()
        .map(|t| {
            if has(&head, t) {
                1.0
            } else if super::glossary::expansions(t).iter().any(|e| has(&head, e)) {
                0.5
            } else {
                0.0
            }
        })
        .sum::<f64>()
        / n;
    let exact_code = !q.codes.is_empty() && {
        let keywords = super::analyze::tokens(&c.keywords);
        q.codes
            .iter()
            .any(|code| head.iter().any(|w| w == code) || keywords.iter().any(|w| w == code))
    };
    0.25 * coverage + 0.35 * in_head + if exact_code { 1.0 } else { 0.0 }
}

#[cfg(test)]
#[path = "pipeline_tests.rs"]
mod tests;
