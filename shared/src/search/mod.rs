//! Knowledge-base search: request validation, query analysis (terms, codes, bilingual expansion,
//! collection routing), the FTS5 query, reciprocal rank fusion, local reranking, snippets, and the
//! pipeline that ties them together over storage traits the worker implements.

pub mod analyze;
pub mod citation;
pub mod coalesce;
pub mod fusion;
pub mod glossary;
pub mod pipeline;
pub mod request;
pub mod rerank;
pub mod snippet;
pub mod sql;
pub mod stopwords;
pub mod types;
pub mod words;

pub use pipeline::{
    Candidate, DocMeta, EmbedRole, Embedded, Embedder, KeywordIndex, Reranker, SearchHit, SearchOutcome, VectorIndex,
};
pub use request::{Mode, SearchRequest, ValidSearch};
