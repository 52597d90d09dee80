//! Conversations (list, read, export, delete, feedback) and memory facts (list, add, edit, delete).
//! A user sees only their own; the chat stores into the same tables.

use nuzantara_shared::auth::Principal;
use nuzantara_shared::chat::export;
use nuzantara_shared::error::{ApiError, ApiResult};
use nuzantara_shared::ids::{new_id, EntityId};
use serde::Deserialize;
use serde_json::{json, Value};
use worker::{D1Database, Request};

use crate::audit::Origin;
use crate::db::{self, P};
use crate::platform::{now_ms, random16};
use crate::respond::{self, internal, HandlerResult};
use crate::{audit, body};

#[derive(Deserialize)]
struct ListQuery {
    q: Option<String>,
    limit: Option<String>,
    before: Option<String>,
}

fn limit_of(s: Option<&str>, default: i64, max: i64) -> ApiResult<i64> {
    match s {
        None => Ok(default),
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| ApiError::validation(format!("limit must be 1-{max}"))),
    }
}

/// `GET /api/conversations?q=&limit=&before=`: newest first; `q` searches titles and messages.
pub async fn list(req: &Request, db: &D1Database, who: &Principal) -> HandlerResult {
    let q: ListQuery = req.query().map_err(|_| ApiError::validation("bad query string"))?;
    let limit = limit_of(q.limit.as_deref(), 30, 100)?;
    let before = match q.before.as_deref() {
        None => i64::MAX,
        Some(b) => b
            .parse::<i64>()
            .map_err(|_| ApiError::validation("before must be a timestamp"))?,
    };
    let search = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if search.is_some_and(|s| s.chars().count() > 200) {
        return Err(ApiError::validation("q must be at most 200 characters"));
    }
    // instr(), not LIKE: D1 caps LIKE patterns at 50 bytes, and a substring needs no pattern at all.
    let needle = search.map(str::to_lowercase);
    let rows: Vec<Value> = db::all(
        db,
        "SELECT c.id, c.title, c.language, c.created_at, c.updated_at, \
         (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id) AS message_count \
         FROM conversations c WHERE c.user_id = ?1 AND c.deleted_at IS NULL AND c.updated_at < ?2 \
         AND (?3 IS NULL OR instr(lower(c.title), ?3) > 0 OR EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND instr(lower(m.content), ?3) > 0)) \
         ORDER BY c.updated_at DESC LIMIT ?4",
        &[P::S(&who.id), P::I(before), needle.as_deref().into(), P::I(limit)],
    )
    .await?;
    let next = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|r| r["updated_at"].clone()))
        .flatten();
    respond::json(200, &json!({ "conversations": rows, "next_before": next }))
}

/// Loads a conversation the caller owns; 404 otherwise (ids of others are not confirmed).
pub async fn owned(db: &D1Database, id: &str, who: &Principal) -> ApiResult<Value> {
    let id = EntityId::parse(id).map_err(|_| ApiError::not_found("no such conversation"))?;
    let conv: Option<Value> = db::first(
        db,
        "SELECT id, title, language, session_id, created_at, updated_at FROM conversations WHERE id = ?1 AND user_id = ?2 AND deleted_at IS NULL",
        &[P::S(id.as_str()), P::S(&who.id)],
    )
    .await?;
    conv.ok_or_else(|| ApiError::not_found("no such conversation"))
}

pub async fn messages(db: &D1Database, conversation_id: &str) -> ApiResult<Vec<Value>> {
    let rows: Vec<Value> = db::all(
        db,
        "SELECT id, seq, role, content, model, status, sources, tool_calls, tokens_in, tokens_out, latency_ms, feedback, created_at \
         FROM messages WHERE conversation_id = ?1 ORDER BY seq",
        &[P::S(conversation_id)],
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|mut m| {
            for k in ["sources", "tool_calls"] {
                m[k] = m[k]
                    .as_str()
                    .and_then(|s| serde_json::from_str(s).ok())
                    .unwrap_or(Value::Null);
            }
            m
        })
        .collect())
}

/// `GET /api/conversations/{id}`
pub async fn get(id: &str, db: &D1Database, who: &Principal) -> HandlerResult {
    let mut conv = owned(db, id, who).await?;
    let id = conv["id"].as_str().unwrap_or_default().to_string();
    conv["messages"] = json!(messages(db, &id).await?);
    respond::json(200, &conv)
}

#[derive(Deserialize)]
struct ExportQuery {
    format: Option<String>,
}

/// `GET /api/conversations/{id}/export?format=json|md`
pub async fn export(id: &str, req: &Request, db: &D1Database, who: &Principal, origin: Origin<'_>) -> HandlerResult {
    let q: ExportQuery = req.query().map_err(|_| ApiError::validation("bad query string"))?;
    let conv = owned(db, id, who).await?;
    let cid = conv["id"].as_str().unwrap_or_default().to_string();
    let msgs = messages(db, &cid).await?;
    audit::write(
        db,
        origin,
        Some(who),
        "export",
        "conversation",
        Some(&cid),
        json!({ "format": q.format }),
    )
    .await;
    let (body, ct, ext) = match q.format.as_deref().unwrap_or("json") {
        "json" => {
            let mut doc = conv.clone();
            doc["messages"] = json!(msgs);
            (
                serde_json::to_string_pretty(&doc).map_err(internal)?,
                "application/json; charset=utf-8",
                "json",
            )
        }
        "md" | "markdown" => (export::markdown(&conv, &msgs), "text/markdown; charset=utf-8", "md"),
        _ => return Err(ApiError::validation("format must be json or md")),
    };
    let mut resp = respond::text(200, ct, body)?;
    resp.headers_mut()
        .set(
            "Content-Disposition",
            &format!("attachment; filename=\"conversation-{cid}.{ext}\""),
        )
        .map_err(internal)?;
    Ok(resp)
}

/// `DELETE /api/conversations/{id}`: soft delete (hidden everywhere), audited.
pub async fn delete(id: &str, db: &D1Database, who: &Principal, origin: Origin<'_>) -> HandlerResult {
    let conv = owned(db, id, who).await?;
    let cid = conv["id"].as_str().unwrap_or_default();
    db::run(
        db,
        "UPDATE conversations SET deleted_at = ?1 WHERE id = ?2",
        &[P::I(now_ms() as i64), P::S(cid)],
    )
    .await?;
    audit::write(db, origin, Some(who), "delete", "conversation", Some(cid), json!({})).await;
    respond::json(200, &json!({ "id": cid, "deleted": true }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FeedbackBody {
    value: i64,
}

/// `POST /api/messages/{id}/feedback {value: 1|-1}` on an answer in one of the caller's conversations.
pub async fn feedback(id: &str, mut req: Request, max_body: usize, db: &D1Database, who: &Principal) -> HandlerResult {
    let b: FeedbackBody = body::read_json(&mut req, max_body).await?;
    if b.value != 1 && b.value != -1 {
        return Err(ApiError::validation("value must be 1 or -1"));
    }
    let id = EntityId::parse(id).map_err(|_| ApiError::not_found("no such message"))?;
    let changed = db::run(
        db,
        "UPDATE messages SET feedback = ?1 WHERE id = ?2 AND role = 'assistant' AND conversation_id IN \
         (SELECT id FROM conversations WHERE user_id = ?3 AND deleted_at IS NULL)",
        &[P::I(b.value), P::S(id.as_str()), P::S(&who.id)],
    )
    .await?;
    if changed == 0 {
        return Err(ApiError::not_found("no such answer"));
    }
    respond::json(200, &json!({ "id": id.as_str(), "feedback": b.value }))
}

pub async fn facts(db: &D1Database, user_id: &str, query: Option<&str>, limit: i64) -> ApiResult<Vec<Value>> {
    let needle = query.map(str::trim).filter(|q| !q.is_empty()).map(str::to_lowercase);
    db::all(
        db,
        "SELECT id, content, source, created_at, updated_at FROM memory_facts WHERE user_id = ?1 \
         AND (?2 IS NULL OR instr(lower(content), ?2) > 0) ORDER BY updated_at DESC LIMIT ?3",
        &[P::S(user_id), needle.as_deref().into(), P::I(limit.clamp(1, 200))],
    )
    .await
}

fn check_fact(content: &str) -> ApiResult<&str> {
    let c = content.trim();
    if c.chars().count() < 3 || c.chars().count() > 500 {
        return Err(ApiError::validation("a fact must be 3-500 characters"));
    }
    Ok(c)
}

pub async fn save_fact(db: &D1Database, user_id: &str, content: &str, source: &str) -> ApiResult<Value> {
    let content = check_fact(content)?;
    let count: Option<Value> = db::first(
        db,
        "SELECT COUNT(*) AS n FROM memory_facts WHERE user_id = ?1",
        &[P::S(user_id)],
    )
    .await?;
    if count.and_then(|c| c["n"].as_f64()).unwrap_or(0.0) >= 500.0 {
        return Err(ApiError::conflict("memory is full (500 facts): delete some first"));
    }
    let id = new_id(random16());
    let now = now_ms() as i64;
    db::run(
        db,
        "INSERT INTO memory_facts (id, user_id, content, source, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        &[P::S(&id), P::S(user_id), P::S(content), P::S(source), P::I(now)],
    )
    .await?;
    Ok(json!({ "id": id, "content": content, "source": source, "created_at": now, "updated_at": now }))
}

/// `GET /api/memory?q=&limit=`
pub async fn list_facts(req: &Request, db: &D1Database, who: &Principal) -> HandlerResult {
    let q: ListQuery = req.query().map_err(|_| ApiError::validation("bad query string"))?;
    let limit = limit_of(q.limit.as_deref(), 100, 200)?;
    if q.q.as_ref().is_some_and(|s| s.chars().count() > 200) {
        return Err(ApiError::validation("q must be at most 200 characters"));
    }
    respond::json(
        200,
        &json!({ "facts": facts(db, &who.id, q.q.as_deref(), limit).await? }),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FactBody {
    content: String,
}

/// `POST /api/memory {content}`
pub async fn add_fact(mut req: Request, max_body: usize, db: &D1Database, who: &Principal) -> HandlerResult {
    let b: FactBody = body::read_json(&mut req, max_body).await?;
    respond::json(201, &save_fact(db, &who.id, &b.content, "explicit").await?)
}

/// `PATCH /api/memory/{id} {content}`
pub async fn edit_fact(id: &str, mut req: Request, max_body: usize, db: &D1Database, who: &Principal) -> HandlerResult {
    let b: FactBody = body::read_json(&mut req, max_body).await?;
    let content = check_fact(&b.content)?;
    let id = EntityId::parse(id).map_err(|_| ApiError::not_found("no such fact"))?;
    let changed = db::run(
        db,
        "UPDATE memory_facts SET content = ?1, updated_at = ?2 WHERE id = ?3 AND user_id = ?4",
        &[P::S(content), P::I(now_ms() as i64), P::S(id.as_str()), P::S(&who.id)],
    )
    .await?;
    if changed == 0 {
        return Err(ApiError::not_found("no such fact"));
    }
    respond::json(200, &json!({ "id": id.as_str(), "content": content }))
}

/// `DELETE /api/memory/{id}`
pub async fn delete_fact(id: &str, db: &D1Database, who: &Principal, origin: Origin<'_>) -> HandlerResult {
    let id = EntityId::parse(id).map_err(|_| ApiError::not_found("no such fact"))?;
    let changed = db::run(
        db,
        "DELETE FROM memory_facts WHERE id = ?1 AND user_id = ?2",
        &[P::S(id.as_str()), P::S(&who.id)],
    )
    .await?;
    if changed == 0 {
        return Err(ApiError::not_found("no such fact"));
    }
    audit::write(
        db,
        origin,
        Some(who),
        "delete",
        "memory_fact",
        Some(id.as_str()),
        json!({}),
    )
    .await;
    respond::json(200, &json!({ "id": id.as_str(), "deleted": true }))
}
