//! What a search works with and returns: the scope, candidate chunks and their documents as the stores give
//! them, and the hits with their citations and scores as the API returns them.

use serde::Serialize;

use super::analyze::Analysis;
use super::snippet::Snippet;

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
    /// Hybrid search that fell back to keyword because the embedder failed: not worth caching.
    #[serde(skip)]
    pub degraded: bool,
    /// The query as the pipeline understood it (terms, expansions), for the answer composer.
    #[serde(skip)]
    pub analysis: Analysis,
    /// The best cosine similarity of the vector search over the whole scope (for judging answerability).
    #[serde(skip)]
    pub vector_top: Option<f32>,
    pub collections: Option<Vec<String>>,
    pub routed_to: Vec<String>,
    pub expanded_terms: Vec<String>,
    pub results: Vec<SearchHit>,
}

impl SearchOutcome {
    /// No search at all (a greeting or thanks, see `answer::courtesy`): mode `none`, no results.
    pub fn none(query: &str) -> Self {
        Self {
            query: query.to_string(),
            mode: "none",
            notice: None,
            degraded: false,
            analysis: Default::default(),
            vector_top: None,
            collections: None,
            routed_to: Vec::new(),
            expanded_terms: Vec::new(),
            results: Vec::new(),
        }
    }
}
