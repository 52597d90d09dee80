//! Vector search: Vectorize in production (reached through `js_sys::Reflect`, as the `worker` crate has
//! no wrapper; filters are plain objects, never Maps), or a local index for development: vectors kept
//! in D1 and searched by brute-force cosine, cached per isolate until the table changes.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Float32Array, Function, Object, Promise, Reflect};
use nuzantara_shared::config::VectorMode;
use nuzantara_shared::error::{ApiError, ApiResult};
use nuzantara_shared::search::pipeline::{Scope, VectorIndex};
use serde::Deserialize;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use worker::D1Database;

use crate::respond::internal;
use nuzantara_shared::config::Config;

pub enum Vectors {
    Local(D1Database),
    Vectorize(JsValue),
}

struct Stored {
    id: String,
    collection: String,
    vector: Vec<f32>,
    norm: f32,
}

/// (row count, max rowid) of `kb_vectors` when it was loaded: a cheap change detector.
type Version = (u64, u64);

thread_local! {
    static CACHE: RefCell<Option<(Version, Rc<Vec<Stored>>)>> = const { RefCell::new(None) };
}

/// The local index in D1 (`db`) or the `VECTORIZE` binding, whichever the config uses.
pub fn from_config(config: &Config, db: &D1Database, vectorize: Option<&JsValue>) -> ApiResult<Vectors> {
    Ok(match config.vector {
        VectorMode::Local => Vectors::Local(crate::db::handle(db)),
        VectorMode::Vectorize => Vectors::Vectorize(
            vectorize
                .cloned()
                .ok_or_else(|| ApiError::internal("VECTOR_INDEX=vectorize but no VECTORIZE binding"))?,
        ),
    })
}

impl VectorIndex for Vectors {
    async fn nearest(&self, vector: &[f32], scope: &Scope, limit: usize) -> Result<Vec<(String, f32)>, ApiError> {
        match self {
            Vectors::Local(db) => local_nearest(db, vector, scope, limit).await,
            Vectors::Vectorize(index) => vectorize_nearest(index, vector, scope, limit).await,
        }
    }

    async fn dimensions(&self) -> Result<Option<usize>, ApiError> {
        match self {
            Vectors::Local(db) => Ok(load(db).await?.first().map(|s| s.vector.len())),
            Vectors::Vectorize(index) => vectorize_dimensions(index).await,
        }
    }
}

impl Vectors {
    /// How many vectors the index holds (for `/health/detailed`); `None` when the index cannot say.
    pub async fn count(&self) -> ApiResult<Option<u64>> {
        match self {
            Vectors::Local(db) => Ok(Some(load(db).await?.len() as u64)),
            Vectors::Vectorize(index) => {
                let info = describe(index).await?;
                Ok(["vectorCount", "vectorsCount"]
                    .iter()
                    .find_map(|k| Reflect::get(&info, &(*k).into()).ok()?.as_f64())
                    .map(|n| n as u64))
            }
        }
    }
}

thread_local! {
    /// Vectorize's dimension never changes for an index: asked once per isolate.
    static VECTORIZE_DIMS: RefCell<Option<usize>> = const { RefCell::new(None) };
}

async fn describe(index: &JsValue) -> ApiResult<JsValue> {
    let js_err = |e: JsValue| ApiError::upstream(format!("vectorize describe: {e:?}"));
    let f: Function = Reflect::get(index, &"describe".into())
        .map_err(js_err)?
        .dyn_into()
        .map_err(js_err)?;
    let promise: Promise = f.call0(index).map_err(js_err)?.dyn_into().map_err(js_err)?;
    JsFuture::from(promise).await.map_err(js_err)
}

/// `describe()` → `dimensions` (V2 bindings) or `config.dimensions` (the REST shape).
async fn vectorize_dimensions(index: &JsValue) -> ApiResult<Option<usize>> {
    if let Some(d) = VECTORIZE_DIMS.with(|d| *d.borrow()) {
        return Ok(Some(d));
    }
    let info = describe(index).await?;
    let direct = Reflect::get(&info, &"dimensions".into()).ok().and_then(|v| v.as_f64());
    let nested = Reflect::get(&info, &"config".into())
        .ok()
        .and_then(|c| Reflect::get(&c, &"dimensions".into()).ok())
        .and_then(|v| v.as_f64());
    let dims = direct.or(nested).map(|d| d as usize);
    if let Some(d) = dims {
        VECTORIZE_DIMS.with(|c| *c.borrow_mut() = Some(d));
    }
    Ok(dims)
}

async fn local_nearest(db: &D1Database, q: &[f32], scope: &Scope, limit: usize) -> ApiResult<Vec<(String, f32)>> {
    let stored = load(db).await?;
    let qn = norm(q);
    if qn == 0.0 {
        return Ok(Vec::new());
    }
    let mut scored: Vec<(String, f32)> = stored
        .iter()
        .filter(|s| s.vector.len() == q.len() && scope.admits(&s.collection) && s.norm > 0.0)
        .map(|s| {
            let dot: f32 = s.vector.iter().zip(q).map(|(a, b)| a * b).sum();
            (s.id.clone(), dot / (s.norm * qn))
        })
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1));
    scored.truncate(limit);
    Ok(scored)
}

async fn load(db: &D1Database) -> ApiResult<Rc<Vec<Stored>>> {
    #[derive(Deserialize)]
    struct Counts {
        n: f64,
        m: f64,
    }
    let v = db
        .prepare("SELECT COUNT(*) AS n, COALESCE(MAX(rowid), 0) AS m FROM kb_vectors")
        .first::<Counts>(None)
        .await
        .map_err(internal)?
        .map(|v| (v.n as u64, v.m as u64))
        .unwrap_or((0, 0));
    if let Some(hit) = CACHE.with(|c| c.borrow().as_ref().filter(|(ver, _)| *ver == v).map(|(_, s)| s.clone())) {
        return Ok(hit);
    }
    #[derive(Deserialize)]
    struct Row {
        chunk_id: String,
        collection: String,
        hex: String,
    }
    let rows = db
        .prepare("SELECT chunk_id, collection, hex(embedding) AS hex FROM kb_vectors")
        .all()
        .await
        .map_err(internal)?
        .results::<Row>()
        .map_err(internal)?;
    let stored: Vec<Stored> = rows
        .into_iter()
        .filter_map(|r| {
            let bytes = hex_decode(&r.hex)?;
            let vector: Vec<f32> = bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            Some(Stored {
                id: r.chunk_id,
                collection: r.collection,
                norm: norm(&vector),
                vector,
            })
        })
        .collect();
    let stored = Rc::new(stored);
    CACHE.with(|c| *c.borrow_mut() = Some((v, stored.clone())));
    Ok(stored)
}

fn norm(v: &[f32]) -> f32 {
    v.iter().map(|x| x * x).sum::<f32>().sqrt()
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect()
}

async fn vectorize_nearest(index: &JsValue, q: &[f32], scope: &Scope, limit: usize) -> ApiResult<Vec<(String, f32)>> {
    let js_err = |e: JsValue| ApiError::upstream(format!("vectorize: {e:?}"));
    let (op, list) = match scope {
        Scope::Only(c) => ("$in", c),
        Scope::AllExcept(c) => ("$nin", c),
    };
    let options = Object::new();
    Reflect::set(&options, &"topK".into(), &JsValue::from_f64(limit.min(100) as f64)).map_err(js_err)?;
    Reflect::set(&options, &"returnMetadata".into(), &"none".into()).map_err(js_err)?;
    if !list.is_empty() {
        let values: Array = list.iter().map(|c| JsValue::from_str(c)).collect();
        let cond = Object::new();
        Reflect::set(&cond, &op.into(), &values).map_err(js_err)?;
        let filter = Object::new();
        Reflect::set(&filter, &"collection".into(), &cond).map_err(js_err)?;
        Reflect::set(&options, &"filter".into(), &filter).map_err(js_err)?;
    }
    let query: Function = Reflect::get(index, &"query".into())
        .map_err(js_err)?
        .dyn_into()
        .map_err(js_err)?;
    let promise: Promise = query
        .call2(index, &Float32Array::from(q), &options)
        .map_err(js_err)?
        .dyn_into()
        .map_err(js_err)?;
    let result = JsFuture::from(promise).await.map_err(js_err)?;
    let matches: Array = Reflect::get(&result, &"matches".into())
        .map_err(js_err)?
        .dyn_into()
        .map_err(js_err)?;
    Ok(matches
        .iter()
        .filter_map(|m| {
            let id = Reflect::get(&m, &"id".into()).ok()?.as_string()?;
            let score = Reflect::get(&m, &"score".into()).ok()?.as_f64()? as f32;
            Some((id, score))
        })
        .collect())
}
