//! The response schemas of the CRM routes, named in the document's components (`#/components/schemas/...`).
//! Each mirrors a row or view the worker serialises (`workers/src/crm/`: `ClientRow`, `PracticeView`,
//! `ClientPracticeView`, `DocumentRow`, ...); `tests/python/test_openapi_conformance.py` validates real
//! responses against them, so a field added to a row without being added here fails that test.

use serde_json::{json, Map, Value};

use crate::openapi::schema::{all, array, boolean, int, map_of, named, nullable, res, string};

fn enum_of(values: &[&str]) -> Value {
    json!({ "type": "string", "enum": values })
}
fn client_status() -> Value {
    enum_of(&["lead", "active", "inactive", "archived"])
}
fn practice_status() -> Value {
    let all: Vec<&str> = super::status::ALL.iter().map(|s| s.as_str()).collect();
    enum_of(&all)
}
fn nstr() -> Value {
    nullable(string())
}
fn nint() -> Value {
    nullable(int())
}

/// The fields of a practice everyone who may see it sees (`ClientPracticeView`).
fn practice_common() -> Map<String, Value> {
    let v = json!({
        "id": string(), "client_id": string(), "client_name": nstr(), "type_code": string(), "type_name": nstr(),
        "category": nstr(), "consultant_name": nstr(), "status": practice_status(), "fee_idr": nint(),
        "paid_idr": int(), "balance_idr": int(), "start_date": nstr(), "submitted_at": nstr(),
        "approved_at": nstr(), "expiry_date": nstr(), "allowed_next": array(practice_status()),
        "version": int(), "created_at": int(), "updated_at": int()
    });
    v.as_object().cloned().unwrap_or_default()
}
/// A practice as the team sees it (`PracticeView`), with `extra` fields.
fn team_practice(extra: Value) -> Value {
    let mut p = practice_common();
    p.insert("consultant_id".into(), nstr());
    p.insert("notes".into(), nstr());
    p.extend(extra.as_object().cloned().unwrap_or_default());
    all(Value::Object(p))
}
fn client_practice(extra: Value) -> Value {
    let mut p = practice_common();
    p.extend(extra.as_object().cloned().unwrap_or_default());
    all(Value::Object(p))
}

/// The CRM's named schemas.
pub fn schemas() -> Vec<(&'static str, Value)> {
    let step = all(json!({
        "from_status": nullable(practice_status()), "to_status": practice_status(), "changed_by": nstr(),
        "changed_by_name": nstr(), "changed_at": int(), "note": nstr()
    }));
    let client_step =
        all(json!({ "from_status": nullable(practice_status()), "to_status": practice_status(), "changed_at": int() }));
    let method = enum_of(&["transfer", "cash", "card", "other"]);
    let payment = res(
        &["id", "amount_idr", "paid_on", "method", "note", "created_at"],
        json!({
            "id": string(), "practice_id": string(), "amount_idr": int(), "paid_on": string(), "method": method,
            "note": nstr(), "created_at": int()
        }),
    );
    let client_payment =
        all(json!({ "id": string(), "amount_idr": int(), "paid_on": string(), "method": method, "created_at": int() }));
    vec![
        (
            "Client",
            all(json!({
                "id": string(), "full_name": string(), "email": nstr(), "phone": nstr(), "whatsapp": nstr(),
                "nationality": nstr(), "company_name": nstr(), "status": client_status(), "consultant_id": nstr(),
                "consultant_name": nstr(), "language": string(), "notes": nstr(), "version": int(),
                "created_at": int(), "updated_at": int()
            })),
        ),
        ("Practice", team_practice(json!({}))),
        ("ClientPractice", client_practice(json!({}))),
        (
            "PracticeAsSeen",
            json!({ "anyOf": [named("Practice"), named("ClientPractice")] }),
        ),
        (
            "PracticeDetail",
            json!({ "anyOf": [
                team_practice(json!({ "history": array(step), "payments": array(payment.clone()) })),
                client_practice(json!({ "history": array(client_step), "payments": array(client_payment) })),
            ] }),
        ),
        ("Payment", payment),
        (
            "Interaction",
            all(json!({
                "id": string(), "client_id": string(), "practice_id": nstr(), "conversation_id": nstr(),
                "kind": enum_of(&["chat", "email", "whatsapp", "call", "meeting", "note", "reminder"]),
                "summary": string(), "created_by": nstr(), "created_by_name": nstr(), "occurred_at": int(),
                "created_at": int()
            })),
        ),
        (
            "Document",
            all(json!({
                "id": string(), "client_id": string(), "practice_id": nstr(), "filename": string(),
                "content_type": string(), "size_bytes": int(), "sha256": string(), "uploaded_by": nstr(),
                "uploaded_by_name": nstr(), "created_at": int()
            })),
        ),
        (
            "PracticeType",
            all(json!({
                "code": string(), "name": string(), "category": string(), "default_fee_idr": nint(),
                "duration_days": nint(), "validity_days": nint(), "description": nstr()
            })),
        ),
        (
            "WorkSession",
            res(
                &["id", "user_id", "started_at", "ended_at", "notes"],
                json!({
                    "id": string(), "user_id": string(), "name": string(), "started_at": int(), "ended_at": nint(),
                    "notes": nstr(), "duration_ms": nint()
                }),
            ),
        ),
    ]
}

/// The response of `route`, when it is not one named schema.
pub fn client_list() -> Value {
    all(json!({ "clients": array(named("Client")), "next_cursor": nstr() }))
}
pub fn practice_list() -> Value {
    all(json!({ "practices": array(named("PracticeAsSeen")), "next_cursor": nstr() }))
}
pub fn interaction_list() -> Value {
    all(json!({ "interactions": array(named("Interaction")), "next_cursor": nstr() }))
}
pub fn document_list() -> Value {
    all(json!({ "documents": array(named("Document")), "next_cursor": nstr() }))
}
pub fn practice_types() -> Value {
    all(json!({ "practice_types": array(named("PracticeType")) }))
}
pub fn payment_created() -> Value {
    all(json!({ "payment": named("Payment"), "practice": named("Practice") }))
}
pub fn deleted() -> Value {
    all(json!({ "id": string(), "deleted": boolean() }))
}
pub fn renewals() -> Value {
    all(json!({
        "today": string(),
        "within_days": int(),
        "renewals": array(team_practice(json!({ "days_left": int(), "window": nint() }))),
        "overdue": array(team_practice(json!({ "expected_by": string(), "days_overdue": int() }))),
    }))
}
pub fn client_summary() -> Value {
    all(json!({
        "client": named("Client"),
        "open_practices": array(named("Practice")),
        "last_interactions": array(named("Interaction")),
        "next_deadlines": array(all(json!({
            "practice_id": string(), "type_name": nstr(),
            "kind": enum_of(&["permit_expiry", "expected_completion"]), "date": string()
        }))),
        "balance_due_idr": int(),
        "practice_count": int(),
        "document_count": int(),
    }))
}
pub fn team() -> Value {
    all(json!({ "members": array(all(json!({
        "user_id": string(), "name": string(), "email": string(), "role": enum_of(&["admin", "consultant"]),
        "language": string(), "disabled": boolean(), "department": string(), "position": nstr(),
        "languages": array(string()), "active": boolean(), "clocked_in_since": nint(), "client_count": int(),
        "open_practice_count": int()
    }))) }))
}
pub fn work_sessions() -> Value {
    all(json!({ "sessions": array(named("WorkSession")) }))
}
pub fn analytics() -> Value {
    all(json!({
        "practices_by_status": map_of(int()),
        "practices_by_type": array(all(json!({
            "type_code": string(), "type_name": nstr(), "category": nstr(), "practices": int(), "open": int()
        }))),
        "renewals_by_week": array(all(json!({ "week_start": string(), "renewals": int() }))),
        "revenue_by_month": array(all(json!({ "month": string(), "paid_idr": int(), "payments": int() }))),
        "consultant_workload": array(all(json!({
            "user_id": string(), "name": string(), "open_practices": int(), "clients": int(), "outstanding_idr": int()
        }))),
        "revenue_by_type_month": array(all(json!({
            "month": string(), "type_code": string(), "type_name": nstr(), "paid_idr": int(), "payments": int()
        }))),
        "interactions_per_consultant": array(all(json!({
            "user_id": string(), "name": string(), "interactions": int(), "last_at": int()
        }))),
        "avg_days_in_status": array(all(json!({
            "status": practice_status(), "transitions": int(), "avg_days": json!({ "type": "number" })
        }))),
        "totals": all(json!({ "clients": int(), "practices": int(), "fees_idr": int(), "paid_idr": int() })),
    }))
}
