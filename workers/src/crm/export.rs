//! CSV exports of clients and practices: RFC 4180, formula-injection safe (see
//! `nuzantara_shared::crm::csv`), audited as `export`.

use nuzantara_shared::crm::csv::CsvWriter;
use nuzantara_shared::crm::dates::iso_utc;
use nuzantara_shared::error::ApiResult;
use serde_json::json;
use worker::D1Database;

use super::{clients, practice_row, today, Audit, Audited};
use crate::db;
use crate::respond::{self, internal};

fn text(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("")
}
fn num(v: Option<i64>) -> String {
    v.map(|n| n.to_string()).unwrap_or_default()
}

/// The CSV as an attachment, and its audit entry.
fn answer(what: &'static str, rows: usize, csv: String) -> ApiResult<Audited> {
    let audit = Audit::new("export", what, None, json!({ "rows": rows, "format": "csv" }));
    let mut resp = respond::text(200, "text/csv; charset=utf-8", csv)?;
    let name = format!("attachment; filename=\"{what}-{}.csv\"", today());
    resp.headers_mut().set("Content-Disposition", &name).map_err(internal)?;
    resp.headers_mut()
        .set("Cache-Control", "private, no-store")
        .map_err(internal)?;
    Ok((resp, Some(audit)))
}

/// `GET /crm/export/clients.csv`: every client, archived included.
pub async fn clients(db: &D1Database) -> ApiResult<Audited> {
    let rows: Vec<clients::ClientRow> = db::all(
        db,
        &format!(
            "SELECT {} {} ORDER BY c.created_at, c.id LIMIT 200000",
            clients::cols(),
            clients::FROM
        ),
        &[],
    )
    .await?;
    let mut w = CsvWriter::new();
    w.row([
        "id",
        "full_name",
        "email",
        "phone",
        "whatsapp",
        "nationality",
        "company_name",
        "status",
        "consultant",
        "language",
        "created_at",
        "updated_at",
    ]);
    for row in &rows {
        let c = &row.fields;
        w.row([
            row.id.as_str(),
            &c.full_name,
            text(&c.email),
            text(&c.phone),
            text(&c.whatsapp),
            text(&c.nationality),
            text(&c.company_name),
            c.status.as_str(),
            text(&row.consultant_name),
            c.language.code(),
            &iso_utc(row.created_at),
            &iso_utc(row.updated_at),
        ]);
    }
    answer("clients", rows.len(), w.finish())
}

/// `GET /crm/export/practices.csv`
pub async fn practices(db: &D1Database) -> ApiResult<Audited> {
    let rows: Vec<practice_row::PracticeRow> = db::all(
        db,
        &format!(
            "SELECT {} {} ORDER BY p.created_at, p.id LIMIT 200000",
            practice_row::cols(),
            practice_row::FROM
        ),
        &[],
    )
    .await?;
    let mut w = CsvWriter::new();
    w.row([
        "id",
        "client_id",
        "client_name",
        "type_code",
        "type_name",
        "status",
        "consultant",
        "fee_idr",
        "paid_idr",
        "start_date",
        "submitted_at",
        "approved_at",
        "expiry_date",
        "created_at",
    ]);
    for p in &rows {
        w.row([
            p.id.as_str(),
            &p.client_id,
            text(&p.client_name),
            &p.fields.type_code,
            text(&p.type_name),
            &p.status,
            text(&p.consultant_name),
            &num(p.fields.fee_idr),
            &p.paid_idr.to_string(),
            text(&p.fields.start_date),
            text(&p.fields.submitted_at),
            text(&p.fields.approved_at),
            text(&p.fields.expiry_date),
            &iso_utc(p.created_at),
        ]);
    }
    answer("practices", rows.len(), w.finish())
}
