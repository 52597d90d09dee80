//! The keyword index and chunk store over D1: FTS5 BM25 on `kb_chunks_fts`, rows from `kb_chunks`.

use std::cell::RefCell;
use std::collections::HashMap;

use nuzantara_shared::error::{ApiError, ApiResult};
use nuzantara_shared::search::coalesce::Coalescer;
use nuzantara_shared::search::pipeline::{Candidate, DocMeta, KeywordIndex, Scope};
use nuzantara_shared::search::sql::{
    keyword_sql, placeholders, routed_json_sql, CandidateRow, RoutedRows, DOCUMENTS_IN,
};
use serde::Deserialize;
use serde_json::{json, Value};
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement};

use crate::respond::internal;

/// Column weights for bm25(): section, text, keywords. Codes live in `keywords`, titles in `section`.
/// D1 allows 100 bound parameters per statement; keep room for the others.
const MAX_IN: usize = 90;

pub struct D1Kb {
    db: D1Database,
    /// Document metadata read along with the chunks by `keyword_routed`, so `documents` need not ask again.
    docs: RefCell<HashMap<String, DocMeta>>,
    /// `keyword_routed` statements issued together (a chat turn's retrieval and its KBLI lookup) go as one batch.
    routed: Coalescer<D1PreparedStatement, Option<RoutedJson>>,
}

/// The one row of [`routed_json_sql`]: the candidates and their documents, as JSON text.
#[derive(Deserialize)]
struct RoutedJson {
    rows: String,
    docs: String,
}

/// Sends `keyword_routed` statements: one alone, as a single search always went; several as one D1 batch. A
/// batch is all-or-nothing, so when it fails each goes alone again and fails (or not) on its own.
async fn send_routed(db: &D1Database, statements: Vec<D1PreparedStatement>) -> Vec<ApiResult<Option<RoutedJson>>> {
    if statements.len() > 1 {
        if let Ok(results) = db.batch(statements.clone()).await {
            return results
                .iter()
                .map(|r| {
                    r.results::<RoutedJson>()
                        .map(|rows| rows.into_iter().next())
                        .map_err(internal)
                })
                .collect();
        }
    }
    let mut out = Vec::with_capacity(statements.len());
    for s in statements {
        out.push(s.first::<RoutedJson>(None).await.map_err(internal));
    }
    out
}

#[derive(Deserialize)]
struct DocRow {
    id: String,
    title: String,
    authority: Option<String>,
    url: Option<String>,
    r2_key: Option<String>,
}

fn js(s: &str) -> JsValue {
    JsValue::from_str(s)
}

impl D1Kb {
    /// Rows of `select … WHERE id IN` for `ids`, in statements of at most `MAX_IN` parameters.
    async fn rows_in<T: serde::de::DeserializeOwned>(&self, select: &str, ids: &[String]) -> ApiResult<Vec<T>> {
        let mut out = Vec::new();
        for part in ids.chunks(MAX_IN) {
            let sql = format!("{select} ({})", placeholders(1, part.len()));
            let params: Vec<JsValue> = part.iter().map(|s| js(s)).collect();
            let rows = self
                .db
                .prepare(sql)
                .bind(&params)
                .map_err(internal)?
                .all()
                .await
                .map_err(internal)?;
            out.extend(rows.results::<T>().map_err(internal)?);
        }
        Ok(out)
    }

    pub fn new(db: D1Database) -> Self {
        Self {
            db,
            docs: RefCell::default(),
            routed: Coalescer::default(),
        }
    }

    /// The database, for the D1 queries that are not the index's (the tools').
    pub fn db(&self) -> &D1Database {
        &self.db
    }

    pub async fn collection_names(&self) -> ApiResult<Vec<String>> {
        #[derive(Deserialize)]
        struct N {
            name: String,
        }
        let rows = self
            .db
            .prepare("SELECT name FROM kb_collections ORDER BY name")
            .all()
            .await
            .map_err(internal)?;
        Ok(rows
            .results::<N>()
            .map_err(internal)?
            .into_iter()
            .map(|n| n.name)
            .collect())
    }

    pub async fn collection_stats(&self) -> ApiResult<Vec<Value>> {
        let sql = "SELECT c.name, c.description, \
                   (SELECT COUNT(*) FROM kb_documents d WHERE d.collection = c.name) AS documents, \
                   (SELECT COUNT(*) FROM kb_chunks k WHERE k.collection = c.name) AS chunks, \
                   c.updated_at FROM kb_collections c ORDER BY c.name";
        let rows = self.db.prepare(sql).all().await.map_err(internal)?;
        rows.results::<Value>().map_err(internal)
    }

    /// A document's metadata with its chunks' text in order.
    pub async fn document(&self, id: &str) -> ApiResult<Option<Value>> {
        let doc = self
            .db
            .prepare(
                "SELECT id, collection, source_path, title, language, authority, url, effective_date, r2_key, \
                 chunk_count, bytes, updated_at FROM kb_documents WHERE id = ?1",
            )
            .bind(&[js(id)])
            .map_err(internal)?
            .first::<Value>(None)
            .await
            .map_err(internal)?;
        let Some(mut doc) = doc else { return Ok(None) };
        let chunks = self
            .db
            .prepare("SELECT id, ord, section, page, text FROM kb_chunks WHERE document_id = ?1 ORDER BY ord LIMIT 500")
            .bind(&[js(id)])
            .map_err(internal)?
            .all()
            .await
            .map_err(internal)?
            .results::<Value>()
            .map_err(internal)?;
        let link = nuzantara_shared::search::citation::document_link(id);
        doc["chunks"] = json!(chunks);
        doc["source_link"] = json!(format!("{link}?raw=1"));
        Ok(Some(doc))
    }
}

impl KeywordIndex for D1Kb {
    async fn keyword_routed(
        &self,
        fts_query: &str,
        scope: &Scope,
        limit: usize,
        routes: &[String],
        route_limit: usize,
    ) -> Result<(Vec<Candidate>, Vec<Vec<Candidate>>), ApiError> {
        let (cols, negate) = match scope {
            Scope::Only(c) => (c, false),
            Scope::AllExcept(c) => (c, true),
        };
        // Routed lists are ranked among the scope's rows: the pipeline routes only to knowledge-base collections,
        // which the scope admits; anything else takes the general path.
        if cols.len() + routes.len() > MAX_IN || !routes.iter().all(|r| scope.admits(r)) {
            let all = self.keyword(fts_query, scope, limit).await?;
            let mut per_route = Vec::with_capacity(routes.len());
            for route in routes {
                per_route.push(
                    self.keyword(fts_query, &Scope::Only(vec![route.clone()]), route_limit)
                        .await?,
                );
            }
            return Ok((all, per_route));
        }
        let mut params = vec![
            js(fts_query),
            JsValue::from_f64(limit as f64),
            JsValue::from_f64(route_limit as f64),
        ];
        params.extend(cols.iter().chain(routes).map(|c| js(c)));
        let statement = self
            .db
            .prepare(routed_json_sql(cols.len(), negate, routes.len()))
            .bind(&params)
            .map_err(internal)?;
        let found = self.routed.run(statement, |s| send_routed(&self.db, s)).await?;
        let rows = match found {
            Some(j) => RoutedRows::parse(&j.rows, &j.docs, routes.len()),
            None => RoutedRows::parse("[]", "[]", routes.len()),
        }
        .map_err(internal)?;
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
        let cols: Vec<&String> = cols.iter().take(MAX_IN).collect();
        let sql = keyword_sql(cols.len(), negate);
        let mut params = vec![js(fts_query), JsValue::from_f64(limit as f64)];
        params.extend(cols.iter().map(|c| js(c)));
        let rows = self
            .db
            .prepare(sql)
            .bind(&params)
            .map_err(internal)?
            .all()
            .await
            .map_err(internal)?;
        Ok(rows
            .results::<CandidateRow>()
            .map_err(internal)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    async fn chunks(&self, ids: &[String]) -> Result<Vec<Candidate>, ApiError> {
        let select = "SELECT id AS chunk_id, document_id, collection, section, page, text, keywords, NULL AS bm25 \
                      FROM kb_chunks WHERE id IN";
        Ok(self
            .rows_in::<CandidateRow>(select, ids)
            .await?
            .into_iter()
            .map(Candidate::from)
            .collect())
    }

    async fn documents(&self, ids: &[String]) -> Result<Vec<DocMeta>, ApiError> {
        let mut out = Vec::new();
        let missing: Vec<String> = {
            let known = self.docs.borrow();
            out.extend(ids.iter().filter_map(|id| known.get(id).cloned()));
            ids.iter().filter(|id| !known.contains_key(*id)).cloned().collect()
        };
        let select = DOCUMENTS_IN;
        out.extend(
            self.rows_in::<DocRow>(select, &missing)
                .await?
                .into_iter()
                .map(|d| DocMeta {
                    id: d.id,
                    title: d.title,
                    authority: d.authority,
                    url: d.url,
                    r2_key: d.r2_key,
                }),
        );
        Ok(out)
    }
}
