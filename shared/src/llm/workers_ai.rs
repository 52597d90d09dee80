//! Workers AI chat through the `AI` binding: the input object for `env.AI.run(model, input)` and its
//! output. Streams are decoded by [`super::openai::OpenAiDecoder::workers_ai`].

use serde_json::{json, Value};

use super::error::{ErrorKind, ProviderError};
use super::openai;
use super::types::{wire_number, ChatRequest, Delta, Role, StopReason, ToolCall, Usage};

/// `{messages, stream, max_tokens}`. No tools are sent (support varies by model), so tool turns of the
/// history are rendered as plain text the model can read.
pub fn input(req: &ChatRequest, stream: bool) -> Value {
    let messages: Vec<Value> = req
        .wire_messages()
        .into_iter()
        .map(|m| match m.role {
            Role::System => json!({"role": "system", "content": m.content}),
            Role::User => json!({"role": "user", "content": m.content}),
            Role::Assistant => {
                let mut content = m.content;
                for c in &m.tool_calls {
                    content.push_str(&format!("\n[called tool {} with {}]", c.name, c.arguments));
                }
                json!({"role": "assistant", "content": content.trim_start()})
            }
            Role::Tool => {
                json!({"role": "user", "content": format!("Tool result:\n{}", m.content)})
            }
        })
        .collect();
    let mut body = json!({"messages": messages, "stream": stream, "max_tokens": req.max_tokens});
    if let Some(t) = req.temperature {
        body["temperature"] = json!(wire_number(t));
    }
    // No stop sequences: the binding's text-generation schema has none.
    if let Some(p) = req.top_p {
        body["top_p"] = json!(wire_number(p));
    }
    body
}

/// A non-streaming result: `{response, tool_calls?, usage?}` from the binding, or the same wrapped in
/// the REST API's `{result: ...}`, or an OpenAI-shaped completion from newer models.
pub fn parse_response(body: &str) -> Result<Vec<Delta>, ProviderError> {
    let v: Value =
        serde_json::from_str(body).map_err(|e| ProviderError::malformed(format!("workers-ai: bad JSON ({e})")))?;
    let v = if v["result"].is_object() { &v["result"] } else { &v };
    if v["choices"].is_array() {
        return openai::parse_response(&v.to_string());
    }
    let mut out = Vec::new();
    match &v["response"] {
        Value::String(s) if !s.is_empty() => out.push(Delta::Text(s.clone())),
        Value::String(_) | Value::Null => {}
        other => out.push(Delta::Text(other.to_string())),
    }
    let calls = v["tool_calls"].as_array().cloned().unwrap_or_default();
    for (i, c) in calls.iter().enumerate() {
        out.push(Delta::ToolCall(ToolCall {
            id: format!("call_{i}"),
            name: c["name"].as_str().unwrap_or("").to_string(),
            arguments: c["arguments"].clone(),
        }));
    }
    if out.is_empty() && v.get("response").is_none() {
        return Err(ProviderError::malformed("workers-ai: no response field"));
    }
    let u = &v["usage"];
    out.push(Delta::Usage(Usage::new(
        u["prompt_tokens"].as_u64().unwrap_or(0),
        u["completion_tokens"].as_u64().unwrap_or(0),
    )));
    let stop = if calls.is_empty() {
        StopReason::EndTurn
    } else {
        StopReason::ToolUse
    };
    out.push(Delta::Done { stop_reason: stop });
    Ok(out)
}

/// The binding throws with a message rather than a status; this maps the usual ones (capacity, rate
/// limits, timeouts, invalid input) to the status they stand for, so retries treat them alike.
pub fn error_from_binding(message: &str) -> ProviderError {
    let m = message.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| m.contains(w));
    let kind = if has(&["timeout", "timed out"]) {
        ErrorKind::Timeout
    } else if has(&["capacity", "overloaded", "3040", "unavailable"]) {
        ErrorKind::Status(503)
    } else if has(&["rate limit", "too many", "3036"]) {
        ErrorKind::Status(429)
    } else if has(&["invalid", "bad input", "5006", "too long", "exceeds"]) {
        ErrorKind::Status(400)
    } else if has(&["unauthorized", "authentication", "not entitled"]) {
        ErrorKind::Status(401)
    } else if has(&["no such model", "not found"]) {
        ErrorKind::Status(404)
    } else {
        ErrorKind::Status(502)
    };
    ProviderError::new(kind, message.chars().take(300).collect::<String>())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::types::ChatMessage;

    #[test]
    fn input_is_messages_and_stream_with_tool_turns_as_text() {
        let mut req = ChatRequest::new(
            vec![
                ChatMessage::system("Be brief."),
                ChatMessage::user("harga C1?"),
                ChatMessage::assistant_tool_calls(
                    "",
                    vec![ToolCall {
                        id: "t1".into(),
                        name: "prices".into(),
                        arguments: json!({"code": "C1"}),
                    }],
                ),
                ChatMessage::tool_result("t1", "IDR 2,300,000"),
            ],
            256,
        );
        req.temperature = Some(0.2);
        req.top_p = Some(0.5);
        let v = input(&req, true);
        assert_eq!(v["top_p"], 0.5);
        assert_eq!(v["stream"], true);
        assert_eq!(v["max_tokens"], 256);
        assert_eq!(v["messages"][0], json!({"role": "system", "content": "Be brief."}));
        assert_eq!(
            v["messages"][2]["content"],
            "[called tool prices with {\"code\":\"C1\"}]"
        );
        assert_eq!(
            v["messages"][3],
            json!({"role": "user", "content": "Tool result:\nIDR 2,300,000"})
        );
        assert!(v.get("tools").is_none());
    }

    #[test]
    fn parses_binding_rest_and_openai_shaped_results() {
        let d = parse_response(r#"{"response":"Halo","usage":{"prompt_tokens":5,"completion_tokens":2}}"#).unwrap();
        assert_eq!(d[0], Delta::Text("Halo".into()));
        assert_eq!(d[1], Delta::Usage(Usage::new(5, 2)));
        let d = parse_response(r#"{"result":{"response":"Hi"},"success":true}"#).unwrap();
        assert_eq!(d[0], Delta::Text("Hi".into()));
        let d = parse_response(r#"{"choices":[{"message":{"content":"Yo"},"finish_reason":"stop"}]}"#).unwrap();
        assert_eq!(d[0], Delta::Text("Yo".into()));
        let d = parse_response(r#"{"response":null,"tool_calls":[{"name":"prices","arguments":{"a":1}}]}"#).unwrap();
        assert!(matches!(&d[0], Delta::ToolCall(c) if c.name == "prices" && c.arguments["a"] == 1));
        assert_eq!(
            d.last(),
            Some(&Delta::Done {
                stop_reason: StopReason::ToolUse
            })
        );
        assert_eq!(parse_response("{}").unwrap_err().kind, ErrorKind::Malformed);
    }

    #[test]
    fn binding_errors_are_classified() {
        assert_eq!(
            error_from_binding("AiError: 3040: Capacity temporarily exceeded").kind,
            ErrorKind::Status(503)
        );
        assert_eq!(error_from_binding("Request timed out").kind, ErrorKind::Timeout);
        assert_eq!(error_from_binding("5006: Invalid input").kind, ErrorKind::Status(400));
        assert!(error_from_binding("something odd").is_retryable());
    }
}
