use serde_json::json;

use super::*;

fn delivery(value: serde_json::Value) -> Vec<u8> {
    json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": "WABA", "changes": [{ "field": "messages", "value": value }] }]
    })
    .to_string()
    .into_bytes()
}

fn meta(id: &str) -> serde_json::Value {
    json!({ "display_phone_number": "15550001111", "phone_number_id": id })
}

#[test]
fn a_text_message_with_its_contact() {
    let raw = delivery(json!({
        "messaging_product": "whatsapp", "metadata": meta("PNID"),
        "contacts": [{ "profile": { "name": "Marco" }, "wa_id": "393331234567" }],
        "messages": [{ "from": "393331234567", "id": "wamid.A1", "timestamp": "1733000000", "type": "text",
                       "text": { "body": "Quanto costa un visto C1?" } }]
    }));
    let events = parse(&raw, Some("PNID")).unwrap();
    assert_eq!(
        events,
        vec![Event::Message(Inbound {
            wamid: "wamid.A1".into(),
            from: "393331234567".into(),
            name: Some("Marco".into()),
            timestamp: 1_733_000_000,
            content: Content::Text {
                body: "Quanto costa un visto C1?".into()
            },
        })]
    );
}

#[test]
fn statuses_with_their_errors() {
    let raw = delivery(json!({
        "metadata": meta("PNID"),
        "statuses": [
            { "id": "wamid.OUT1", "status": "read", "timestamp": "1733000100", "recipient_id": "6281234567890" },
            { "id": "wamid.OUT2", "status": "failed", "timestamp": 1733000200, "recipient_id": "6281234567890",
              "errors": [{ "code": 131047, "title": "Re-engagement message" }] },
            { "id": "wamid.OUT3", "status": "deleted", "timestamp": "1" }
        ]
    }));
    let events = parse(&raw, None).unwrap();
    assert_eq!(events.len(), 2, "an unknown status is skipped: {events:?}");
    let Event::Status(read) = &events[0] else { panic!() };
    assert_eq!(
        (read.wamid.as_str(), read.status, read.timestamp),
        ("wamid.OUT1", DeliveryStatus::Read, 1_733_000_100)
    );
    let Event::Status(failed) = &events[1] else { panic!() };
    assert_eq!(failed.status, DeliveryStatus::Failed);
    assert_eq!(failed.error.as_deref(), Some("131047: Re-engagement message"));
}

#[test]
fn media_reactions_and_unknown_types() {
    let raw = delivery(json!({
        "metadata": meta("PNID"),
        "messages": [
            { "from": "6281234567890", "id": "wamid.I", "timestamp": "1", "type": "image",
              "image": { "id": "MEDIA1", "mime_type": "image/jpeg", "caption": "my passport" } },
            { "from": "6281234567890", "id": "wamid.D", "timestamp": "2", "type": "document",
              "document": { "id": "MEDIA2", "mime_type": "application/pdf", "filename": "kitas.pdf" } },
            { "from": "6281234567890", "id": "wamid.V", "timestamp": "3", "type": "audio",
              "audio": { "id": "MEDIA3", "mime_type": "audio/ogg; codecs=opus", "voice": true } },
            { "from": "6281234567890", "id": "wamid.R", "timestamp": "4", "type": "reaction",
              "reaction": { "message_id": "wamid.OUT1", "emoji": "👍" } },
            { "from": "6281234567890", "id": "wamid.L", "timestamp": "5", "type": "location", "location": {} },
            { "from": "6281234567890", "id": "wamid.U", "timestamp": "6", "type": "unsupported" },
            { "from": "not-a-number", "id": "wamid.X", "timestamp": "7", "type": "text", "text": { "body": "x" } },
            { "from": "6281234567890", "timestamp": "8", "type": "text", "text": { "body": "no id" } }
        ]
    }));
    let kinds: Vec<Content> = parse(&raw, Some("PNID"))
        .unwrap()
        .into_iter()
        .map(|e| match e {
            Event::Message(m) => m.content,
            Event::Status(_) => panic!("no statuses here"),
        })
        .collect();
    assert_eq!(kinds.len(), 6, "a bad sender or a missing id is dropped: {kinds:?}");
    assert!(
        matches!(&kinds[0], Content::Media { kind, caption: Some(c), .. } if kind == "image" && c == "my passport")
    );
    assert!(
        matches!(&kinds[1], Content::Media { kind, filename: Some(f), .. } if kind == "document" && f == "kitas.pdf")
    );
    assert!(matches!(&kinds[2], Content::Media { kind, .. } if kind == "audio"));
    assert_eq!(kinds[3], Content::Reaction);
    assert_eq!(
        kinds[4],
        Content::Other {
            kind: "location".into()
        }
    );
    assert_eq!(
        kinds[5],
        Content::Other {
            kind: "unsupported".into()
        }
    );
}

#[test]
fn other_numbers_other_fields_and_other_objects() {
    let raw = delivery(json!({
        "metadata": meta("SOMEONE-ELSE"),
        "messages": [{ "from": "6281234567890", "id": "wamid.Z", "timestamp": "1", "type": "text", "text": { "body": "hi" } }]
    }));
    assert_eq!(parse(&raw, Some("PNID")).unwrap(), vec![]);
    assert_eq!(parse(&raw, None).unwrap().len(), 1);
    let other_field = json!({ "object": "whatsapp_business_account",
        "entry": [{ "changes": [{ "field": "account_update", "value": { "x": 1 } }] }] });
    assert_eq!(parse(other_field.to_string().as_bytes(), None).unwrap(), vec![]);
    assert_eq!(
        parse(br#"{"object":"page","entry":[]}"#, None),
        Err(PayloadError::NotWhatsApp)
    );
    assert_eq!(parse(b"{not json", None), Err(PayloadError::NotJson));
    assert_eq!(parse(b"[]", None), Err(PayloadError::NotJson));
}

#[test]
fn events_survive_the_queue_as_json() {
    let raw = delivery(json!({
        "metadata": meta("PNID"),
        "messages": [{ "from": "6281234567890", "id": "wamid.Q", "timestamp": "9", "type": "text", "text": { "body": "halo" } }],
        "statuses": [{ "id": "wamid.S", "status": "delivered", "timestamp": "10" }]
    }));
    for e in parse(&raw, None).unwrap() {
        let back: Event = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
        assert_eq!(back, e);
    }
}
