use crate::llm::test_util::block_on;
use serde_json::json;

use super::fake::FakeGraph;
use super::*;

fn text(to: &str, body: &str) -> OutgoingMessage {
    OutgoingMessage::Text {
        to: to.into(),
        body: body.into(),
    }
}

#[test]
fn text_and_template_bodies_are_what_the_cloud_api_expects() {
    assert_eq!(
        text("6281234567890", "Halo").to_graph_json(),
        json!({ "messaging_product": "whatsapp", "recipient_type": "individual", "to": "6281234567890",
                "type": "text", "text": { "preview_url": false, "body": "Halo" } })
    );
    let t = OutgoingMessage::Template {
        to: "393331234567".into(),
        name: "kitas_renewal".into(),
        language: "it".into(),
        params: vec!["Marco".into(), "E33G".into(), "2027-01-15".into()],
    };
    let body = t.to_graph_json();
    assert_eq!(body["type"], "template");
    assert_eq!(body["template"]["name"], "kitas_renewal");
    assert_eq!(body["template"]["language"]["code"], "it");
    assert_eq!(body["template"]["components"][0]["type"], "body");
    assert_eq!(
        body["template"]["components"][0]["parameters"][1],
        json!({ "type": "text", "text": "E33G" })
    );
    let back: OutgoingMessage = serde_json::from_value(serde_json::to_value(&t).unwrap()).unwrap();
    assert_eq!(back, t);
}

#[test]
fn responses_are_accepted_retried_or_refused() {
    let ok = read_response(
        200,
        None,
        r#"{"messaging_product":"whatsapp","contacts":[{"wa_id":"1"}],"messages":[{"id":"wamid.OK"}]}"#,
    );
    assert_eq!(
        ok,
        Ok(Accepted {
            wamid: Some("wamid.OK".into())
        })
    );
    assert!(matches!(
        read_response(429, Some("7"), r#"{"error":{"message":"slow down","code":4}}"#),
        Err(SendError::Retryable {
            status: Some(429),
            retry_after_secs: Some(7),
            ..
        })
    ));
    assert!(matches!(
        read_response(503, None, "<html>"),
        Err(SendError::Retryable { .. })
    ));
    assert!(matches!(
        read_response(400, None, r#"{"error":{"message":"Rate limit hit","code":130429}}"#),
        Err(SendError::Retryable { .. })
    ));
    let refused = read_response(
        400,
        None,
        r#"{"error":{"message":"Recipient phone number not in allowed list","code":131030}}"#,
    );
    assert_eq!(
        refused,
        Err(SendError::Permanent {
            status: 400,
            detail: "131030 Recipient phone number not in allowed list".into()
        })
    );
    assert!(matches!(
        read_response(401, None, ""),
        Err(SendError::Permanent { status: 401, .. })
    ));
}

#[test]
fn retries_back_off_and_honour_retry_after() {
    let delays: Vec<u32> = (1..=6).map(|a| retry_delay_secs(a, 10, None)).collect();
    assert_eq!(delays, vec![10, 20, 40, 80, 160, 320]);
    assert_eq!(retry_delay_secs(20, 10, None), 900, "capped");
    assert_eq!(retry_delay_secs(1, 10, Some(60)), 60);
    assert_eq!(retry_delay_secs(3, 10, Some(5)), 40);
    assert_eq!(retry_delay_secs(0, 0, None), 0);
}

#[test]
fn delivery_stops_at_a_retryable_failure_and_skips_past_a_permanent_one() {
    let graph = FakeGraph::default();
    graph.script.borrow_mut().extend([
        Ok(Accepted {
            wamid: Some("w1".into()),
        }),
        Err(SendError::Permanent {
            status: 400,
            detail: "bad".into(),
        }),
        Err(SendError::retryable("timeout")),
    ]);
    let parts: Vec<(u32, OutgoingMessage)> = (1..=4).map(|i| (i, text("62811", &format!("part {i}")))).collect();
    let mut seen = Vec::new();
    let r = block_on(deliver(
        &graph,
        &parts,
        async |k: &u32, res: &Result<Accepted, SendError>| {
            seen.push((*k, res.is_ok()));
        },
    ));
    assert_eq!(r, Err(SendError::retryable("timeout")));
    assert_eq!(
        seen,
        vec![(1, true), (2, false), (3, false)],
        "part 4 waits for the retry"
    );
    // The retry sends what is still pending; the fake accepts it.
    let r = block_on(deliver(
        &graph,
        &parts[2..],
        async |_: &u32, _: &Result<Accepted, SendError>| {},
    ));
    assert_eq!(r, Ok(()));
    let bodies: Vec<String> = graph
        .sent
        .borrow()
        .iter()
        .map(|m| m.to_graph_json()["text"]["body"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(bodies, vec!["part 1", "part 2", "part 3", "part 3", "part 4"]);
}
