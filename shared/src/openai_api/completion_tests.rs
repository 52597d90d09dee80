use super::*;
use crate::llm::Role;
use serde_json::json;

const MODELS: &[&str] = &["offline", "offline-extractive", "anthropic", "claude-fake"];

fn parse(v: Value) -> Result<Completion, ApiError> {
    serde_json::from_value::<CompletionRequest>(v).unwrap().validate(MODELS)
}

fn err(v: Value) -> (u16, Option<String>) {
    let e = parse(v).unwrap_err();
    (super::super::errors::status(&e), e.param)
}

#[test]
fn the_last_user_message_is_the_question_and_the_rest_is_context() {
    let c = parse(json!({
        "model": "nuzantara",
        "messages": [
            {"role": "system", "content": "Answer like a pirate."},
            {"role": "user", "content": "My name is Ada."},
            {"role": "assistant", "content": "Hello Ada."},
            {"role": "user", "content": [{"type": "text", "text": "How much is a C1 visa?"}]},
            {"role": "assistant", "content": "Prefill"}
        ],
        "max_tokens": 64, "temperature": 0.3, "top_p": 0.9, "stop": "END",
        "stream": true, "stream_options": {"include_usage": true}, "user": "end-user-1",
        "presence_penalty": 0, "logit_bias": {}
    }))
    .unwrap();
    assert_eq!(c.chat.query, "How much is a C1 visa?");
    let roles: Vec<Role> = c.chat.context.iter().map(|m| m.role).collect();
    assert_eq!(roles, [Role::System, Role::User, Role::Assistant]);
    assert_eq!(c.chat.context[0].content, "Answer like a pirate.");
    assert_eq!(c.chat.generation.max_tokens, Some(64));
    assert_eq!(c.chat.generation.temperature, Some(0.3));
    assert_eq!(c.chat.generation.top_p, Some(0.9));
    assert_eq!(c.chat.generation.stop, ["END"]);
    assert!(c.stream && c.include_usage);
    assert_eq!(c.chat.model, None, "nuzantara lets the router choose");
    assert_eq!(c.chat.session_id.as_deref(), Some("end-user-1"));
    let c = parse(
        json!({"model": "claude-fake", "messages": [{"role": "user", "content": "hi"}],
                         "max_completion_tokens": 10, "max_tokens": 99, "stop": ["a", "b"]}),
    )
    .unwrap();
    assert_eq!(c.chat.model.as_deref(), Some("claude-fake"));
    assert_eq!(c.chat.generation.max_tokens, Some(10), "max_completion_tokens wins");
    assert!(c.chat.context.is_empty() && !c.include_usage);
}

#[test]
fn an_unknown_model_is_404_and_bad_parameters_are_400_naming_the_field() {
    let user = json!([{"role": "user", "content": "hi"}]);
    assert_eq!(
        err(json!({"model": "gpt-9000", "messages": user})),
        (404, Some("model".into()))
    );
    for (field, value) in [
        ("max_tokens", json!(0)),
        ("max_tokens", json!(100_000)),
        ("max_tokens", json!("ten")),
        ("max_completion_tokens", json!(-1)),
        ("temperature", json!(2.5)),
        ("top_p", json!(1.5)),
        ("stop", json!(["a", "b", "c", "d", "e"])),
        ("stop", json!(7)),
        ("n", json!(2)),
        ("stream_options", json!({"include_usage": true})),
    ] {
        let mut body = json!({"model": "nuzantara", "messages": user});
        body[field] = value.clone();
        assert_eq!(err(body), (400, Some(field.to_string())), "{field}: {value}");
    }
    assert_eq!(err(json!({"model": "nuzantara", "messages": []})).0, 400);
    assert_eq!(
        err(json!({"model": "nuzantara", "messages": [{"role": "system", "content": "only rules"}]})),
        (400, Some("messages".into()))
    );
    assert_eq!(
        err(json!({"model": "nuzantara", "messages": [{"role": "wizard", "content": "x"}]})),
        (400, Some("messages[0].role".into()))
    );
    assert_eq!(
        err(
            json!({"model": "nuzantara", "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]})
        ),
        (400, Some("messages[0].content".into()))
    );
    let long = "a".repeat(crate::chat::request::MAX_QUERY_CHARS + 1);
    assert_eq!(
        err(json!({"model": "nuzantara", "messages": [{"role": "user", "content": long}]})),
        (400, Some("messages".into()))
    );
}
