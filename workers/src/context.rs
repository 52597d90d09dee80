//! Per-request context: the environment, the config (parsed once per isolate), the request id,
//! the caller's address and, once authenticated, the caller.

use std::cell::RefCell;
use std::rc::Rc;

use nuzantara_shared::auth::Principal;
use nuzantara_shared::config::{Config, ConfigError, VectorMode};
use nuzantara_shared::error::{ApiError, ApiResult};
use nuzantara_shared::metrics::Metrics;
use wasm_bindgen::JsValue;
use worker::kv::KvStore;
use worker::{Ai, Bucket, D1Database, Env};

use crate::respond::internal;

thread_local! {
    static CONFIG: RefCell<Option<Result<Rc<Config>, ConfigError>>> = const { RefCell::new(None) };
    /// Per-isolate metrics: `/metrics` reports what this isolate served.
    pub static METRICS: RefCell<Metrics> = RefCell::new(Metrics::default());
}

#[derive(Clone)]
pub struct Ctx {
    pub env: Env,
    pub config: Rc<Config>,
    pub request_id: String,
    pub ip: String,
    pub principal: Option<Principal>,
    pub worker_ctx: Rc<worker::Context>,
}

impl Ctx {
    /// The D1 database (`DB`). The router hands bindings to handlers, so domain code never sees `Ctx`.
    pub fn db(&self) -> ApiResult<D1Database> {
        self.env.d1("DB").map_err(internal)
    }

    /// The KV namespace (`KV`): sessions, rate limits, caches, answer logs.
    pub fn kv(&self) -> ApiResult<KvStore> {
        self.env.kv("KV").map_err(internal)
    }

    /// The R2 bucket (`DOCS`): source and client documents.
    pub fn docs(&self) -> ApiResult<Bucket> {
        self.env.bucket("DOCS").map_err(internal)
    }

    /// The Workers AI binding (`AI`), looked up only when the config uses it (embeddings, reranking or the
    /// Workers AI chat provider) and the deployment has it. Whoever needs it says so when it is absent.
    pub fn ai(&self) -> Option<Rc<Ai>> {
        if !self.config.uses_workers_ai() {
            return None;
        }
        self.env.ai("AI").ok().map(Rc::new)
    }

    /// The Vectorize index (`VECTORIZE`), looked up only when the config searches it and the deployment has it.
    pub fn vectorize(&self) -> Option<JsValue> {
        if self.config.vector != VectorMode::Vectorize {
            return None;
        }
        js_sys::Reflect::get(&self.env, &JsValue::from_str("VECTORIZE"))
            .ok()
            .filter(|b| !b.is_undefined())
    }

    /// The authenticated caller; routes that need one are guarded by their `Access`, so this only
    /// fails if a route is declared public by mistake.
    pub fn principal(&self) -> ApiResult<&Principal> {
        self.principal
            .as_ref()
            .ok_or_else(|| ApiError::unauthorized("sign in first"))
    }
}

/// Reads and validates the config the first time it is needed in this isolate.
pub fn config(env: &Env) -> Result<Rc<Config>, ConfigError> {
    CONFIG.with(|c| {
        c.borrow_mut()
            .get_or_insert_with(|| {
                Config::from_lookup(|k| {
                    env.secret(k)
                        .ok()
                        .map(|s| s.to_string())
                        .or_else(|| env.var(k).ok().map(|v| v.to_string()))
                })
                .map(Rc::new)
            })
            .clone()
    })
}

pub fn metrics<R>(f: impl FnOnce(&mut Metrics) -> R) -> R {
    METRICS.with(|m| f(&mut m.borrow_mut()))
}
