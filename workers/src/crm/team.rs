//! The team: members (users with their team profile) and work sessions (clock in/out, one open
//! session per person, enforced by a partial UNIQUE index).

use nuzantara_shared::crm::check;
use nuzantara_shared::crm::cursor::page_size;
use nuzantara_shared::crm::team::ClockBody;
use nuzantara_shared::error::{ApiError, ErrorCode};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use worker::{D1Database, Request};

use super::{new_record_id, now, query};
use crate::db::{self, P};
use crate::respond::{self, HandlerResult};

/// `GET /crm/team`: admins and consultants with their profile, workload and whether they are clocked in.
pub async fn members(db: &D1Database) -> HandlerResult {
    let rows: Vec<Value> = db::all(
        db,
        "SELECT u.id AS user_id, u.name, u.email, u.role, u.language, u.disabled, \
           COALESCE(t.department, 'general') AS department, t.position, COALESCE(t.languages, '[\"en\"]') AS languages, \
           COALESCE(t.active, 1) AS active, \
           (SELECT started_at FROM work_sessions w WHERE w.user_id = u.id AND w.ended_at IS NULL) AS clocked_in_since, \
           (SELECT COUNT(*) FROM clients c WHERE c.consultant_id = u.id AND c.status != 'archived') AS client_count, \
           (SELECT COUNT(*) FROM practices p WHERE p.consultant_id = u.id \
              AND p.status IN ('inquiry', 'quoted', 'in_progress', 'submitted')) AS open_practice_count \
         FROM users u LEFT JOIN team_members t ON t.user_id = u.id WHERE u.role IN ('admin', 'consultant') ORDER BY u.name, u.id",
        &[],
    )
    .await?;
    let members: Vec<Value> = rows
        .into_iter()
        .map(|mut r| {
            r["languages"] = serde_json::from_str(r["languages"].as_str().unwrap_or("[]")).unwrap_or(json!([]));
            r["disabled"] = json!(r["disabled"].as_i64().unwrap_or(0) != 0);
            r["active"] = json!(r["active"].as_i64().unwrap_or(1) != 0);
            r
        })
        .collect();
    respond::json(200, &json!({ "members": members }))
}

#[derive(Debug, Serialize, Deserialize)]
struct Session {
    id: String,
    user_id: String,
    name: Option<String>,
    started_at: i64,
    ended_at: Option<i64>,
    notes: Option<String>,
    duration_ms: i64,
}

const SESSION: &str = "SELECT w.id, w.user_id, u.name, w.started_at, w.ended_at, w.notes, \
     COALESCE(w.ended_at, ?1) - w.started_at AS duration_ms FROM work_sessions w LEFT JOIN users u ON u.id = w.user_id";

#[derive(Deserialize, Default)]
struct SessionsQuery {
    user_id: Option<String>,
    limit: Option<String>,
}

/// `GET /crm/work-sessions?user_id=&limit=`: newest first (open ones count up to now).
pub async fn sessions(db: &D1Database, req: &Request) -> HandlerResult {
    let q: SessionsQuery = query(req)?;
    let user = q.user_id.as_deref().map(|u| check::id("user_id", u)).transpose()?;
    let limit = page_size(q.limit.as_deref(), 50, 200)?;
    let rows: Vec<Session> = db::all(
        db,
        &format!("{SESSION} WHERE (?2 IS NULL OR w.user_id = ?2) ORDER BY w.started_at DESC, w.id DESC LIMIT ?3"),
        &[P::I(now()), user.as_deref().into(), P::I(i64::from(limit))],
    )
    .await?;
    respond::json(200, &json!({ "sessions": rows }))
}

/// `POST /crm/work-sessions/clock-in` (`who`: the caller's user id): 409 when already clocked in.
pub async fn clock_in(db: &D1Database, who: &str, b: ClockBody) -> HandlerResult {
    let notes = b.notes()?;
    let id = new_record_id();
    let started = now();
    let already = || ApiError::conflict("you are already clocked in; clock out first");
    let open: Option<Value> = db::first(
        db,
        "SELECT id FROM work_sessions WHERE user_id = ?1 AND ended_at IS NULL",
        &[P::S(who)],
    )
    .await?;
    if open.is_some() {
        return Err(already());
    }
    db::run(
        db,
        "INSERT INTO work_sessions (id, user_id, started_at, notes) VALUES (?1, ?2, ?3, ?4)",
        &[P::S(&id), P::S(who), P::I(started), notes.as_deref().into()],
    )
    .await
    .map_err(|e| if e.code == ErrorCode::Conflict { already() } else { e })?;
    respond::json(
        201,
        &json!({ "id": id, "user_id": who, "started_at": started, "ended_at": null, "notes": notes }),
    )
}

/// `POST /crm/work-sessions/clock-out` (`who`: the caller's user id): ends the open session; 409 when
/// there is none.
pub async fn clock_out(db: &D1Database, who: &str, b: ClockBody) -> HandlerResult {
    let notes = b.notes()?;
    let not_in = || ApiError::conflict("you are not clocked in");
    let open: Option<Value> = db::first(
        db,
        "SELECT id FROM work_sessions WHERE user_id = ?1 AND ended_at IS NULL",
        &[P::S(who)],
    )
    .await?;
    let id = open
        .and_then(|o| o["id"].as_str().map(str::to_string))
        .ok_or_else(not_in)?;
    let ended = now();
    let changed = db::run(
        db,
        "UPDATE work_sessions SET ended_at = ?1, notes = COALESCE(?2, notes) WHERE id = ?3 AND ended_at IS NULL",
        &[P::I(ended), notes.as_deref().into(), P::S(&id)],
    )
    .await?;
    if changed == 0 {
        return Err(not_in());
    }
    let row: Option<Session> = db::first(db, &format!("{SESSION} WHERE w.id = ?2"), &[P::I(ended), P::S(&id)]).await?;
    respond::json(200, &row)
}
