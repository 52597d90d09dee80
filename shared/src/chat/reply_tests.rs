use serde_json::json;

use super::*;
use crate::auth::Role;
use crate::chat::events::TokenUsage;
use crate::config::ProviderKind;
use crate::llm::StopReason;

fn provider(name: &str, model: &str) -> ProviderConfig {
    ProviderConfig {
        name: name.into(),
        kind: ProviderKind::Offline,
        base_url: String::new(),
        api_key: None,
        model: model.into(),
    }
}

fn principal(id: &str, role: Role) -> Principal {
    Principal {
        id: id.into(),
        role,
        client_id: None,
        scopes: vec![],
        jti: None,
        token_exp: None,
    }
}

fn conv(user: Option<&str>, session: Option<&str>) -> Conversation {
    Conversation {
        id: "c1".into(),
        user_id: user.map(String::from),
        session_id: session.map(String::from),
    }
}

fn input(query: &str, model: Option<&str>) -> ChatInput {
    ChatInput {
        query: query.into(),
        session_id: None,
        conversation_id: None,
        collections: None,
        language: None,
        model: model.map(String::from),
    }
}

#[test]
fn model_names_are_each_providers_name_and_model() {
    let p = [provider("claude", "claude-x"), provider("offline", "offline")];
    assert_eq!(model_names(&p), ["claude", "claude-x", "offline", "offline"]);
    assert!(validate(input("What is a KITAS?", Some("claude-x")), &p).is_ok());
    assert_eq!(
        validate(input("What is a KITAS?", Some("gpt-9")), &p)
            .unwrap_err()
            .status(),
        422
    );
}

#[test]
fn the_json_body_has_every_field_of_the_turn() {
    let r = TurnResult {
        conversation_id: "c1".into(),
        message_id: "m1".into(),
        answer: "Yes.".into(),
        sources: vec![json!({ "n": 1 })],
        tools: vec![],
        model: "offline".into(),
        provider: "offline".into(),
        fallbacks: 1,
        usage: TokenUsage {
            input_tokens: 3,
            output_tokens: 4,
        },
        latency_ms: 12,
        answerable: true,
        confidence: 0.5,
        signals: json!({ "top": 1 }),
        stop_reason: StopReason::EndTurn,
    };
    assert_eq!(
        json_body(&r, "s1"),
        json!({
            "conversation_id": "c1", "session_id": "s1", "message_id": "m1", "answer": "Yes.",
            "sources": [{ "n": 1 }], "tools": [], "model": "offline", "provider": "offline", "fallbacks": 1,
            "usage": { "input_tokens": 3, "output_tokens": 4 }, "latency_ms": 12, "answerable": true,
            "confidence": 0.5, "signals": { "top": 1 },
        })
    );
}

#[test]
fn a_channel_turn_is_cut_to_the_longest_question_in_its_conversation() {
    let long = "a".repeat(MAX_QUERY_CHARS + 50);
    let c = channel_chat(&long, "01HZX3J4K5M6N7P8Q9R0S1T2V3", "sess").unwrap();
    assert_eq!(c.query.chars().count(), MAX_QUERY_CHARS);
    assert_eq!(c.session_id.as_deref(), Some("sess"));
    assert_eq!(
        c.conversation_id.as_ref().map(|c| c.as_str()),
        Some("01HZX3J4K5M6N7P8Q9R0S1T2V3")
    );
    assert!(c.model.is_none());
}

#[test]
fn an_api_key_is_not_a_user() {
    assert_eq!(
        caller(Some(&principal("u1", Role::Admin)), "s".into())
            .user_id
            .as_deref(),
        Some("u1")
    );
    assert_eq!(caller(Some(&principal("k1", Role::Service)), "s".into()).user_id, None);
    assert_eq!(caller(None, "s".into()).session_id, "s");
}

#[test]
fn the_search_of_a_turn_reads_collections_only_when_named() {
    let mut c = input("What is a KITAS?", None).validate(&[]).unwrap();
    let s = search_of(&c);
    assert_eq!(
        (s.top_k, s.names_collections(), s.query.as_str()),
        (Some(PASSAGES), false, "What is a KITAS?")
    );
    c.collections = Some(vec![]);
    assert!(!search_of(&c).names_collections());
    c.collections = Some(vec!["visa".into()]);
    assert!(search_of(&c).names_collections());
}

#[test]
fn only_event_ids_of_short_message_ids_resume() {
    assert_eq!(resumed_message("m1:5").unwrap(), "m1");
    assert_eq!(resumed_message("nocolon").unwrap_err().status(), 422);
    assert_eq!(
        resumed_message(&format!("{}:1", "x".repeat(65))).unwrap_err().status(),
        404
    );
}

#[test]
fn the_owner_resumes() {
    let alice = principal("alice", Role::Client);
    assert!(may_resume(Some(&conv(Some("alice"), None)), Some(&alice), None));
    assert!(!may_resume(Some(&conv(Some("bob"), None)), Some(&alice), None));
    assert!(!may_resume(Some(&conv(Some("alice"), None)), None, Some("s")));
    assert!(may_resume(Some(&conv(None, Some("s"))), None, Some("s")));
    assert!(may_resume(Some(&conv(None, Some("s"))), Some(&alice), Some("s")));
    assert!(!may_resume(Some(&conv(None, Some("s"))), None, Some("t")));
    assert!(!may_resume(Some(&conv(None, None)), None, None));
    assert!(!may_resume(None, Some(&alice), Some("s")));
}

#[test]
fn event_stream_headers_turn_off_buffering() {
    assert!(SSE_HEADERS.contains(&("Content-Type", "text/event-stream; charset=utf-8")));
    assert!(SSE_HEADERS.contains(&("Content-Encoding", "identity")));
}
