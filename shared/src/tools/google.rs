//! The Google Workspace tools' names, descriptions and parameters (the registry declares who may use them).
//! They exist only when Google is configured ([`needs_google`]); the worker runs them
//! (workers/src/tools/google.rs).

use serde_json::{json, Value};

use super::params::{object as p, quote_items};

pub const BOOK_CONSULTATION: &str = "book_consultation";
pub const SEND_EMAIL: &str = "send_email";

/// Whether a tool calls Google (and so is offered only when `GOOGLE_SERVICE_ACCOUNT_JSON` is set).
pub fn needs_google(name: &str) -> bool {
    name == BOOK_CONSULTATION || name == SEND_EMAIL
}

pub const BOOK_DESCRIPTION: &str = "Book a consultation in the consultant's Google Calendar: checks free/busy, refuses a taken slot with free alternatives, invites the client and logs it on their timeline. The team books for any client; a client books for themselves.";

pub fn book_parameters() -> Value {
    p(
        &["start"],
        json!({
            "client_id": { "type": "string", "minLength": 1, "maxLength": 64 },
            "start": { "type": "string", "minLength": 20, "maxLength": 40, "description": "RFC 3339 with offset, e.g. 2026-12-03T10:00:00+08:00" },
            "duration_minutes": { "type": "integer", "minimum": 15, "maximum": 240 },
            "topic": { "type": "string", "minLength": 1, "maxLength": 200 },
            "consultant_id": { "type": "string", "minLength": 1, "maxLength": 64 }
        }),
    )
}

pub const SEND_DESCRIPTION: &str = "Prepare an e-mail to a CRM client from your Gmail: a quote (priced from the price list) or a document checklist. Returns a preview; nothing is sent until the user confirms it (POST /api/email/confirm with the confirmation token). Team only.";

pub fn send_parameters() -> Value {
    p(
        &["client_id", "kind"],
        json!({
            "client_id": { "type": "string", "minLength": 1, "maxLength": 64 },
            "kind": { "enum": ["quote", "checklist"] },
            "items": quote_items(),
            "documents": { "type": "array", "minItems": 1, "maxItems": 30, "items": { "type": "string", "minLength": 2, "maxLength": 200 } },
            "subject": { "type": "string", "minLength": 1, "maxLength": 150 },
            "note": { "type": "string", "maxLength": 2000 }
        }),
    )
}
