//! The keyword index and chunk store over D1: FTS5 BM25 on `kb_chunks_fts`, rows from `kb_chunks`.

use nuzantara_shared::error::{ApiError, ApiResult};
use nuzantara_shared::search::pipeline::{Candidate, DocMeta, KeywordIndex, Scope};
use serde::Deserialize;
use serde_json::{json, Value};
use wasm_bindgen::JsValue;
use worker::D1Database;

use crate::context::Ctx;
use crate::respond::internal;

/// Column weights for bm25(): section, text, keywords. Codes live in `keywords`, titles in `section`.
const BM25: &str = "bm25(kb_chunks_fts, 2.0, 1.0, 4.0)";
/// D1 allows 100 bound parameters per statement; keep room for the others.
const MAX_IN: usize = 90;

pub struct D1Kb {
    db: D1Database,
}

#[derive(Deserialize)]
struct Row {
    chunk_id: String,
    document_id: String,
    collection: String,
    section: String,
    page: Option<f64>,
    text: String,
    keywords: String,
    bm25: Option<f64>,
}

impl From<Row> for Candidate {
    fn from(r: Row) -> Self {
        Candidate {
            chunk_id: r.chunk_id,
            document_id: r.document_id,
            collection: r.collection,
            section: r.section,
            page: r.page.map(|p| p as i64),
            text: r.text,
            keywords: r.keywords,
            bm25: r.bm25,
        }
    }
}

#[derive(Deserialize)]
struct DocRow {
    id: String,
    title: String,
    authority: Option<String>,
    url: Option<String>,
    r2_key: Option<String>,
}

fn placeholders(start: usize, n: usize) -> String {
    (start..start + n).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ")
}

fn js(s: &str) -> JsValue {
    JsValue::from_str(s)
}

impl D1Kb {
    pub fn new(ctx: &Ctx) -> ApiResult<Self> {
        Ok(Self { db: ctx.env.d1("DB").map_err(internal)? })
    }

    pub async fn collection_names(&self) -> ApiResult<Vec<String>> {
        #[derive(Deserialize)]
        struct N {
            name: String,
        }
        let rows = self.db.prepare("SELECT name FROM kb_collections ORDER BY name").all().await.map_err(internal)?;
        Ok(rows.results::<N>().map_err(internal)?.into_iter().map(|n| n.name).collect())
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
        let link = nuzantara_shared::search::pipeline::document_link(id);
        doc["chunks"] = json!(chunks);
        doc["source_link"] = json!(format!("{link}?raw=1"));
        Ok(Some(doc))
    }
}

impl KeywordIndex for D1Kb {
    async fn keyword(&self, fts_query: &str, scope: &Scope, limit: usize) -> Result<Vec<Candidate>, ApiError> {
        let (cols, negate) = match scope {
            Scope::Only(c) => (c, ""),
            Scope::AllExcept(c) => (c, "NOT "),
        };
        let cols: Vec<&String> = cols.iter().take(MAX_IN).collect();
        let filter = if cols.is_empty() {
            String::new()
        } else {
            format!("AND c.collection {negate}IN ({})", placeholders(3, cols.len()))
        };
        let sql = format!(
            "SELECT c.id AS chunk_id, c.document_id, c.collection, c.section, c.page, c.text, c.keywords, \
             {BM25} AS bm25 FROM kb_chunks_fts JOIN kb_chunks c ON c.rowid = kb_chunks_fts.rowid \
             WHERE kb_chunks_fts MATCH ?1 {filter} ORDER BY bm25 LIMIT ?2"
        );
        let mut params = vec![js(fts_query), JsValue::from_f64(limit as f64)];
        params.extend(cols.iter().map(|c| js(c)));
        let rows = self.db.prepare(sql).bind(&params).map_err(internal)?.all().await.map_err(internal)?;
        Ok(rows.results::<Row>().map_err(internal)?.into_iter().map(Into::into).collect())
    }

    async fn chunks(&self, ids: &[String]) -> Result<Vec<Candidate>, ApiError> {
        let mut out = Vec::new();
        for part in ids.chunks(MAX_IN) {
            let sql = format!(
                "SELECT id AS chunk_id, document_id, collection, section, page, text, keywords, NULL AS bm25 \
                 FROM kb_chunks WHERE id IN ({})",
                placeholders(1, part.len())
            );
            let params: Vec<JsValue> = part.iter().map(|s| js(s)).collect();
            let rows = self.db.prepare(sql).bind(&params).map_err(internal)?.all().await.map_err(internal)?;
            out.extend(rows.results::<Row>().map_err(internal)?.into_iter().map(Candidate::from));
        }
        Ok(out)
    }

    async fn documents(&self, ids: &[String]) -> Result<Vec<DocMeta>, ApiError> {
        let mut out = Vec::new();
        for part in ids.chunks(MAX_IN) {
            let sql = format!(
                "SELECT id, title, authority, url, r2_key FROM kb_documents WHERE id IN ({})",
                placeholders(1, part.len())
            );
            let params: Vec<JsValue> = part.iter().map(|s| js(s)).collect();
            let rows = self.db.prepare(sql).bind(&params).map_err(internal)?.all().await.map_err(internal)?;
            out.extend(rows.results::<DocRow>().map_err(internal)?.into_iter().map(|d| DocMeta {
                id: d.id,
                title: d.title,
                authority: d.authority,
                url: d.url,
                r2_key: d.r2_key,
            }));
        }
        Ok(out)
    }
}
