//! Thin helpers over D1: parameterised statements only, errors mapped to internal API errors.

use nuzantara_shared::chat::store_sql::{Arg, Stmt};
use nuzantara_shared::crm::record::Cell;
use nuzantara_shared::error::{ApiError, ApiResult};
use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement};

use crate::respond::internal;

/// A bound parameter. `Null` binds SQL NULL.
pub enum P<'a> {
    S(&'a str),
    I(i64),
    Null,
}

impl P<'_> {
    fn js(&self) -> JsValue {
        match self {
            P::S(s) => JsValue::from_str(s),
            P::I(i) => JsValue::from_f64(*i as f64),
            P::Null => JsValue::NULL,
        }
    }
}

impl<'a> From<&'a str> for P<'a> {
    fn from(s: &'a str) -> Self {
        P::S(s)
    }
}
impl<'a> From<&'a String> for P<'a> {
    fn from(s: &'a String) -> Self {
        P::S(s)
    }
}
impl From<i64> for P<'_> {
    fn from(i: i64) -> Self {
        P::I(i)
    }
}
impl<'a> From<Option<&'a str>> for P<'a> {
    fn from(o: Option<&'a str>) -> Self {
        o.map(P::S).unwrap_or(P::Null)
    }
}
/// A value bound by shared code (the CRM's declared columns).
impl<'a> From<Cell<'a>> for P<'a> {
    fn from(c: Cell<'a>) -> Self {
        match c {
            Cell::Text(s) => P::S(s),
            Cell::Int(i) => P::I(i),
            Cell::Null => P::Null,
        }
    }
}

/// An argument of a statement the chat store's plan built (`nuzantara_shared::chat::store_sql`).
impl<'a> From<&'a Arg> for P<'a> {
    fn from(a: &'a Arg) -> Self {
        match a {
            Arg::S(s) => P::S(s),
            Arg::I(i) => P::I(*i),
            Arg::Null => P::Null,
        }
    }
}

impl From<Option<i64>> for P<'_> {
    fn from(o: Option<i64>) -> Self {
        o.map(P::I).unwrap_or(P::Null)
    }
}

/// Another handle on the same database (`D1Database` is a JS object and not `Clone`).
pub fn handle(db: &D1Database) -> D1Database {
    use wasm_bindgen::JsCast;
    db.as_ref().clone().unchecked_into()
}

/// The parameters of a statement planned by shared code (`nuzantara_shared::chat::store_sql`).
pub fn args(s: &Stmt) -> Vec<P<'_>> {
    s.args.iter().map(P::from).collect()
}

/// A statement planned by shared code, bound.
pub fn planned(db: &D1Database, s: &Stmt) -> ApiResult<D1PreparedStatement> {
    stmt(db, s.sql, &args(s))
}

pub fn stmt(db: &D1Database, sql: &str, params: &[P]) -> ApiResult<D1PreparedStatement> {
    let values: Vec<JsValue> = params.iter().map(P::js).collect();
    db.prepare(sql).bind(&values).map_err(internal)
}

pub async fn all<T: DeserializeOwned>(db: &D1Database, sql: &str, params: &[P<'_>]) -> ApiResult<Vec<T>> {
    stmt(db, sql, params)?
        .all()
        .await
        .map_err(internal)?
        .results::<T>()
        .map_err(internal)
}

pub async fn first<T: DeserializeOwned>(db: &D1Database, sql: &str, params: &[P<'_>]) -> ApiResult<Option<T>> {
    stmt(db, sql, params)?.first::<T>(None).await.map_err(internal)
}

/// A uniqueness violation is the caller's conflict (409), anything else is ours (500).
fn write_error(e: worker::Error) -> ApiError {
    let text = e.to_string();
    if text.contains("UNIQUE constraint failed") {
        ApiError::conflict("a record with these unique values already exists")
    } else if text.contains("FOREIGN KEY constraint failed") {
        ApiError::validation("a referenced record does not exist")
    } else {
        internal(text)
    }
}

/// Runs a write; returns the number of rows changed.
pub async fn run(db: &D1Database, sql: &str, params: &[P<'_>]) -> ApiResult<u64> {
    let r = stmt(db, sql, params)?.run().await.map_err(write_error)?;
    Ok(r.meta()
        .map_err(internal)?
        .and_then(|m| m.changes)
        .map(|c| c as u64)
        .unwrap_or(0))
}

/// Runs several writes atomically (D1 batches are transactions).
pub async fn batch(db: &D1Database, statements: Vec<D1PreparedStatement>) -> ApiResult<()> {
    db.batch(statements).await.map_err(write_error)?;
    Ok(())
}

/// Like [`batch`], returning the number of rows each statement changed (to see whether a guarded
/// `UPDATE … WHERE version = ?` matched).
pub async fn batch_changes(db: &D1Database, statements: Vec<D1PreparedStatement>) -> ApiResult<Vec<u64>> {
    let results = db.batch(statements).await.map_err(write_error)?;
    results
        .iter()
        .map(|r| {
            Ok(r.meta()
                .map_err(internal)?
                .and_then(|m| m.changes)
                .map(|c| c as u64)
                .unwrap_or(0))
        })
        .collect()
}
