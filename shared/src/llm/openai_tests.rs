use super::*;
use crate::llm::test_util::{decode, decode_everywhere, text_of};
use crate::llm::types::{ChatMessage, ToolSpec};

#[test]
fn request_body_has_the_openai_shape() {
    let mut req = ChatRequest::new(
        vec![
            ChatMessage::system("You are Nuzantara."),
            ChatMessage::user("Harga C1?"),
            ChatMessage::assistant_tool_calls(
                "",
                vec![ToolCall {
                    id: "call_1".into(),
                    name: "prices".into(),
                    arguments: json!({"code": "C1"}),
                }],
            ),
            ChatMessage::tool_result("call_1", "IDR 2,300,000"),
        ],
        800,
    );
    req.tools = vec![ToolSpec {
        name: "prices".into(),
        description: "Prices".into(),
        parameters: json!({"type": "object"}),
    }];
    let body = request_body("deepseek-chat", &req, true);
    assert_eq!(
        body,
        json!({
            "model": "deepseek-chat",
            "max_tokens": 800,
            "stream": true,
            "stream_options": {"include_usage": true},
            "messages": [
                {"role": "system", "content": "You are Nuzantara."},
                {"role": "user", "content": "Harga C1?"},
                {"role": "assistant", "content": null, "tool_calls": [
                    {"id": "call_1", "type": "function", "function": {"name": "prices", "arguments": "{\"code\":\"C1\"}"}}
                ]},
                {"role": "tool", "tool_call_id": "call_1", "content": "IDR 2,300,000"},
            ],
            "tools": [{"type": "function", "function": {"name": "prices", "description": "Prices", "parameters": {"type": "object"}}}],
            "tool_choice": "auto",
        })
    );
    req.tool_choice = ToolChoice::Tool("prices".into());
    let body = request_body("m", &req, false);
    assert_eq!(
        body["tool_choice"],
        json!({"type": "function", "function": {"name": "prices"}})
    );
    assert!(body.get("stream_options").is_none(), "only with stream: true");
    req.temperature = Some(1.5);
    req.top_p = Some(0.5);
    req.stop = vec!["\n\n".into()];
    let body = request_body("m", &req, false);
    assert_eq!((&body["temperature"], &body["top_p"]), (&json!(1.5), &json!(0.5)));
    assert_eq!(body["stop"], json!(["\n\n"]));
    assert_eq!(
        url("https://api.deepseek.com/v1/"),
        "https://api.deepseek.com/v1/chat/completions"
    );
    assert_eq!(
        url("https://openrouter.ai/api/v1"),
        "https://openrouter.ai/api/v1/chat/completions"
    );
    assert!(headers("sk-1").contains(&("authorization".into(), "Bearer sk-1".into())));
}

const STREAM: &str = concat!(
    ": OPENROUTER PROCESSING\n\n",
    "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}],\"usage\":null}\n\n",
    "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Harga visa — \"},\"finish_reason\":null}]}\n\n",
    "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"è più caro · ok\"},\"finish_reason\":null}]}\n\n",
    "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_a\",\"type\":\"function\",\"function\":{\"name\":\"prices\",\"arguments\":\"\"}}]},\"finish_reason\":null}]}\n\n",
    "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,\"id\":\"call_b\",\"type\":\"function\",\"function\":{\"name\":\"kbli\",\"arguments\":\"{\\\"q\\\":\"}}]},\"finish_reason\":null}]}\n\n",
    "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"code\\\":\"}}]},\"finish_reason\":null}]}\n\n",
    "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"C1\\\"}\"}},{\"index\":1,\"function\":{\"arguments\":\"\\\"villa\\\"}\"}}]},\"finish_reason\":null}]}\n\n",
    "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n",
    "data: {\"id\":\"c1\",\"choices\":[],\"usage\":{\"prompt_tokens\":120,\"completion_tokens\":33,\"total_tokens\":153}}\n\n",
    "data: [DONE]\n\n",
);

#[test]
fn stream_decodes_identically_under_any_chunking_with_tool_calls_accumulated_by_index() {
    let expected = vec![
        Delta::Text("Harga visa — ".into()),
        Delta::Text("è più caro · ok".into()),
        Delta::ToolCall(ToolCall {
            id: "call_a".into(),
            name: "prices".into(),
            arguments: json!({"code": "C1"}),
        }),
        Delta::ToolCall(ToolCall {
            id: "call_b".into(),
            name: "kbli".into(),
            arguments: json!({"q": "villa"}),
        }),
        Delta::Usage(Usage::new(120, 33)),
        Delta::Done {
            stop_reason: StopReason::ToolUse,
        },
    ];
    assert_eq!(
        decode_everywhere(OpenAiDecoder::new, STREAM.as_bytes()).unwrap(),
        expected
    );
    let crlf = STREAM.replace('\n', "\r\n");
    assert_eq!(
        decode_everywhere(OpenAiDecoder::new, crlf.as_bytes()).unwrap(),
        expected
    );
}

#[test]
fn in_stream_error_chunk_is_typed() {
    let s = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}\n\n\
             data: {\"error\":{\"code\":502,\"message\":\"Provider returned error\"}}\n\n";
    let mut out = Vec::new();
    let err = OpenAiDecoder::new().feed(s.as_bytes(), &mut out).unwrap_err();
    assert_eq!(text_of(&out), "Hi");
    assert_eq!(err.kind, ErrorKind::Status(502));
    assert!(err.is_retryable());
    let rate = "data: {\"error\":{\"type\":\"rate_limit_exceeded\",\"message\":\"slow\"}}\n\n";
    assert_eq!(
        decode(OpenAiDecoder::new(), &[rate.as_bytes()]).unwrap_err().kind,
        ErrorKind::Status(429)
    );
}

#[test]
fn malformed_chunks_and_bad_tool_arguments_are_errors() {
    let bad_json = "data: {\"choices\": [\n\n";
    assert_eq!(
        decode(OpenAiDecoder::new(), &[bad_json.as_bytes()]).unwrap_err().kind,
        ErrorKind::Malformed
    );
    let bad_args = "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"c\",\"function\":{\"name\":\"f\",\"arguments\":\"{nope\"}}]},\"finish_reason\":\"tool_calls\"}]}\n\n";
    assert_eq!(
        decode(OpenAiDecoder::new(), &[bad_args.as_bytes()]).unwrap_err().kind,
        ErrorKind::Malformed
    );
}

#[test]
fn end_of_stream_without_done() {
    let cut = &STREAM[..STREAM
        .find("data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{},")
        .unwrap()];
    assert_eq!(
        decode(OpenAiDecoder::new(), &[cut.as_bytes()]).unwrap_err().kind,
        ErrorKind::Truncated
    );
    let no_done = &STREAM[..STREAM.find("data: [DONE]").unwrap()];
    let d = decode(OpenAiDecoder::new(), &[no_done.as_bytes()]).unwrap();
    assert_eq!(
        d.last(),
        Some(&Delta::Done {
            stop_reason: StopReason::ToolUse
        }),
        "finish_reason seen: whole"
    );
}

#[test]
fn workers_ai_stream_of_response_chunks() {
    let s = concat!(
        "data: {\"response\":\"Visa \",\"p\":\"abc\"}\n\n",
        "data: {\"response\":\"turis · è\"}\n\n",
        "data: {\"response\":\"\",\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":4,\"total_tokens\":13}}\n\n",
        "data: [DONE]\n\n",
    );
    let d = decode_everywhere(OpenAiDecoder::workers_ai, s.as_bytes()).unwrap();
    assert_eq!(
        d,
        vec![
            Delta::Text("Visa ".into()),
            Delta::Text("turis · è".into()),
            Delta::Usage(Usage::new(9, 4)),
            Delta::Done {
                stop_reason: StopReason::EndTurn
            },
        ]
    );
    let cut = &s[..s.find("data: [DONE]").unwrap()];
    assert_eq!(
        decode(OpenAiDecoder::workers_ai(), &[cut.as_bytes()]).unwrap_err().kind,
        ErrorKind::Truncated
    );
    // The OpenAI decoder proper does not take `response` for text.
    assert_eq!(text_of(&decode(OpenAiDecoder::new(), &[s.as_bytes()]).unwrap()), "");
}

#[test]
fn non_streaming_response() {
    let body = r#"{"id":"x","choices":[{"index":0,"message":{"role":"assistant","content":null,
        "tool_calls":[{"id":"call_1","type":"function","function":{"name":"prices","arguments":"{\"code\":\"C1\"}"}}]},
        "finish_reason":"tool_calls"}],"usage":{"prompt_tokens":50,"completion_tokens":10}}"#;
    assert_eq!(
        parse_response(body).unwrap(),
        vec![
            Delta::ToolCall(ToolCall {
                id: "call_1".into(),
                name: "prices".into(),
                arguments: json!({"code": "C1"})
            }),
            Delta::Usage(Usage::new(50, 10)),
            Delta::Done {
                stop_reason: StopReason::ToolUse
            },
        ]
    );
    let err =
        parse_response(r#"{"error":{"message":"bad key","type":"invalid_request_error","code":"invalid_api_key"}}"#)
            .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Status(400));
    assert_eq!(
        parse_response(r#"{"choices":[]}"#).unwrap_err().kind,
        ErrorKind::Malformed
    );
}
