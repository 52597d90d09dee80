use super::*;
use crate::llm::test_util::{decode, decode_everywhere, text_of};
use crate::llm::types::{ChatMessage, ToolSpec};

fn tool_request() -> ChatRequest {
    let mut req = ChatRequest::new(
        vec![
            ChatMessage::system("You are Nuzantara."),
            ChatMessage::system("Cite sources."),
            ChatMessage::user("Harga C1 dan E33G?"),
            ChatMessage::assistant_tool_calls(
                "Checking.",
                vec![
                    ToolCall {
                        id: "t1".into(),
                        name: "prices".into(),
                        arguments: json!({"code": "C1"}),
                    },
                    ToolCall {
                        id: "t2".into(),
                        name: "prices".into(),
                        arguments: json!({"code": "E33G"}),
                    },
                ],
            ),
            ChatMessage::tool_result("t1", "IDR 2,300,000"),
            ChatMessage::tool_result("t2", "IDR 12,500,000"),
        ],
        1024,
    );
    req.tools = vec![ToolSpec {
        name: "prices".into(),
        description: "Service prices".into(),
        parameters: json!({"type": "object", "properties": {"code": {"type": "string"}}}),
    }];
    req
}

#[test]
fn request_body_hoists_system_and_merges_tool_results() {
    let body = request_body("claude-sonnet-4-5", &tool_request(), true);
    assert_eq!(
        body,
        json!({
            "model": "claude-sonnet-4-5",
            "max_tokens": 1024,
            "stream": true,
            "system": "You are Nuzantara.\n\nCite sources.",
            "messages": [
                {"role": "user", "content": "Harga C1 dan E33G?"},
                {"role": "assistant", "content": [
                    {"type": "text", "text": "Checking."},
                    {"type": "tool_use", "id": "t1", "name": "prices", "input": {"code": "C1"}},
                    {"type": "tool_use", "id": "t2", "name": "prices", "input": {"code": "E33G"}},
                ]},
                {"role": "user", "content": [
                    {"type": "tool_result", "tool_use_id": "t1", "content": "IDR 2,300,000"},
                    {"type": "tool_result", "tool_use_id": "t2", "content": "IDR 12,500,000"},
                ]},
            ],
            "tools": [{"name": "prices", "description": "Service prices",
                       "input_schema": {"type": "object", "properties": {"code": {"type": "string"}}}}],
            "tool_choice": {"type": "auto"},
        })
    );
    assert_eq!(
        url("https://api.anthropic.com/"),
        "https://api.anthropic.com/v1/messages"
    );
    let h = headers("sk-ant");
    assert!(h.contains(&("x-api-key".into(), "sk-ant".into())));
    assert!(h.contains(&("anthropic-version".into(), "2023-06-01".into())));
}

#[test]
fn request_body_variants() {
    let mut req = ChatRequest::new(vec![ChatMessage::user("hi"), ChatMessage::assistant("Sure, ")], 50);
    req.temperature = Some(0.5);
    let body = request_body("m", &req, false);
    assert_eq!(body["stream"], false);
    assert_eq!(body["temperature"], 0.5);
    assert!(body.get("system").is_none() && body.get("tools").is_none());
    assert!(body.get("top_p").is_none() && body.get("stop_sequences").is_none());
    let mut limited = req.clone();
    limited.temperature = Some(1.6);
    limited.top_p = Some(0.9);
    limited.stop = vec!["END".into()];
    let b = request_body("m", &limited, true);
    assert_eq!(
        b["temperature"], 1.0,
        "OpenAI's 0..2 range is clamped to Anthropic's 0..1"
    );
    assert_eq!(b["top_p"], 0.9, "no f32 widening noise");
    assert_eq!(b["stop_sequences"], json!(["END"]));
    assert_eq!(b["max_tokens"], 50);
    assert_eq!(
        body["messages"][1]["content"], "Sure,",
        "no trailing whitespace on the last assistant turn"
    );
    let mut req = tool_request();
    for (choice, want) in [
        (ToolChoice::None, json!({"type": "none"})),
        (ToolChoice::Required, json!({"type": "any"})),
        (
            ToolChoice::Tool("prices".into()),
            json!({"type": "tool", "name": "prices"}),
        ),
    ] {
        req.tool_choice = choice;
        assert_eq!(request_body("m", &req, true)["tool_choice"], want);
    }
}

const STREAM: &str = concat!(
    "event: message_start\n",
    "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],",
    "\"model\":\"claude-sonnet-4-5\",\"stop_reason\":null,\"usage\":{\"input_tokens\":25,\"cache_read_input_tokens\":5,\"output_tokens\":1}}}\n\n",
    "event: ping\ndata: {\"type\": \"ping\"}\n\n",
    "event: content_block_start\n",
    "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
    "event: content_block_delta\n",
    "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Biaya visa C1 — \"}}\n\n",
    "event: content_block_delta\n",
    "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"perché è così · Rp\"}}\n\n",
    "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
    "event: content_block_start\n",
    "data: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"prices\",\"input\":{}}}\n\n",
    "event: content_block_delta\n",
    "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\"}}\n\n",
    "event: content_block_delta\n",
    "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"code\\\": \\\"C\"}}\n\n",
    "event: content_block_delta\n",
    "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"1\\\"}\"}}\n\n",
    "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}\n\n",
    "event: message_delta\n",
    "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":42}}\n\n",
    "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
);

#[test]
fn stream_decodes_identically_under_any_chunking_with_tool_input_accumulated() {
    let expected = vec![
        Delta::Usage(Usage::new(30, 1)),
        Delta::Text("Biaya visa C1 — ".into()),
        Delta::Text("perché è così · Rp".into()),
        Delta::ToolCall(ToolCall {
            id: "toolu_1".into(),
            name: "prices".into(),
            arguments: json!({"code": "C1"}),
        }),
        Delta::Usage(Usage::new(30, 42)),
        Delta::Done {
            stop_reason: StopReason::ToolUse,
        },
    ];
    assert_eq!(
        decode_everywhere(AnthropicDecoder::new, STREAM.as_bytes()).unwrap(),
        expected
    );
    let crlf = STREAM.replace('\n', "\r\n");
    assert_eq!(
        decode_everywhere(AnthropicDecoder::new, crlf.as_bytes()).unwrap(),
        expected
    );
}

#[test]
fn error_event_mid_stream_is_a_typed_retryable_error_after_the_text() {
    let s = concat!(
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n",
        "event: error\ndata: {\"type\": \"error\", \"error\": {\"type\": \"overloaded_error\", \"message\": \"Overloaded\"}}\n\n",
    );
    let mut d = AnthropicDecoder::new();
    let mut out = Vec::new();
    let err = d.feed(s.as_bytes(), &mut out).unwrap_err();
    assert_eq!(text_of(&out), "Hi");
    assert_eq!(err.kind, ErrorKind::Status(529));
    assert!(err.is_retryable());
    assert_eq!(decode_everywhere(AnthropicDecoder::new, s.as_bytes()).unwrap_err(), err);
}

#[test]
fn malformed_events_are_errors_not_panics() {
    let cases = [
        "data: {not json\n\n",
        "data: {\"type\":\"content_block_delta\",\"index\":3,\"delta\":{\"type\":\"text_delta\",\"text\":\"x\"}}\n\n",
        "data: {\"type\":\"content_block_start\",\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
        "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"n\"}}\n\n\
         data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{oops\"}}\n\n\
         data: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
        "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n\
         data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{}\"}}\n\n",
    ];
    for c in cases {
        let err = decode(AnthropicDecoder::new(), &[c.as_bytes()]).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Malformed, "{c}");
        assert!(!err.is_retryable());
    }
}

#[test]
fn a_cut_stream_is_truncated_unless_the_stop_reason_already_arrived() {
    let cut = &STREAM[..STREAM.find("event: content_block_stop").unwrap()];
    assert_eq!(
        decode(AnthropicDecoder::new(), &[cut.as_bytes()]).unwrap_err().kind,
        ErrorKind::Truncated
    );
    let no_stop = &STREAM[..STREAM.find("event: message_stop").unwrap()];
    let d = decode(AnthropicDecoder::new(), &[no_stop.as_bytes()]).unwrap();
    assert_eq!(
        d.last(),
        Some(&Delta::Done {
            stop_reason: StopReason::ToolUse
        })
    );
    // Unknown event types are ignored (Anthropic may add new ones).
    let extra = format!("event: future\ndata: {{\"type\":\"future_event\"}}\n\n{STREAM}");
    assert_eq!(decode(AnthropicDecoder::new(), &[extra.as_bytes()]).unwrap().len(), 6);
}

#[test]
fn non_streaming_response_and_error_body() {
    let body = r#"{"id":"msg_1","type":"message","role":"assistant","content":[
        {"type":"text","text":"Use the prices tool."},
        {"type":"tool_use","id":"toolu_9","name":"prices","input":{"code":"C1"}}],
        "stop_reason":"tool_use","usage":{"input_tokens":10,"output_tokens":5}}"#;
    assert_eq!(
        parse_response(body).unwrap(),
        vec![
            Delta::Text("Use the prices tool.".into()),
            Delta::ToolCall(ToolCall {
                id: "toolu_9".into(),
                name: "prices".into(),
                arguments: json!({"code": "C1"})
            }),
            Delta::Usage(Usage::new(10, 5)),
            Delta::Done {
                stop_reason: StopReason::ToolUse
            },
        ]
    );
    let err = parse_response(r#"{"type":"error","error":{"type":"rate_limit_error","message":"slow"}}"#).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Status(429));
    assert_eq!(parse_response("[]").unwrap_err().kind, ErrorKind::Malformed);
}
