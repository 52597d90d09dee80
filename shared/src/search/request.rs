//! The `POST /api/search` request, validated into [`ValidSearch`] before any store is touched.

use serde::Deserialize;

use crate::error::ApiError;

pub const MAX_QUERY_CHARS: usize = 2_000;
pub const MAX_TOP_K: usize = 50;
pub const DEFAULT_TOP_K: usize = 10;
/// Collections that exist for benchmarking and are searched only when named.
pub const BENCHMARK_COLLECTIONS: &[&str] = &["scifact"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Hybrid,
    Keyword,
    Vector,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hybrid => "hybrid",
            Self::Keyword => "keyword",
            Self::Vector => "vector",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchRequest {
    pub query: String,
    #[serde(default)]
    pub collections: Option<Vec<String>>,
    #[serde(default)]
    pub top_k: Option<i64>,
    #[serde(default)]
    pub mode: Option<Mode>,
    /// Turns the rerank step off (used to compare settings in benchmarks).
    #[serde(default)]
    pub rerank: Option<bool>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ValidSearch {
    pub query: String,
    /// `None`: every non-benchmark collection, with keyword routing hints.
    pub collections: Option<Vec<String>>,
    pub top_k: usize,
    pub mode: Mode,
    pub rerank: bool,
}

impl SearchRequest {
    /// Whether the request names collections, and so must be checked against the list of those that exist
    /// (a store read the others do without).
    pub fn names_collections(&self) -> bool {
        self.collections.as_ref().is_some_and(|c| !c.is_empty())
    }

    /// Checks the request against the collections that exist.
    pub fn validate(self, known_collections: &[String]) -> Result<ValidSearch, ApiError> {
        let query = self.query.trim().to_string();
        if query.is_empty() {
            return Err(ApiError::validation("query must not be empty"));
        }
        let chars = query.chars().count();
        if chars > MAX_QUERY_CHARS {
            return Err(ApiError::validation(format!(
                "query is {chars} characters; the limit is {MAX_QUERY_CHARS}"
            )));
        }
        let top_k = match self.top_k {
            None => DEFAULT_TOP_K,
            Some(k) if (1..=MAX_TOP_K as i64).contains(&k) => k as usize,
            Some(k) => {
                return Err(ApiError::validation(format!(
                    "top_k must be between 1 and {MAX_TOP_K}, not {k}"
                )))
            }
        };
        let collections = match self.collections {
            None => None,
            Some(list) if list.is_empty() => None,
            Some(list) => {
                let unknown: Vec<&String> = list.iter().filter(|c| !known_collections.contains(c)).collect();
                if !unknown.is_empty() {
                    let shown: Vec<&str> = unknown.iter().take(5).map(|s| truncate(s, 40)).collect();
                    return Err(ApiError::validation(format!(
                        "unknown collection(s): {}; see GET /api/collections",
                        shown.join(", ")
                    )));
                }
                let mut list = list;
                list.sort();
                list.dedup();
                Some(list)
            }
        };
        Ok(ValidSearch {
            query,
            collections,
            top_k,
            mode: self.mode.unwrap_or(Mode::Hybrid),
            rerank: self.rerank.unwrap_or(true),
        })
    }
}

impl ValidSearch {
    /// The KV cache key: normalised query and every option that changes the answer.
    pub fn cache_key(&self, embedder_mode: &str) -> String {
        use sha2::{Digest, Sha256};
        let norm: String = crate::search::analyze::normalise(&self.query);
        let cols = self.collections.as_ref().map(|c| c.join(",")).unwrap_or_default();
        let material = format!(
            "{norm}\u{1f}{cols}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{embedder_mode}",
            self.top_k,
            self.mode.as_str(),
            self.rerank
        );
        format!("search:v1:{}", &hex::encode(Sha256::digest(material.as_bytes()))[..32])
    }
}

fn truncate(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> Vec<String> {
        vec!["kbli_eye".into(), "visa_oracle".into()]
    }
    fn req(json: &str) -> Result<ValidSearch, ApiError> {
        serde_json::from_str::<SearchRequest>(json).unwrap().validate(&known())
    }

    #[test]
    fn defaults_and_trimming() {
        let v = req(r#"{"query":"  KBLI restoran  "}"#).unwrap();
        assert_eq!(v.query, "KBLI restoran");
        assert_eq!(
            (v.top_k, v.mode, v.collections, v.rerank),
            (10, Mode::Hybrid, None, true)
        );
    }

    #[test]
    fn rejects_empty_huge_bad_top_k_and_unknown_collections() {
        assert_eq!(req(r#"{"query":"   "}"#).unwrap_err().status(), 422);
        let huge = format!(r#"{{"query":"{}"}}"#, "a".repeat(10_240));
        assert!(req(&huge).unwrap_err().message.contains("limit"));
        assert_eq!(req(r#"{"query":"x","top_k":0}"#).unwrap_err().status(), 422);
        assert_eq!(req(r#"{"query":"x","top_k":51}"#).unwrap_err().status(), 422);
        assert_eq!(req(r#"{"query":"x","top_k":-3}"#).unwrap_err().status(), 422);
        let e = req(r#"{"query":"x","collections":["nope","kbli_eye"]}"#).unwrap_err();
        assert!(
            e.message.contains("nope") && !e.message.contains("kbli_eye"),
            "{}",
            e.message
        );
    }

    #[test]
    fn cache_key_ignores_case_and_spacing_but_not_options() {
        let a = req(r#"{"query":"KBLI  Restoran"}"#).unwrap().cache_key("none");
        let b = req(r#"{"query":"kbli restoran"}"#).unwrap().cache_key("none");
        let c = req(r#"{"query":"kbli restoran","top_k":5}"#).unwrap().cache_key("none");
        let d = req(r#"{"query":"kbli restoran"}"#)
            .unwrap()
            .cache_key("openai-compatible");
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
        assert!(a.starts_with("search:v1:"));
    }
}
