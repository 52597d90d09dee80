//! Reranking: the shared lexical scorer locally, Workers AI `@cf/baai/bge-reranker-base` in production.

use nuzantara_shared::config::RerankerMode;
use nuzantara_shared::error::{ApiError, ApiResult};
use nuzantara_shared::search::analyze::Analysis;
use nuzantara_shared::search::pipeline::{Candidate, DocMeta, Reranker};
use nuzantara_shared::search::rerank::lexical_scores;
use serde::Deserialize;
use serde_json::json;
use worker::Ai;

use crate::respond::upstream;
use nuzantara_shared::config::Config;
use std::rc::Rc;

pub enum Configured {
    Local,
    WorkersAi(WorkersAiReranker),
}

pub struct WorkersAiReranker {
    ai: Rc<Ai>,
}

/// `ai`: the `AI` binding, which the Workers AI reranker needs.
pub fn from_config(config: &Config, ai: Option<&Rc<Ai>>) -> ApiResult<Configured> {
    Ok(match config.reranker {
        RerankerMode::Local => Configured::Local,
        RerankerMode::WorkersAi => Configured::WorkersAi(WorkersAiReranker {
            ai: ai
                .cloned()
                .ok_or_else(|| ApiError::internal("RERANKER is Workers AI but the worker has no AI binding"))?,
        }),
    })
}

impl Reranker for WorkersAiReranker {
    async fn scores(&self, q: &Analysis, passages: &[(&Candidate, &DocMeta)]) -> Result<Vec<f64>, ApiError> {
        #[derive(Deserialize)]
        struct Item {
            id: usize,
            score: f64,
        }
        #[derive(Deserialize)]
        struct Out {
            response: Vec<Item>,
        }
        let contexts: Vec<_> = passages
            .iter()
            .map(|(c, d)| json!({ "text": format!("{}\n{}", d.title, c.text) }))
            .collect();
        let query = q.terms.join(" ");
        let out: Out = self
            .ai
            .run(
                "@cf/baai/bge-reranker-base",
                json!({ "query": query, "contexts": contexts }),
            )
            .await
            .map_err(upstream)?;
        // The model's relevance, plus the exact-code evidence it cannot see.
        let mut scores: Vec<f64> = lexical_scores(q, passages).into_iter().map(|s| s * 0.5).collect();
        for item in out.response {
            if let Some(s) = scores.get_mut(item.id) {
                *s += item.score;
            }
        }
        Ok(scores)
    }
}
