//! The OpenAPI description of the CRM routes (called from [`crate::openapi::spec`]). Request schemas say
//! exactly what the server accepts or less: optional fields are nullable, unknown fields are refused,
//! and every length, pattern and bound here is enforced by the resource modules (`crm::clients`, `crm::check`, …) (often more strictly).

use serde_json::{json, Map, Value};

use super::check::{MAX_IDR, MAX_NAME, MAX_NOTES, MAX_PHONE, MAX_QUERY, MAX_SHORT};
use super::clients::{ClientPatchBody, NewClientBody};
use super::openapi_responses as out;
use super::practices::{NewPracticeBody, PracticePatchBody};
use crate::openapi::schema::{binary, named, obj, s, text_body, Spec};
use crate::routes::CrmRoute;

const ID: &str = "^[A-Za-z0-9_-]{1,64}$";
const ID_OR_EMPTY: &str = "^([A-Za-z0-9_-]{1,64})?$";
const DATE: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";
const DATE_OR_EMPTY: &str = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$";

fn id() -> Value {
    json!({ "type": "string", "pattern": ID })
}
fn date() -> Value {
    json!({ "type": "string", "pattern": DATE })
}
fn date_or_empty() -> Value {
    json!({ "type": "string", "pattern": DATE_OR_EMPTY })
}
fn idr(min: i64) -> Value {
    json!({ "type": "integer", "minimum": min, "maximum": MAX_IDR })
}
fn version() -> Value {
    json!({ "type": "integer", "minimum": 1 })
}
fn q_id() -> Value {
    json!({ "type": "string", "pattern": ID })
}
fn q_limit() -> Value {
    json!({ "type": "string", "pattern": "^[0-9]{1,3}$" })
}
fn q_cursor() -> Value {
    json!({ "type": "string", "maxLength": super::cursor::MAX_LEN })
}
fn client_status() -> Value {
    json!({ "enum": ["lead", "active", "inactive", "archived"] })
}
fn practice_status() -> Value {
    json!({ "enum": super::status::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>() })
}
fn language() -> Value {
    json!({ "enum": ["en", "id", "it"] })
}

fn client() -> Value {
    named("Client")
}
fn practice() -> Value {
    named("Practice")
}
fn interaction() -> Value {
    named("Interaction")
}
fn document() -> Value {
    named("Document")
}

/// The request schema of a write whose fields are declared once (`writable_fields!`): one property per
/// field the body accepts (`names`), each with its schema from `schema`. A declared field without a
/// schema fails the build (the document is rendered by the worker's build script) and the tests.
fn declared(required: &[&str], names: Vec<&'static str>, schema: impl Fn(&str) -> Option<Value>) -> Value {
    let props: Map<String, Value> = names
        .into_iter()
        .map(|n| {
            let v = schema(n).unwrap_or_else(|| panic!("the OpenAPI description has no schema for the field {n}"));
            (n.to_string(), v)
        })
        .collect();
    obj(required, Value::Object(props))
}

/// A client field's schema in the create body, or in the patch body (which may send "" to clear an
/// optional field; a new client either has the field or leaves it out).
fn client_field(name: &str, patch: bool) -> Option<Value> {
    let min = |n: usize| if patch { 0 } else { n };
    Some(match name {
        "full_name" => s(1, MAX_NAME),
        "email" if patch => s(0, 254),
        "email" => json!({ "type": "string", "format": "email", "minLength": 3, "maxLength": 254 }),
        "phone" | "whatsapp" => s(min(7), MAX_PHONE),
        "nationality" | "company_name" => s(min(1), MAX_SHORT),
        "status" => client_status(),
        "consultant_id" if patch => json!({ "type": "string", "pattern": ID_OR_EMPTY }),
        "consultant_id" => id(),
        "language" => language(),
        "notes" => s(min(1), MAX_NOTES),
        "version" => version(),
        _ => return None,
    })
}

/// A practice field's schema in the create body (with its `client_id`) or in the patch body.
fn practice_field(name: &str, patch: bool) -> Option<Value> {
    Some(match name {
        "client_id" | "type_code" => id(),
        "consultant_id" if patch => json!({ "type": "string", "pattern": ID_OR_EMPTY }),
        "consultant_id" => id(),
        "fee_idr" => idr(0),
        "start_date" | "submitted_at" | "approved_at" | "expiry_date" if patch => date_or_empty(),
        "start_date" | "expiry_date" => date(),
        "notes" => s(if patch { 0 } else { 1 }, MAX_NOTES),
        "version" => version(),
        _ => return None,
    })
}

/// The documentation of one CRM route.
pub fn spec(route: CrmRoute) -> Spec {
    let base = |summary: &'static str, tag: &'static str, response: Value| Spec {
        summary,
        tag,
        success: 200,
        response,
        response_type: "application/json",
        ..Spec::default()
    };
    let crm = |summary, response| base(summary, "crm", response);
    match route {
        CrmRoute::ClientList => Spec {
            query: vec![
                ("q", json!({ "type": "string", "maxLength": MAX_QUERY })),
                ("status", client_status()),
                ("consultant_id", q_id()),
                ("cursor", q_cursor()),
                ("limit", q_limit()),
            ],
            ..crm(
                "Clients, newest first: search q (name, e-mail, phone, company), filter by status (archived only when asked) \
                 and consultant (or 'me'); page with next_cursor",
                out::client_list(),
            )
        },
        CrmRoute::ClientCreate => Spec {
            request: Some(declared(&["full_name"], NewClientBody::field_names(), |f| client_field(f, false))),
            success: 201,
            ..crm("Add a client (a lead unless status says otherwise); a duplicate e-mail is 409", client())
        },
        CrmRoute::ClientByEmail => Spec {
            query: vec![("email", json!({ "type": "string", "format": "email", "minLength": 1, "maxLength": 254 }))],
            required_query: &["email"],
            ..crm("The client with this e-mail (404 when none)", client())
        },
        CrmRoute::ClientGet => crm("A client (a client user: only their own; ETag = version)", client()),
        CrmRoute::ClientUpdate => Spec {
            request: Some(declared(&[], ClientPatchBody::field_names(), |f| client_field(f, true))),
            ..crm(
                "Change a client. Send the version you read (If-Match header or version); stale is 409. \
                 An empty string clears an optional field",
                client(),
            )
        },
        CrmRoute::ClientArchive => crm("Archive a client (status archived; If-Match optional; audited)", client()),
        CrmRoute::ClientSummary => crm(
            "A client with open practices, last interactions, next deadlines and money owed",
            out::client_summary(),
        ),
        CrmRoute::InteractionList => Spec {
            query: vec![
                ("kind", json!({ "enum": ["chat", "email", "whatsapp", "call", "meeting", "note", "reminder"] })),
                ("cursor", q_cursor()),
                ("limit", q_limit()),
            ],
            ..crm("A client's timeline (internal: not for client users), newest first", out::interaction_list())
        },
        CrmRoute::InteractionCreate => Spec {
            request: Some(obj(
                &["kind", "summary"],
                json!({
                    "kind": { "enum": ["chat", "email", "whatsapp", "call", "meeting", "note"] },
                    "summary": s(1, MAX_NOTES),
                    "practice_id": id(),
                    "occurred_at": { "type": "integer", "minimum": super::interactions::EARLIEST_MS }
                }),
            )),
            success: 201,
            ..crm("Log an interaction (occurred_at: Unix ms, default now)", interaction())
        },
        CrmRoute::InteractionFromConversation => Spec {
            request: Some(obj(&["client_id", "conversation_id"], json!({ "client_id": id(), "conversation_id": id(), "practice_id": id() }))),
            success: 201,
            ..crm(
                "Log one of your own chat conversations on a client's timeline, summarised (first question + message \
                 count); an admin may log anyone's (audited). 404 for an unknown conversation or someone else's, \
                 409 when already logged",
                interaction(),
            )
        },
        CrmRoute::PracticeTypes => crm("Kinds of practice with default fee, processing and validity days", out::practice_types()),
        CrmRoute::PracticeList => Spec {
            query: vec![
                ("client_id", q_id()),
                ("status", practice_status()),
                ("consultant_id", q_id()),
                ("type_code", q_id()),
                ("cursor", q_cursor()),
                ("limit", q_limit()),
            ],
            ..crm("Practices, newest first (a client user: only their own)", out::practice_list())
        },
        CrmRoute::PracticeCreate => Spec {
            request: Some(declared(
                &["client_id", "type_code"],
                NewPracticeBody::field_names(),
                |f| practice_field(f, false),
            )),
            success: 201,
            ..crm("Open a practice for a client (status inquiry; fee defaults to the type's)", practice())
        },
        CrmRoute::Renewals => Spec {
            query: vec![("within_days", json!({ "type": "string", "pattern": "^[0-9]{1,3}$" }))],
            ..crm(
                "Permits expiring within N days (default 30), and open practices past their typical duration",
                out::renewals(),
            )
        },
        CrmRoute::PracticeGet => crm(
            "A practice with its status history, payments and allowed next statuses (a client user: only their own, \
             without the team's notes or staff user ids)",
            named("PracticeDetail"),
        ),
        CrmRoute::PracticeUpdate => Spec {
            request: Some(declared(&[], PracticePatchBody::field_names(), |f| practice_field(f, true))),
            ..crm("Change a practice's details (not its status). Send the version you read; stale is 409", practice())
        },
        CrmRoute::PracticeStatus => Spec {
            request: Some(obj(
                &["status"],
                json!({ "status": practice_status(), "version": version(), "date": date(), "expiry_date": date(), "note": s(1, MAX_NOTES) }),
            )),
            ..crm(
                "Move a practice along the workflow (illegal moves are 409 naming the allowed ones); stamps the step's date",
                practice(),
            )
        },
        CrmRoute::PaymentCreate => Spec {
            request: Some(obj(
                &["amount_idr"],
                json!({
                    "amount_idr": idr(1), "paid_on": date(),
                    "method": { "enum": ["transfer", "cash", "card", "other"] }, "note": s(1, MAX_NOTES)
                }),
            )),
            success: 201,
            ..crm("Record a payment on a practice (adds to paid_idr)", out::payment_created())
        },
        CrmRoute::DocumentList => Spec {
            query: vec![("client_id", q_id()), ("practice_id", q_id()), ("cursor", q_cursor()), ("limit", q_limit())],
            ..crm("Documents, newest first (a client user: only their own)", out::document_list())
        },
        CrmRoute::DocumentUpload => Spec {
            request: Some(json!({ "type": "string", "format": "binary" })),
            request_types: &[
                "application/pdf",
                "image/jpeg",
                "image/png",
                "image/webp",
                "image/heic",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "text/plain",
            ],
            query: vec![
                ("client_id", q_id()),
                ("practice_id", q_id()),
                ("filename", s(1, super::files::MAX_NAME_CHARS)),
            ],
            required_query: &["client_id", "filename"],
            success: 201,
            ..crm(
                "Upload a document (a client user: to their own record only): the raw file as the body with its Content-Type (pdf, jpeg, png, webp, heic, docx, xlsx, txt), \
                 at most 10 MiB; stored in R2 with its SHA-256",
                document(),
            )
        },
        CrmRoute::DocumentGet => crm("A document's metadata", document()),
        CrmRoute::DocumentDelete => crm("Delete a document (soft; audited)", out::deleted()),
        CrmRoute::DocumentContent => Spec {
            response_type: "*/*",
            ..crm("Download a document (its content type, Content-Disposition attachment)", binary())
        },
        CrmRoute::Team => base("Team members with their profile and whether they are clocked in", "team", out::team()),
        CrmRoute::WorkSessions => Spec {
            query: vec![("user_id", q_id()), ("limit", q_limit())],
            ..base("Recent work sessions, newest first", "team", out::work_sessions())
        },
        CrmRoute::ClockIn => Spec {
            request: Some(obj(&[], json!({ "notes": s(1, 500) }))),
            body_optional: true,
            success: 201,
            ..base("Clock in (one open session per person; 409 when already in)", "team", named("WorkSession"))
        },
        CrmRoute::ClockOut => Spec {
            request: Some(obj(&[], json!({ "notes": s(1, 500) }))),
            body_optional: true,
            ..base(
                "Clock out (409 when not clocked in)",
                "team",
                named("WorkSession"),
            )
        },
        CrmRoute::Analytics => base(
            "Practices by status and type, renewals due per week (12 ahead), payments per month (12 back) and by type, \
             consultant workload, interactions per consultant, average days per status",
            "team",
            out::analytics(),
        ),
        CrmRoute::ExportClients => Spec {
            response_type: "text/csv",
            ..crm("All clients as CSV (formula-safe; audited)", text_body())
        },
        CrmRoute::ExportPractices => Spec {
            response_type: "text/csv",
            ..crm("All practices as CSV (formula-safe; audited)", text_body())
        },
    }
}

#[cfg(test)]
mod tests {
    use super::super::files::ALLOWED;
    use super::*;

    /// The upload route's accepted media types are the allowed document types.
    #[test]
    fn upload_media_types_are_the_allowed_kinds() {
        let sp = spec(CrmRoute::DocumentUpload);
        let declared: Vec<&str> = sp.request_types.to_vec();
        let allowed: Vec<&str> = ALLOWED.iter().map(|k| k.mime).collect();
        assert_eq!(declared, allowed);
    }

    #[test]
    fn create_routes_answer_201_and_bodies_refuse_unknown_fields() {
        for r in [
            CrmRoute::ClientCreate,
            CrmRoute::PracticeCreate,
            CrmRoute::InteractionCreate,
            CrmRoute::PaymentCreate,
            CrmRoute::ClockIn,
        ] {
            let sp = spec(r);
            assert_eq!(sp.success, 201, "{r:?}");
            assert_eq!(sp.request.unwrap()["additionalProperties"], false, "{r:?}");
        }
    }

    /// The request schemas of the client and practice writes have exactly the fields the bodies declare
    /// (they are built from the declaration; this guards the wiring).
    #[test]
    fn write_schemas_name_the_declared_fields() {
        let props = |r: CrmRoute| {
            let req = spec(r).request.unwrap();
            let mut names: Vec<String> = req["properties"].as_object().unwrap().keys().cloned().collect();
            names.sort();
            names
        };
        let sorted = |v: Vec<&str>| {
            let mut v: Vec<String> = v.into_iter().map(String::from).collect();
            v.sort();
            v
        };
        assert_eq!(props(CrmRoute::ClientCreate), sorted(NewClientBody::field_names()));
        assert_eq!(props(CrmRoute::ClientUpdate), sorted(ClientPatchBody::field_names()));
        assert_eq!(props(CrmRoute::PracticeCreate), sorted(NewPracticeBody::field_names()));
        assert_eq!(
            props(CrmRoute::PracticeUpdate),
            sorted(PracticePatchBody::field_names())
        );
    }
}
