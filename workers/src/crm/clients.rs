//! Clients: create, read, search and filter (cursor pages), update with a version check, archive, and
//! the client summary.

use nuzantara_shared::crm::clients::{
    insert_sql, update_sql, ClientFields, ClientFilter, ClientListQuery, ClientPatchBody, ClientStatus, NewClientBody,
    COLUMNS,
};
use nuzantara_shared::crm::cursor::{paginate, Cursor};
use nuzantara_shared::crm::record::select_list;
use nuzantara_shared::crm::version::resolve_version;
use nuzantara_shared::error::{ApiError, ApiResult};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use worker::{D1Database, Request};

use super::{header, json_with_etag, new_record_id, not_found, now, query, stale, Audit, Audited, Sql, Viewer};
use crate::db::{self, P};
use crate::respond::{self, HandlerResult};

/// A client as the API shows it: its fields (declared once, in [`ClientFields`]) and the record's
/// bookkeeping.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClientRow {
    pub id: String,
    #[serde(flatten)]
    pub fields: ClientFields,
    pub consultant_name: Option<String>,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The select list of a [`ClientRow`]: the stored fields ([`COLUMNS`]) and the record's bookkeeping.
pub fn cols() -> String {
    format!(
        "c.id, {}, u.name AS consultant_name, c.version, c.created_at, c.updated_at",
        select_list("c", &COLUMNS)
    )
}
pub const FROM: &str = "FROM clients c LEFT JOIN users u ON u.id = c.consultant_id";

impl ClientRow {
    /// What a client user may see of their own record: not the team's internal notes.
    pub fn for_viewer(mut self, viewer: &Viewer) -> Self {
        if !viewer.is_team() {
            self.fields.notes = None;
        }
        self
    }
}

pub async fn load(db: &D1Database, id: &str) -> ApiResult<Option<ClientRow>> {
    db::first(db, &format!("SELECT {} {FROM} WHERE c.id = ?1", cols()), &[P::S(id)]).await
}

/// 404 unless the client exists and the viewer may see it.
pub async fn load_visible(db: &D1Database, id: &str, viewer: &Viewer) -> ApiResult<ClientRow> {
    viewer.check(id, "client")?;
    load(db, id).await?.ok_or_else(|| not_found("client"))
}

/// 422 unless `id` is an active team member (a consultant or an admin).
pub async fn check_consultant(db: &D1Database, id: &str) -> ApiResult<()> {
    let row: Option<Value> = db::first(
        db,
        "SELECT id FROM users WHERE id = ?1 AND role IN ('admin', 'consultant') AND disabled = 0",
        &[P::S(id)],
    )
    .await?;
    row.map(|_| ())
        .ok_or_else(|| ApiError::validation("consultant_id: not an active team member"))
}

async fn check_email_free(db: &D1Database, email: &str, except: Option<&str>) -> ApiResult<()> {
    let row: Option<Value> = db::first(
        db,
        "SELECT id FROM clients WHERE email = ?1 AND id != ?2",
        &[P::S(email), P::S(except.unwrap_or(""))],
    )
    .await?;
    match row {
        Some(_) => Err(ApiError::conflict("a client with this e-mail already exists")),
        None => Ok(()),
    }
}

/// Searches and filters clients, newest first; returns the page and the next cursor.
pub async fn search(db: &D1Database, f: &ClientFilter) -> ApiResult<(Vec<ClientRow>, Option<String>)> {
    let mut q = Sql::new(format!("SELECT {} {FROM} WHERE 1 = 1", cols()));
    match f.status {
        Some(s) => {
            let p = q.arg(P::S(s.as_str()));
            q.push(&format!(" AND c.status = {p}"));
        }
        None => q.push(" AND c.status != 'archived'"),
    }
    if let Some(c) = &f.consultant_id {
        let p = q.arg(P::S(c));
        q.push(&format!(" AND c.consultant_id = {p}"));
    }
    // `search_text` (kept by triggers, see migrations/0002_crm.sql) holds the name, e-mail, company and phones,
    // lower-cased, the phones also as bare digits.
    if let Some(needle) = &f.needle {
        let p = q.arg(P::S(needle));
        match &f.digits {
            Some(d) => {
                let pd = q.arg(P::S(d));
                q.push(&format!(
                    " AND (instr(c.search_text, {p}) > 0 OR instr(c.search_text, {pd}) > 0)"
                ));
            }
            None => q.push(&format!(" AND instr(c.search_text, {p}) > 0")),
        }
    }
    q.page("c.created_at", "c.id", &f.page);
    let rows: Vec<ClientRow> = db::all(db, &q.sql, &q.params).await?;
    Ok(paginate(rows, f.page.limit, |r| {
        Cursor::new(r.created_at, r.id.clone())
    }))
}

/// `GET /crm/clients` (`me`: the caller's id, for `consultant_id=me`).
pub async fn list(db: &D1Database, req: &Request, me: &str) -> HandlerResult {
    let q: ClientListQuery = query(req)?;
    let filter = q.validate(me)?;
    let (clients, next) = search(db, &filter).await?;
    respond::json(200, &json!({ "clients": clients, "next_cursor": next }))
}

/// Adds a client after the checks a create needs (consultant, unique e-mail).
pub async fn insert(db: &D1Database, c: &ClientFields) -> ApiResult<ClientRow> {
    if let Some(cid) = &c.consultant_id {
        check_consultant(db, cid).await?;
    }
    if let Some(e) = &c.email {
        check_email_free(db, e, None).await?;
    }
    let id = new_record_id();
    let mut params = vec![P::S(&id)];
    params.extend(c.cells().map(P::from));
    params.push(P::I(now()));
    db::run(db, &insert_sql(), &params).await?;
    load(db, &id)
        .await?
        .ok_or_else(|| ApiError::internal("client vanished after insert"))
}

/// `POST /crm/clients`
pub async fn create(db: &D1Database, b: NewClientBody) -> HandlerResult {
    let fields = b.validate()?;
    let row = insert(db, &fields).await?;
    json_with_etag(201, &row, row.version)
}

#[derive(Deserialize, Default)]
struct EmailQuery {
    email: Option<String>,
}

/// `GET /crm/clients/by-email?email=`
pub async fn by_email(db: &D1Database, req: &Request) -> HandlerResult {
    let q: EmailQuery = query(req)?;
    let raw = q.email.ok_or_else(|| ApiError::validation("email: required"))?;
    let email = nuzantara_shared::crm::check::email("email", &raw)?;
    let row: Option<ClientRow> = db::first(
        db,
        &format!("SELECT {} {FROM} WHERE c.email = ?1", cols()),
        &[P::S(&email)],
    )
    .await?;
    let row = row.ok_or_else(|| not_found("client with this e-mail"))?;
    json_with_etag(200, &row, row.version)
}

/// `GET /crm/clients/{id}`: a client user may read their own record only.
pub async fn get(db: &D1Database, id: &str, viewer: &Viewer) -> HandlerResult {
    let row = load_visible(db, id, viewer).await?.for_viewer(viewer);
    json_with_etag(200, &row, row.version)
}

/// Writes a client's fields if it is still at `version`; 409 when someone else got there first.
async fn write(db: &D1Database, id: &str, version: i64, c: &ClientFields) -> ApiResult<ClientRow> {
    let mut params = Vec::from(c.cells().map(P::from));
    params.extend([P::I(now()), P::S(id), P::I(version)]);
    let changed = db::run(db, &update_sql(), &params).await?;
    let row = load(db, id).await?.ok_or_else(|| not_found("client"))?;
    if changed == 0 {
        return Err(stale("client", row.version));
    }
    Ok(row)
}

/// `PATCH /crm/clients/{id}`: needs the version read (If-Match or `version`); a status change is audited.
pub async fn update(db: &D1Database, id: &str, req: &Request, b: ClientPatchBody) -> ApiResult<Audited> {
    let if_match = header(req, "If-Match");
    let version = resolve_version(if_match.as_deref(), b.version)?;
    let current = load(db, id).await?.ok_or_else(|| not_found("client"))?;
    if current.version != version {
        return Err(stale("client", current.version));
    }
    let was = &current.fields;
    let next = b.apply(was.clone())?;
    if next.consultant_id != was.consultant_id {
        if let Some(cid) = &next.consultant_id {
            check_consultant(db, cid).await?;
        }
    }
    if next.email != was.email {
        if let Some(e) = &next.email {
            check_email_free(db, e, Some(id)).await?;
        }
    }
    let row = write(db, id, version, &next).await?;
    let audit = (row.fields.status != was.status).then(|| {
        let detail = json!({ "from": was.status, "to": row.fields.status });
        Audit::new("client_status_changed", "client", Some(id), detail)
    });
    Ok((json_with_etag(200, &row, row.version)?, audit))
}

/// `DELETE /crm/clients/{id}`: archives (the record and its history stay; audited). If-Match is optional here.
pub async fn archive(db: &D1Database, id: &str, req: &Request) -> ApiResult<Audited> {
    let if_match = header(req, "If-Match");
    let current = load(db, id).await?.ok_or_else(|| not_found("client"))?;
    let version = match if_match {
        Some(h) => resolve_version(Some(&h), None)?,
        None => current.version,
    };
    if current.version != version {
        return Err(stale("client", current.version));
    }
    if current.fields.status == ClientStatus::Archived {
        return Ok((json_with_etag(200, &current, current.version)?, None));
    }
    let mut fields = current.fields.clone();
    fields.status = ClientStatus::Archived;
    let row = write(db, id, version, &fields).await?;
    let audit = Audit::new(
        "client_archived",
        "client",
        Some(id),
        json!({ "from": current.fields.status }),
    );
    Ok((json_with_etag(200, &row, row.version)?, Some(audit)))
}

#[cfg(test)]
mod tests {
    use super::super::selected;
    use super::*;

    #[test]
    fn the_select_list_yields_exactly_the_rows_fields() {
        let row: ClientRow = serde_json::from_value(json!({
            "id": "c1", "full_name": "A", "email": null, "phone": null, "whatsapp": null, "nationality": null,
            "company_name": null, "status": "lead", "consultant_id": null, "consultant_name": null, "language": "en",
            "notes": null, "version": 1, "created_at": 0, "updated_at": 0
        }))
        .unwrap();
        let json = serde_json::to_value(&row).unwrap();
        let mut keys: Vec<String> = json.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        assert_eq!(selected(&cols()), keys);
        assert_eq!(
            serde_json::to_value(&row.fields).unwrap().as_object().unwrap().len(),
            COLUMNS.len()
        );
    }
}
