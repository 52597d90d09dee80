//! `--target cloudflare`: D1 over the REST API, vectors in Vectorize, source files in R2.
//!
//! Order of writes: R2 objects and Vectorize vectors first, D1 last. D1's `content_hash` is what marks a
//! document as done, so a run that fails midway is simply repeated by the next one.

use std::collections::HashSet;

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use crate::http::{self, Body};
use crate::model::{ChangeSet, Collection};
use crate::report::Ticker;
use crate::store::sql::{self, Layout, Statement};
use crate::store::{ManifestRow, Store, StoredVectors};

/// Vectorize accepts at most 1,000 vectors per upsert and ids per delete.
pub const VECTOR_BATCH: usize = 1000;

#[derive(Debug, Clone)]
pub struct CloudflareConfig {
    pub base: String,
    pub account: String,
    pub token: String,
    pub database: String,
    pub index: String,
    pub bucket: String,
}

impl CloudflareConfig {
    /// Reads the credentials; all missing variables are named at once, before anything is built.
    pub fn from_env() -> Result<Self> {
        let get = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let missing: Vec<&str> = ["CLOUDFLARE_ACCOUNT_ID", "CLOUDFLARE_API_TOKEN", "D1_DATABASE_ID"]
            .into_iter()
            .filter(|k| get(k).is_none())
            .collect();
        if !missing.is_empty() {
            bail!(
                "--target cloudflare needs the environment variables {}",
                missing.join(", ")
            );
        }
        Ok(Self {
            base: get("CLOUDFLARE_API_BASE_URL")
                .unwrap_or_else(|| "https://api.cloudflare.com/client/v4".into())
                .trim_end_matches('/')
                .into(),
            account: get("CLOUDFLARE_ACCOUNT_ID").unwrap_or_default(),
            token: get("CLOUDFLARE_API_TOKEN").unwrap_or_default(),
            database: get("D1_DATABASE_ID").unwrap_or_default(),
            index: get("VECTORIZE_INDEX").unwrap_or_else(|| "nuzantara-kb".into()),
            bucket: get("R2_BUCKET").unwrap_or_else(|| "nuzantara-docs".into()),
        })
    }
}

pub struct CloudflareStore {
    cfg: CloudflareConfig,
    auth: String,
    agent: ureq::Agent,
    pub verbose: bool,
    /// Whether this deployment keeps vectors (an embedder is configured): then the vectors of rewritten
    /// or deleted chunks are removed from Vectorize too. Without one the index may not even exist.
    pub vectors: bool,
}

/// Percent-encodes an R2 key for the URL path, keeping `/` separators.
fn encode_key(key: &str) -> String {
    let mut out = String::new();
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl CloudflareStore {
    pub fn new(cfg: CloudflareConfig) -> Self {
        let auth = format!("Bearer {}", cfg.token);
        Self {
            cfg,
            auth,
            agent: http::agent(),
            verbose: true,
            vectors: false,
        }
    }

    fn account_url(&self, path: &str) -> String {
        format!("{}/accounts/{}/{path}", self.cfg.base, self.cfg.account)
    }

    fn send(&self, method: &str, url: &str, body: Body, what: &str) -> Result<Value> {
        let res = http::send(&self.agent, method, url, &[("Authorization", &self.auth)], body)?;
        http::cf_result(res, what)
    }

    fn d1_url(&self) -> String {
        self.account_url(&format!("d1/database/{}/query", self.cfg.database))
    }

    pub fn query(&self, s: Statement) -> Result<Vec<Value>> {
        let body = json!({ "sql": s.sql, "params": s.params });
        let result = self.send("POST", &self.d1_url(), Body::Json(&body), "D1 query")?;
        let first = result
            .as_array()
            .and_then(|a| a.first())
            .cloned()
            .unwrap_or(Value::Null);
        Ok(first
            .get("results")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default())
    }

    /// Runs statements as one D1 batch (a single transaction).
    fn batch(&self, statements: &[Statement]) -> Result<()> {
        let body = json!({ "batch": statements });
        let result = self.send("POST", &self.d1_url(), Body::Json(&body), "D1 batch")?;
        if let Some(failed) = result
            .as_array()
            .and_then(|a| a.iter().find(|r| r.get("success") == Some(&Value::Bool(false))))
        {
            bail!("D1 batch statement failed: {failed}");
        }
        Ok(())
    }

    /// Chunk ids currently stored for these documents (their vectors may need removing).
    fn stored_chunk_ids(&self, doc_ids: &[String]) -> Result<HashSet<String>> {
        let mut out = HashSet::new();
        for s in sql::chunk_ids_of(doc_ids) {
            for row in self.query(s)? {
                if let Some(id) = row.get("id").and_then(Value::as_str) {
                    out.insert(id.to_string());
                }
            }
        }
        Ok(out)
    }

    fn upsert_vectors(&self, changes: &ChangeSet) -> Result<()> {
        let lines: Vec<String> = changes
            .upserts
            .iter()
            .flat_map(|u| {
                u.doc.chunks.iter().zip(&u.vectors).map(|(c, v)| {
                    json!({
                        "id": c.id,
                        "values": v,
                        "metadata": { "collection": u.doc.collection, "document_id": u.doc.id, "section": c.section }
                    })
                    .to_string()
                })
            })
            .collect();
        let url = self.account_url(&format!("vectorize/v2/indexes/{}/upsert", self.cfg.index));
        for group in lines.chunks(VECTOR_BATCH) {
            let mut body = group.join("\n");
            body.push('\n');
            let body = Body::Bytes {
                content_type: "application/x-ndjson",
                bytes: body.as_bytes(),
            };
            self.send("POST", &url, body, "Vectorize upsert")?;
        }
        Ok(())
    }

    fn delete_vectors(&self, ids: &[String]) -> Result<()> {
        let url = self.account_url(&format!("vectorize/v2/indexes/{}/delete_by_ids", self.cfg.index));
        for group in ids.chunks(VECTOR_BATCH) {
            self.send("POST", &url, Body::Json(&json!({ "ids": group })), "Vectorize delete")?;
        }
        Ok(())
    }

    fn object_url(&self, key: &str) -> String {
        self.account_url(&format!("r2/buckets/{}/objects/{}", self.cfg.bucket, encode_key(key)))
    }
}

impl Store for CloudflareStore {
    fn manifest(&mut self) -> Result<Vec<ManifestRow>> {
        sql::read_manifest(|s| self.query(s)).context("reading kb_documents from D1")
    }

    fn collections(&mut self) -> Result<Vec<Collection>> {
        self.query(Statement::new(sql::COLLECTIONS_QUERY, vec![]))?
            .into_iter()
            .map(|r| {
                let c: sql::CollectionRecord = serde_json::from_value(r)?;
                Ok(Collection {
                    name: c.name,
                    description: c.description,
                })
            })
            .collect()
    }

    /// What D1's `kb_index_meta` records, and the dimensions the Vectorize index was created with
    /// (`GET …/vectorize/v2/indexes/{name}` → `result.config.dimensions`): Vectorize refuses vectors of any
    /// other size, so a mismatch is reported before anything is written.
    fn stored_vectors(&mut self) -> Result<StoredVectors> {
        let meta = sql::meta_pairs(
            self.query(Statement::new(sql::INDEX_META_QUERY, vec![]))
                .context("reading kb_index_meta from D1 (are the migrations applied to the remote database?)")?,
        );
        let index = &self.cfg.index;
        let url = self.account_url(&format!("vectorize/v2/indexes/{index}"));
        let info = self.send("GET", &url, Body::Empty, &format!("Vectorize index {index}"))?;
        let dims = info
            .pointer("/config/dimensions")
            .and_then(Value::as_u64)
            .with_context(|| format!("GET {url}: no result.config.dimensions in {info}"))?;
        Ok(StoredVectors {
            place: format!("Vectorize index {index}"),
            required_dims: Some(dims as usize),
            ..StoredVectors::default()
        }
        .with_meta(meta))
    }

    fn apply(&mut self, changes: &ChangeSet) -> Result<()> {
        for o in &changes.objects {
            let body = Body::Bytes {
                content_type: &o.content_type,
                bytes: &o.body,
            };
            self.send("PUT", &self.object_url(&o.key), body, "R2 put")?;
        }
        let has_vectors = self.vectors && changes.upserts.iter().any(|u| !u.vectors.is_empty());
        let touched: Vec<String> = changes
            .upserts
            .iter()
            .map(|u| u.doc.id.clone())
            .chain(changes.deletes.iter().map(|d| d.id.clone()))
            .collect();
        let mut stale: Vec<String> = Vec::new();
        if self.vectors && !touched.is_empty() {
            let new: HashSet<&str> = changes
                .upserts
                .iter()
                .flat_map(|u| u.doc.chunks.iter().map(|c| c.id.as_str()))
                .collect();
            stale = self
                .stored_chunk_ids(&touched)?
                .into_iter()
                .filter(|id| !new.contains(id.as_str()))
                .collect();
            stale.sort();
        }
        if has_vectors {
            self.upsert_vectors(changes)?;
        }
        let batches = sql::batches(
            changes,
            Layout {
                vectors_in_d1: false,
                max_batch_bytes: 500_000,
            },
        );
        let total: usize = batches.iter().map(|b| b.documents).sum();
        let mut ticker = Ticker::new("written", total, self.verbose);
        for b in batches {
            self.batch(&b.statements)?;
            ticker.add(b.documents);
        }
        if !stale.is_empty() {
            self.delete_vectors(&stale)?;
        }
        for k in &changes.delete_objects {
            self.send("DELETE", &self.object_url(k), Body::Empty, "R2 delete")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_encoded_per_segment() {
        assert_eq!(
            encode_key("kb/visa_oracle/c1-tourist-visa.md"),
            "kb/visa_oracle/c1-tourist-visa.md"
        );
        assert_eq!(encode_key("kb/a b#?.md"), "kb/a%20b%23%3F.md");
    }
}
