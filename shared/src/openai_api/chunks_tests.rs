use super::*;
use crate::chat::events::{Done, Meta};

fn header() -> Header {
    Header {
        id: "chatcmpl-1".into(),
        model: "nuzantara".into(),
        created: 1_700_000_000,
    }
}

fn meta() -> ChatEvent {
    ChatEvent::Meta(Meta {
        conversation_id: "c".into(),
        session_id: "s".into(),
        message_id: "m".into(),
        model: None,
        provider: None,
        query_class: "pricing",
        retrieval_mode: "keyword",
        retrieval_notice: None,
        routed_to: Vec::new(),
        language: "en",
    })
}

fn done(stop: StopReason) -> ChatEvent {
    ChatEvent::Done(Done {
        usage: TokenUsage {
            input_tokens: 30,
            output_tokens: 4,
        },
        latency_ms: 1,
        model: "m".into(),
        provider: "p".into(),
        fallbacks: 0,
        cost_usd: 0.0,
        message_id: "m".into(),
        conversation_id: "c".into(),
        finished_at: 0,
        answerable: true,
        confidence: 1.0,
        stop_reason: stop,
    })
}

fn run(include_usage: bool, events: &[ChatEvent]) -> Vec<Value> {
    let mut w = ChunkWriter::new(header(), include_usage);
    let payloads: Vec<String> = events.iter().flat_map(|e| w.payloads(e)).collect();
    assert_eq!(payloads.last().map(String::as_str), Some("[DONE]"));
    assert_eq!(payloads.iter().filter(|p| *p == "[DONE]").count(), 1);
    payloads[..payloads.len() - 1]
        .iter()
        .map(|p| serde_json::from_str(p).unwrap())
        .collect()
}

fn token(text: &str, seq: u64) -> ChatEvent {
    ChatEvent::Token { text: text.into(), seq }
}

#[test]
fn a_stream_is_role_then_content_then_finish_then_usage_then_done() {
    let events = [meta(), token("Hello", 0), token(" world", 1), done(StopReason::EndTurn)];
    let c = run(true, &events);
    assert_eq!(c.len(), 5);
    assert_eq!(c[0]["choices"][0]["delta"], json!({"role": "assistant", "content": ""}));
    assert_eq!(c[1]["choices"][0]["delta"]["content"], "Hello");
    assert_eq!(c[2]["choices"][0]["delta"]["content"], " world");
    assert_eq!(c[3]["choices"][0]["finish_reason"], "stop");
    assert_eq!(c[3]["choices"][0]["delta"], json!({}));
    assert_eq!(c[4]["choices"], json!([]));
    assert_eq!(
        c[4]["usage"],
        json!({"prompt_tokens": 30, "completion_tokens": 4, "total_tokens": 34})
    );
    assert!(c[..4].iter().all(|x| x["usage"].is_null() && x.get("usage").is_some()));
    assert!(c
        .iter()
        .all(|x| x["id"] == "chatcmpl-1" && x["object"] == "chat.completion.chunk"));
    assert!(c[1..4]
        .iter()
        .all(|x| x["choices"][0].get("delta").is_some() && x["choices"][0]["delta"].get("role").is_none()));

    let c = run(false, &events);
    assert_eq!(c.len(), 4, "no usage chunk unless asked");
    assert!(c.iter().all(|x| x.get("usage").is_none()));
}

#[test]
fn a_cut_answer_finishes_with_length_and_an_error_ends_the_stream() {
    let c = run(false, &[token("Hel", 0), done(StopReason::MaxTokens)]);
    assert_eq!(
        c[0]["choices"][0]["delta"]["role"], "assistant",
        "role first even without meta"
    );
    assert_eq!(c.last().unwrap()["choices"][0]["finish_reason"], "length");
    let c = run(
        false,
        &[
            meta(),
            ChatEvent::Error {
                code: "upstream_unavailable".into(),
                message: "try again".into(),
            },
        ],
    );
    assert_eq!(c[1]["error"]["type"], "server_error");
    assert_eq!(c[1]["error"]["message"], "try again");
    let mut w = ChunkWriter::new(header(), false);
    w.payloads(&done(StopReason::EndTurn));
    assert!(w.payloads(&token("late", 9)).is_empty(), "nothing after the end");
    assert!(w.frames(&done(StopReason::EndTurn)).is_empty());
}

#[test]
fn stop_reasons_map_to_openai_finish_reasons_and_the_document_carries_usage() {
    assert_eq!(finish_reason(&StopReason::from_wire("max_tokens")), "length");
    assert_eq!(finish_reason(&StopReason::from_wire("length")), "length");
    assert_eq!(finish_reason(&StopReason::from_wire("end_turn")), "stop");
    assert_eq!(finish_reason(&StopReason::StopSequence), "stop");
    assert_eq!(finish_reason(&StopReason::ContentFilter), "content_filter");
    let u = TokenUsage {
        input_tokens: 10,
        output_tokens: 5,
    };
    let d = completion(
        &header(),
        "Hi",
        &StopReason::MaxTokens,
        &u,
        json!({"provider": "offline"}),
    );
    assert_eq!(
        d["choices"][0]["message"],
        json!({"role": "assistant", "content": "Hi"})
    );
    assert_eq!(d["choices"][0]["finish_reason"], "length");
    assert_eq!(d["usage"]["total_tokens"], 15);
    assert_eq!(d["object"], "chat.completion");
}
