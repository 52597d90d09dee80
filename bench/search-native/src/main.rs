//! Native benchmark of the search pipeline over the real knowledge base (see Cargo.toml).
//! Prints per-query time split into store (SQLite) and our own code (analysis, fusion, rerank, snippets,
//! citations, JSON serialisation), for the domain questions and/or SciFact claims. With `--compose`, also
//! the chat's offline answer from each search's results (the question's language, the answerability verdict,
//! the extractive composer), as `POST /bali-zero/chat` answers without a model.

use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use nuzantara_shared::answer::assess::{assess, Evidence};
use nuzantara_shared::answer::compose::compose;
use nuzantara_shared::answer::{AnswerContext, Passage};
use nuzantara_shared::error::ApiError;
use nuzantara_shared::lang::Lang;
use nuzantara_shared::search::analyze::Analysis;
use nuzantara_shared::search::pipeline::{
    search, Candidate, DocMeta, Embedder, KeywordIndex, Reranker, Scope, VectorIndex,
};
use nuzantara_shared::search::rerank::LexicalReranker;
use nuzantara_shared::search::sql::{keyword_sql, placeholders, routed_json_sql, RoutedRows, DOCUMENTS_IN};
use nuzantara_shared::search::SearchRequest;
use rusqlite::types::Value;

fn block_on<F: Future>(f: F) -> F::Output {
    let mut cx = Context::from_waker(Waker::noop());
    match pin!(f).poll(&mut cx) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("the SQLite store never suspends"),
    }
}

/// The worker's keyword index (workers/src/rag/d1_index.rs), on SQLite directly, running the same statements
/// (`nuzantara_shared::search::sql`); time spent in it is counted.
struct Sqlite {
    db: rusqlite::Connection,
    store_time: Cell<Duration>,
    calls: Cell<u32>,
    /// Bytes of the routed statement's JSON answer (what D1 sends the worker for it).
    answer_bytes: Cell<usize>,
    /// `--sql routed` (the default): the worker's one statement for every list (`routed_json_sql`).
    /// `--sql per-list`: one `keyword_sql` statement per list and one for the documents (the worker's path when
    /// the routed statement cannot be used).
    routed: bool,
    docs: std::cell::RefCell<std::collections::HashMap<String, DocMeta>>,
}

fn err(e: impl std::fmt::Display) -> ApiError {
    ApiError::internal(e.to_string())
}

fn row_to_candidate(r: &rusqlite::Row) -> rusqlite::Result<Candidate> {
    Ok(Candidate {
        chunk_id: r.get(0)?,
        document_id: r.get(1)?,
        collection: r.get(2)?,
        section: r.get(3)?,
        page: r.get(4)?,
        text: r.get(5)?,
        keywords: r.get(6)?,
        bm25: r.get(7)?,
    })
}

impl Sqlite {
    fn timed<T>(&self, f: impl FnOnce() -> T) -> T {
        let t = Instant::now();
        let v = f();
        self.store_time.set(self.store_time.get() + t.elapsed());
        self.calls.set(self.calls.get() + 1);
        v
    }
}

impl KeywordIndex for Sqlite {
    async fn keyword_routed(
        &self,
        fts_query: &str,
        scope: &Scope,
        limit: usize,
        routes: &[String],
        route_limit: usize,
    ) -> Result<(Vec<Candidate>, Vec<Vec<Candidate>>), ApiError> {
        if !self.routed {
            let all = self.keyword(fts_query, scope, limit).await?;
            let mut per = Vec::new();
            for r in routes {
                per.push(
                    self.keyword(fts_query, &Scope::Only(vec![r.clone()]), route_limit)
                        .await?,
                );
            }
            return Ok((all, per));
        }
        let (cols, negate) = match scope {
            Scope::Only(c) => (c, false),
            Scope::AllExcept(c) => (c, true),
        };
        let sql = routed_json_sql(cols.len(), negate, routes.len());
        let mut params: Vec<Value> = vec![
            Value::Text(fts_query.into()),
            Value::Integer(limit as i64),
            Value::Integer(route_limit as i64),
        ];
        params.extend(cols.iter().chain(routes).map(|c| Value::Text(c.clone())));
        let (json, docs_json): (String, String) = self.timed(|| {
            let mut st = self.db.prepare_cached(&sql).map_err(err)?;
            st.query_row(rusqlite::params_from_iter(params.iter()), |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(err)
        })?;
        // Parsing is the worker's work too (our code, not the store's).
        let rows = RoutedRows::parse(&json, &docs_json, routes.len()).map_err(err)?;
        self.answer_bytes
            .set(self.answer_bytes.get() + json.len() + docs_json.len());
        let mut docs = self.docs.borrow_mut();
        for d in rows.docs {
            docs.entry(d.id.clone()).or_insert(d);
        }
        Ok((rows.all, rows.per_route))
    }

    async fn keyword(&self, fts_query: &str, scope: &Scope, limit: usize) -> Result<Vec<Candidate>, ApiError> {
        let (cols, negate) = match scope {
            Scope::Only(c) => (c, false),
            Scope::AllExcept(c) => (c, true),
        };
        let sql = keyword_sql(cols.len(), negate);
        let mut params: Vec<Value> = vec![Value::Text(fts_query.into()), Value::Integer(limit as i64)];
        params.extend(cols.iter().map(|c| Value::Text(c.clone())));
        self.timed(|| {
            let mut st = self.db.prepare_cached(&sql).map_err(err)?;
            let rows = st
                .query_map(rusqlite::params_from_iter(params.iter()), row_to_candidate)
                .map_err(err)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(err)
        })
    }

    async fn chunks(&self, _ids: &[String]) -> Result<Vec<Candidate>, ApiError> {
        Ok(Vec::new()) // keyword mode only
    }

    async fn documents(&self, ids: &[String]) -> Result<Vec<DocMeta>, ApiError> {
        if self.routed {
            let cache = self.docs.borrow();
            if ids.iter().all(|i| cache.contains_key(i)) {
                return Ok(ids.iter().map(|i| cache[i].clone()).collect());
            }
        }
        let sql = format!("{DOCUMENTS_IN} ({})", placeholders(1, ids.len()));
        self.timed(|| {
            let mut st = self.db.prepare_cached(&sql).map_err(err)?;
            let rows = st
                .query_map(rusqlite::params_from_iter(ids.iter()), |r| {
                    Ok(DocMeta {
                        id: r.get(0)?,
                        title: r.get(1)?,
                        authority: r.get(2)?,
                        url: r.get(3)?,
                        r2_key: r.get(4)?,
                    })
                })
                .map_err(err)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(err)
        })
    }
}

struct NoVectors;
impl VectorIndex for NoVectors {
    async fn nearest(&self, _: &[f32], _: &Scope, _: usize) -> Result<Vec<(String, f32)>, ApiError> {
        Ok(Vec::new())
    }
}
struct NoEmbedder;
impl Embedder for NoEmbedder {
    async fn embed_query(&self, _: &str) -> Result<Option<Vec<f32>>, ApiError> {
        Ok(None)
    }
    fn available(&self) -> bool {
        false
    }
}
struct NoRerank;
impl Reranker for NoRerank {
    async fn scores(&self, _: &Analysis, p: &[(&Candidate, &DocMeta)]) -> Result<Vec<f64>, ApiError> {
        Ok(vec![0.0; p.len()])
    }
}

fn arg(name: &str) -> Option<String> {
    let a: Vec<String> = std::env::args().collect();
    a.iter().position(|x| x == name).and_then(|i| a.get(i + 1).cloned())
}

fn lines(path: &str) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn main() {
    let Some(db) = arg("--db") else {
        eprintln!(
            "usage: search-native-bench --db FILE.sqlite (a copy of the bench state's D1 file) [--set domain|scifact] \
             [--questions FILE] [--iters N] [--limit N] [--rerank false] [--compose]"
        );
        std::process::exit(2);
    };
    let set = arg("--set").unwrap_or_else(|| "domain".into());
    let iters: usize = arg("--iters").and_then(|s| s.parse().ok()).unwrap_or(3);
    let limit: usize = arg("--limit").and_then(|s| s.parse().ok()).unwrap_or(usize::MAX);
    let rerank = arg("--rerank").map(|s| s != "false").unwrap_or(true);
    let composing = std::env::args().any(|a| a == "--compose");
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let (bodies, known): (Vec<String>, Vec<String>) = match set.as_str() {
        "domain" => (
            lines(&arg("--questions").unwrap_or_else(|| format!("{root}/kb-build/eval/questions.jsonl")))
                .iter()
                .take(limit)
                .map(|q| {
                    // The chat's search asks for its passages; a plain search for ten.
                    let top_k = if composing { nuzantara_shared::chat::turn::PASSAGES } else { 10 };
                    serde_json::json!({"query": q["question"], "top_k": top_k, "mode": "keyword", "rerank": rerank}).to_string()
                })
                .collect(),
            vec![],
        ),
        "scifact" => (
            lines(&format!("{root}/../shared/data/bench/scifact/queries-train.jsonl"))
                .iter()
                .take(limit)
                .map(|q| {
                    serde_json::json!({"query": q["text"], "collections": ["scifact"], "top_k": 50, "mode": "keyword", "rerank": rerank})
                        .to_string()
                })
                .collect(),
            vec!["scifact".to_string()],
        ),
        other => panic!("--set domain|scifact, not {other}"),
    };
    let sql_mode = arg("--sql").unwrap_or_else(|| "routed".into());
    assert!(
        matches!(sql_mode.as_str(), "routed" | "per-list"),
        "--sql routed|per-list, not {sql_mode}"
    );
    let store = Sqlite {
        db: rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open db"),
        store_time: Cell::new(Duration::ZERO),
        calls: Cell::new(0),
        answer_bytes: Cell::new(0),
        routed: sql_mode == "routed",
        docs: Default::default(),
    };
    let mut total = Duration::ZERO;
    let mut ser = Duration::ZERO;
    let mut bytes = 0usize;
    let (mut composed, mut answer_chars) = (Duration::ZERO, 0usize);
    for _ in 0..iters {
        for body in &bodies {
            let t = Instant::now();
            let valid = serde_json::from_str::<SearchRequest>(body)
                .unwrap()
                .validate(&known)
                .unwrap();
            let out = if rerank {
                block_on(search(&valid, &store, &NoVectors, &NoEmbedder, &LexicalReranker))
            } else {
                block_on(search(&valid, &store, &NoVectors, &NoEmbedder, &NoRerank))
            }
            .unwrap();
            let s = Instant::now();
            // As the worker answers: serialised in one pass.
            let text = serde_json::to_string(&out).unwrap();
            match std::env::var("BENCH_DUMP").as_deref() {
                // The whole response (snippets, scores, citations), to check a change leaves every byte as it was.
                Ok("full") => println!("{text}"),
                Ok(_) => {
                    let ids: Vec<&str> = out.results.iter().map(|r| r.chunk_id.as_str()).collect();
                    println!("{}", ids.join(","));
                }
                Err(_) => {}
            }
            ser += s.elapsed();
            bytes += text.len();
            if composing {
                let c = Instant::now();
                let answer = offline_answer(&valid.query, &out.results);
                if std::env::var_os("BENCH_DUMP").is_some() {
                    println!("{}", answer.replace('\n', "\\n"));
                }
                answer_chars += answer.len();
                composed += c.elapsed();
            }
            total += t.elapsed();
        }
    }
    let n = (bodies.len() * iters) as f64;
    let us = |d: Duration| d.as_secs_f64() * 1e6 / n;
    let store_t = store.store_time.get();
    println!(
        "set={set} rerank={rerank} sql={} queries={} iters={iters}: total {:.0} µs/query = store (SQLite, {:.1} statements/query) {:.0} µs + our code {:.0} µs (of which JSON serialisation {:.0} µs); store's answer {:.1} KB; response {:.1} KB",
        sql_mode,
        bodies.len(),
        us(total),
        store.calls.get() as f64 / n,
        us(store_t),
        us(total - store_t),
        us(ser),
        store.answer_bytes.get() as f64 / n / 1024.0,
        bytes as f64 / n / 1024.0
    );
    if composing {
        println!(
            "offline answer (language, verdict, composer): {:.0} µs/query (within our code), {:.0} characters",
            us(composed),
            answer_chars as f64 / n
        );
    }
}

/// The chat turn's offline answer from a search's results, as `chat::turn` builds it (no tools).
fn offline_answer(query: &str, hits: &[nuzantara_shared::search::SearchHit]) -> String {
    let verdict = assess(&Evidence {
        query,
        hits,
        vector_top: None,
        tool_answered: false,
    });
    let ctx = AnswerContext {
        query: query.to_string(),
        lang: Lang::detect(query),
        passages: hits
            .iter()
            .map(|r| Passage {
                title: r.citation.title.clone(),
                label: r.citation.label.clone(),
                text: r.text.clone(),
            })
            .collect(),
        tool_results: Vec::new(),
        answerable: Some(verdict.answerable),
        confidence: Some(verdict.confidence),
    };
    compose(&ctx, false)
}
