//! Client documents: bytes in R2 (`clients/<client_id>/<doc_id>`), metadata and SHA-256 in D1.
//!
//! Upload (by the team, or by a client user to their own record) is the raw file as the body: `POST /crm/documents?client_id=…&practice_id=…&filename=…` with
//! the file's own `Content-Type`. Checks, before anything is stored: type allow-list (415), declared
//! size (413, before reading), query and file name (422), client and practice (404), size again while
//! reading (413), content matching the type (415). R2 is written first, then D1; when D1 fails the
//! object is removed, so nothing is left half-written. Deletion is soft (audited); the bytes stay in R2.

use std::collections::HashMap;

use futures_util::StreamExt;
use nuzantara_shared::crm::check;
use nuzantara_shared::crm::cursor::{paginate, Cursor};
use nuzantara_shared::crm::files::{
    check_content, check_file_name, check_upload_size, content_disposition, kind_of, r2_key, sha256, MAX_UPLOAD_BYTES,
};
use nuzantara_shared::crm::list::PageQuery;
use nuzantara_shared::error::{ApiError, ApiResult};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use worker::{Bucket, D1Database, HttpMetadata, Request, Response};

use super::{header, new_record_id, not_found, now, query, Audit, Audited, Sql, Viewer};
use crate::db::{self, P};
use crate::respond::{self, internal, HandlerResult};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DocumentRow {
    pub id: String,
    pub client_id: String,
    pub practice_id: Option<String>,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by: Option<String>,
    pub uploaded_by_name: Option<String>,
    pub created_at: i64,
    #[serde(skip_serializing)]
    pub r2_key: String,
}

const COLS: &str =
    "d.id, d.client_id, d.practice_id, d.filename, d.content_type, d.size_bytes, d.sha256, d.uploaded_by, \
     u.name AS uploaded_by_name, d.created_at, d.r2_key";
const FROM: &str = "FROM documents d LEFT JOIN users u ON u.id = d.uploaded_by";

/// A live (not deleted) document the viewer may see; 404 otherwise.
async fn load_visible(db: &D1Database, id: &str, viewer: &Viewer) -> ApiResult<DocumentRow> {
    let row: Option<DocumentRow> = db::first(
        db,
        &format!("SELECT {COLS} {FROM} WHERE d.id = ?1 AND d.deleted_at IS NULL"),
        &[P::S(id)],
    )
    .await?;
    let row = row.ok_or_else(|| not_found("document"))?;
    viewer.check(&row.client_id, "document")?;
    Ok(row)
}

#[derive(Deserialize, Default)]
struct UploadQuery {
    client_id: Option<String>,
    practice_id: Option<String>,
    filename: Option<String>,
}

/// Reads the body, refusing (413) as soon as it passes the limit, whatever Content-Length said.
async fn read_limited(req: &mut Request) -> ApiResult<Vec<u8>> {
    let Ok(mut stream) = req.stream() else {
        return Ok(Vec::new());
    };
    let mut buf: Vec<u8> = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request(format!("the upload was interrupted: {e}")))?;
        check_upload_size(buf.len() + chunk.len())?;
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}

/// `POST /crm/documents?client_id=&practice_id=&filename=` with the raw file as the body (audited;
/// `author`: the caller's user id).
pub async fn upload(
    db: &D1Database,
    bucket: &Bucket,
    mut req: Request,
    viewer: &Viewer,
    author: Option<&str>,
) -> ApiResult<Audited> {
    let kind = kind_of(header(&req, "Content-Type").as_deref())?;
    if let Some(len) = header(&req, "Content-Length") {
        let len: usize = len
            .trim()
            .parse()
            .map_err(|_| ApiError::bad_request("Content-Length is not a number"))?;
        check_upload_size(len)?;
    }
    let q: UploadQuery = query(&req)?;
    let client_id = check::id(
        "client_id",
        q.client_id
            .as_deref()
            .ok_or_else(|| ApiError::validation("client_id: required"))?,
    )?;
    let practice_id = q
        .practice_id
        .as_deref()
        .map(|p| check::id("practice_id", p))
        .transpose()?;
    let filename = check_file_name(q.filename.as_deref().unwrap_or(""), kind)?;
    // A client user uploads to their own record only; anyone else's is the same 404 as an unknown id.
    viewer.check(&client_id, "client")?;
    let client: Option<Value> = db::first(db, "SELECT id FROM clients WHERE id = ?1", &[P::S(&client_id)]).await?;
    client.ok_or_else(|| not_found("client"))?;
    if let Some(p) = &practice_id {
        let row: Option<Value> = db::first(
            db,
            "SELECT id FROM practices WHERE id = ?1 AND client_id = ?2",
            &[P::S(p), P::S(&client_id)],
        )
        .await?;
        row.ok_or_else(|| not_found("practice of this client"))?;
    }
    let bytes = read_limited(&mut req).await?;
    check_content(kind, &bytes)?;
    let (digest, hex) = sha256(&bytes);
    let size = bytes.len();
    debug_assert!(size <= MAX_UPLOAD_BYTES);
    let id = new_record_id();
    let key = r2_key(&client_id, &id);
    let meta = HttpMetadata {
        content_type: Some(kind.mime.to_string()),
        ..Default::default()
    };
    let custom: HashMap<String, String> = [
        ("sha256".to_string(), hex.clone()),
        ("client_id".to_string(), client_id.clone()),
    ]
    .into_iter()
    .collect();
    bucket
        .put(&key, bytes)
        .http_metadata(meta)
        .custom_metadata(custom)
        .sha256(digest)
        .execute()
        .await
        .map_err(internal)?;
    let inserted = db::run(
        db,
        "INSERT INTO documents (id, client_id, practice_id, filename, content_type, size_bytes, sha256, r2_key, uploaded_by, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        &[
            P::S(&id),
            P::S(&client_id),
            practice_id.as_deref().into(),
            P::S(&filename),
            P::S(kind.mime),
            P::I(size as i64),
            P::S(&hex),
            P::S(&key),
            author.into(),
            P::I(now()),
        ],
    )
    .await;
    if let Err(e) = inserted {
        // Nothing half-written: the bytes go when their record could not be made.
        let _ = bucket.delete(&key).await;
        return Err(e);
    }
    let detail = json!({ "client_id": client_id, "filename": filename, "size_bytes": size, "content_type": kind.mime });
    let audit = Audit::new("document_uploaded", "document", Some(&id), detail);
    let row = load_visible(db, &id, &Viewer::Team).await?;
    Ok((respond::json(201, &row)?, Some(audit)))
}

/// `GET /crm/documents?client_id=&practice_id=&cursor=&limit=`: a client user sees their own only.
pub async fn list(db: &D1Database, req: &Request, viewer: &Viewer) -> HandlerResult {
    let page = query::<PageQuery>(req)?.validate()?;
    let mut q = Sql::new(format!("SELECT {COLS} {FROM} WHERE d.deleted_at IS NULL"));
    if let Some(own) = viewer.client_scope() {
        let p = q.arg(P::S(own));
        q.push(&format!(" AND d.client_id = {p}"));
    }
    if let Some(c) = &page.client_id {
        let p = q.arg(P::S(c));
        q.push(&format!(" AND d.client_id = {p}"));
    }
    if let Some(pr) = &page.practice_id {
        let p = q.arg(P::S(pr));
        q.push(&format!(" AND d.practice_id = {p}"));
    }
    q.page("d.created_at", "d.id", &page.page);
    let rows: Vec<DocumentRow> = db::all(db, &q.sql, &q.params).await?;
    let (rows, next) = paginate(rows, page.page.limit, |r| Cursor::new(r.created_at, r.id.clone()));
    respond::json(200, &json!({ "documents": rows, "next_cursor": next }))
}

/// `GET /crm/documents/{id}`
pub async fn get(db: &D1Database, id: &str, viewer: &Viewer) -> HandlerResult {
    let row = load_visible(db, id, viewer).await?;
    respond::json(200, &row)
}

/// `GET /crm/documents/{id}/content`: the bytes, streamed from R2, as an attachment.
pub async fn content(db: &D1Database, bucket: &Bucket, id: &str, viewer: &Viewer) -> HandlerResult {
    let row = load_visible(db, id, viewer).await?;
    let obj = bucket
        .get(&row.r2_key)
        .execute()
        .await
        .map_err(internal)?
        .ok_or_else(|| not_found("stored file for this document"))?;
    let body = obj
        .body()
        .ok_or_else(|| not_found("stored file for this document"))?
        .response_body()
        .map_err(internal)?;
    let mut resp = Response::from_body(body).map_err(internal)?;
    let content_type = if row.content_type == "text/plain" {
        "text/plain; charset=utf-8".to_string()
    } else {
        row.content_type.clone()
    };
    let h = resp.headers_mut();
    for (k, v) in [
        ("Content-Type", content_type),
        ("Content-Disposition", content_disposition(&row.filename)),
        ("Content-Length", row.size_bytes.to_string()),
        ("Cache-Control", "private, no-store".to_string()),
        ("X-Content-SHA256", row.sha256.clone()),
    ] {
        h.set(k, &v).map_err(internal)?;
    }
    Ok(resp)
}

/// `DELETE /crm/documents/{id}`: soft (the record is marked, the bytes stay), audited.
pub async fn delete(db: &D1Database, id: &str) -> ApiResult<Audited> {
    let row = load_visible(db, id, &Viewer::Team).await?;
    let changed = db::run(
        db,
        "UPDATE documents SET deleted_at = ?1 WHERE id = ?2 AND deleted_at IS NULL",
        &[P::I(now()), P::S(id)],
    )
    .await?;
    if changed == 0 {
        return Err(not_found("document"));
    }
    let detail = json!({ "client_id": row.client_id, "filename": row.filename, "sha256": row.sha256 });
    let audit = Audit::new("document_deleted", "document", Some(id), detail);
    Ok((respond::json(200, &json!({ "id": id, "deleted": true }))?, Some(audit)))
}
