//! The OpenAPI description of the WhatsApp routes.

use serde_json::json;

use crate::openapi::schema::{obj, open_obj, s, Spec};
use crate::routes::WhatsAppRoute;

pub fn spec(route: WhatsAppRoute) -> Spec {
    let base = |summary: &'static str, response| Spec {
        summary,
        tag: "whatsapp",
        success: 200,
        response,
        response_type: "application/json",
        ..Spec::default()
    };
    let conversation = open_obj(&["wa_id", "phone", "conversation_id", "taken_over_by"]);
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
            request: Some(open_obj(&["object", "entry"])),
            ..base(
                "Meta's webhook (X-Hub-Signature-256 required, else 401): messages and statuses, queued",
                open_obj(&["received"]),
            )
        },
        WhatsAppRoute::Conversations => base(
            "WhatsApp conversations, newest first, with the client, the last message and who took it over",
            open_obj(&["conversations"]),
        ),
        WhatsAppRoute::Conversation => base(
            "One WhatsApp conversation: its messages and the delivery status of what was sent",
            open_obj(&["conversation", "messages", "outbox"]),
        ),
        WhatsAppRoute::TakeOver => base(
            "Take the conversation over: the assistant stops answering this number until released",
            conversation,
        ),
        WhatsAppRoute::Release => base("Hand the conversation back to the assistant", conversation),
        WhatsAppRoute::Send => Spec {
            request: Some(obj(&["text"], json!({ "text": s(1, 4096) }))),
            success: 202,
            ..base(
                "Send a message to this number as the consultant who took the conversation over (queued)",
                open_obj(&["id", "state"]),
            )
        },
        WhatsAppRoute::Failures => base(
            "Deliveries that failed for good (retries spent or refused by Meta), newest first",
            open_obj(&["failures"]),
        ),
    }
}
