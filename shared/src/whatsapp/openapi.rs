//! The OpenAPI description of the WhatsApp routes.

use serde_json::{json, Value};

use crate::openapi::schema::{all, array, int, nullable, obj, s, string, Spec};
use crate::routes::WhatsAppRoute;

/// One number's conversation, as the list and the takeover routes return it (`wa_contacts` with its client).
fn conversation() -> Value {
    all(json!({
        "wa_id": string(), "phone": string(), "profile_name": nullable(string()),
        "client_id": nullable(string()), "client_name": nullable(string()), "client_status": nullable(string()),
        "conversation_id": string(), "taken_over_by": nullable(string()), "taken_over_by_name": nullable(string()),
        "taken_over_at": nullable(int()), "last_message_at": int(), "last_message": nullable(string()),
    }))
}

pub fn spec(route: WhatsAppRoute) -> Spec {
    let base = |summary: &'static str, response| Spec {
        summary,
        tag: "whatsapp",
        success: 200,
        response,
        response_type: "application/json",
        ..Spec::default()
    };
    match route {
        WhatsAppRoute::Verify => Spec {
            query: vec![
                ("hub.mode", json!({ "type": "string", "maxLength": 32 })),
                ("hub.verify_token", json!({ "type": "string", "maxLength": 256 })),
                ("hub.challenge", json!({ "type": "string", "maxLength": 256 })),
            ],
            response_type: "text/plain",
            ..base(
                "Meta's verification handshake: hub.challenge back when hub.verify_token matches (else 403)",
                json!({ "type": "string" }),
            )
        },
        WhatsAppRoute::Webhook => Spec {
            request: Some(json!({ "type": "object", "required": ["object", "entry"] })),
            ..base(
                "Meta's webhook (X-Hub-Signature-256 required, else 401): messages and statuses, queued",
                all(json!({ "received": int() })),
            )
        },
        WhatsAppRoute::Conversations => base(
            "WhatsApp conversations, newest first, with the client, the last message and who took it over",
            all(json!({ "conversations": array(conversation()) })),
        ),
        WhatsAppRoute::Conversation => base(
            "One WhatsApp conversation: its messages and the delivery status of what was sent",
            all(json!({
                "conversation": conversation(),
                "messages": array(all(json!({
                    "id": string(), "role": string(), "content": string(), "model": nullable(string()),
                    "status": string(), "created_at": int()
                }))),
                "outbox": array(all(json!({
                    "id": string(), "inbound_wamid": nullable(string()), "seq": int(), "origin": string(),
                    "state": { "enum": ["pending", "accepted", "refused", "dead"] }, "wamid": nullable(string()),
                    "attempts": int(), "last_error": nullable(string()), "created_at": int(),
                    "delivery": nullable(string()), "delivery_error": nullable(string())
                }))),
            })),
        ),
        WhatsAppRoute::TakeOver => base(
            "Take the conversation over: the assistant stops answering this number until released",
            conversation(),
        ),
        WhatsAppRoute::Release => base("Hand the conversation back to the assistant", conversation()),
        WhatsAppRoute::Send => Spec {
            request: Some(obj(&["text"], json!({ "text": s(1, 4096) }))),
            success: 202,
            ..base(
                "Send a message to this number as the consultant who took the conversation over (queued)",
                all(json!({ "id": string(), "state": { "const": "pending" } })),
            )
        },
        WhatsAppRoute::Failures => base(
            "Deliveries that failed for good (retries spent or refused by Meta), newest first",
            all(json!({ "failures": array(all(json!({
                "id": string(), "kind": string(), "reference": string(), "wa_id": nullable(string()),
                "error": string(), "attempts": int(), "job": string(), "created_at": int()
            }))) })),
        ),
    }
}
