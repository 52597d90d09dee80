//! Anthropic Messages API: request body, headers, and response parsing (whole JSON and streamed events).

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::error::{ErrorKind, ProviderError};
use super::sse_decode::DeltaDecoder;
use super::sse_decode::{SseDecoder, SseEvent};
use super::types::{wire_number, ChatRequest, Delta, Role, StopReason, ToolCall, ToolChoice, Usage};

pub const API_VERSION: &str = "2023-06-01";

/// `base` is the origin (`https://api.anthropic.com`), as in the provider config.
pub fn url(base: &str) -> String {
    format!("{}/v1/messages", base.trim_end_matches('/'))
}

pub fn headers(api_key: &str) -> Vec<(String, String)> {
    vec![
        ("content-type".into(), "application/json".into()),
        ("x-api-key".into(), api_key.into()),
        ("anthropic-version".into(), API_VERSION.into()),
    ]
}

pub fn request_body(model: &str, req: &ChatRequest, stream: bool) -> Value {
    let (system, messages) = messages(req);
    let mut body = json!({
        "model": model,
        "max_tokens": req.max_tokens,
        "messages": messages,
        "stream": stream,
    });
    if !system.is_empty() {
        body["system"] = json!(system);
    }
    if !req.tools.is_empty() {
        let tools: Vec<Value> = req
            .tools
            .iter()
            .map(|t| json!({"name": t.name, "description": t.description, "input_schema": t.parameters}))
            .collect();
        body["tools"] = json!(tools);
        body["tool_choice"] = match &req.tool_choice {
            ToolChoice::Auto => json!({"type": "auto"}),
            ToolChoice::None => json!({"type": "none"}),
            ToolChoice::Required => json!({"type": "any"}),
            ToolChoice::Tool(name) => json!({"type": "tool", "name": name}),
        };
    }
    // Anthropic's range is 0..=1, OpenAI's (which clients send) 0..=2.
    if let Some(t) = req.temperature {
        body["temperature"] = json!(wire_number(t.min(1.0)));
    }
    if let Some(p) = req.top_p {
        body["top_p"] = json!(wire_number(p));
    }
    if !req.stop.is_empty() {
        body["stop_sequences"] = json!(req.stop);
    }
    body
}

/// System turns go to the top-level `system`; tool results become `tool_result` blocks of a user turn
/// (consecutive ones merged, as Anthropic wants all results of one assistant turn together).
fn messages(req: &ChatRequest) -> (String, Vec<Value>) {
    let mut system: Vec<String> = Vec::new();
    let mut out: Vec<Value> = Vec::new();
    for m in req.wire_messages() {
        match m.role {
            Role::System => system.push(m.content),
            Role::User | Role::Assistant if m.tool_calls.is_empty() => {
                if !m.content.is_empty() {
                    let role = if m.role == Role::User { "user" } else { "assistant" };
                    out.push(json!({"role": role, "content": m.content}));
                }
            }
            Role::User | Role::Assistant => {
                let mut blocks = Vec::new();
                if !m.content.is_empty() {
                    blocks.push(json!({"type": "text", "text": m.content}));
                }
                for c in &m.tool_calls {
                    let input = if c.arguments.is_object() {
                        c.arguments.clone()
                    } else {
                        json!({})
                    };
                    blocks.push(json!({"type": "tool_use", "id": c.id, "name": c.name, "input": input}));
                }
                out.push(json!({"role": "assistant", "content": blocks}));
            }
            Role::Tool => {
                let block = json!({
                    "type": "tool_result",
                    "tool_use_id": m.tool_call_id.unwrap_or_default(),
                    "content": m.content,
                });
                match out.last_mut() {
                    Some(last) if is_tool_result_turn(last) => last["content"].as_array_mut().unwrap().push(block),
                    _ => out.push(json!({"role": "user", "content": [block]})),
                }
            }
        }
    }
    // Anthropic rejects a final assistant turn that ends in whitespace.
    if let Some(last) = out.last_mut() {
        if last["role"] == "assistant" {
            if let Some(s) = last["content"].as_str() {
                last["content"] = json!(s.trim_end());
            }
        }
    }
    (system.join("\n\n"), out)
}

fn is_tool_result_turn(v: &Value) -> bool {
    v["role"] == "user"
        && v["content"]
            .as_array()
            .is_some_and(|b| b.iter().all(|b| b["type"] == "tool_result"))
}

/// Maps Anthropic's error `type` to the HTTP status it corresponds to, so retries treat both alike.
pub fn error_from_body(err: &Value) -> ProviderError {
    let ty = err["type"].as_str().unwrap_or("");
    let message = err["message"].as_str().unwrap_or(ty).to_string();
    let kind = match ty {
        "invalid_request_error" => ErrorKind::Status(400),
        "authentication_error" => ErrorKind::Status(401),
        "billing_error" => ErrorKind::Status(402),
        "permission_error" => ErrorKind::Status(403),
        "not_found_error" => ErrorKind::Status(404),
        "request_too_large" => ErrorKind::Status(413),
        "rate_limit_error" => ErrorKind::Status(429),
        "overloaded_error" => ErrorKind::Status(529),
        "timeout_error" => ErrorKind::Timeout,
        _ => ErrorKind::Status(500),
    };
    ProviderError::new(kind, format!("{ty}: {message}"))
}

fn usage_of(u: &Value) -> Usage {
    let n = |k: &str| u[k].as_u64().unwrap_or(0);
    Usage::new(
        n("input_tokens") + n("cache_creation_input_tokens") + n("cache_read_input_tokens"),
        n("output_tokens"),
    )
}

fn parse_json(data: &str) -> Result<Value, ProviderError> {
    serde_json::from_str(data).map_err(|e| ProviderError::malformed(format!("anthropic: bad JSON ({e})")))
}

fn tool_call(id: String, name: String, json: &str) -> Result<ToolCall, ProviderError> {
    let arguments = if json.trim().is_empty() {
        Value::Object(Map::new())
    } else {
        serde_json::from_str(json)
            .map_err(|e| ProviderError::malformed(format!("anthropic: tool input for {name} is not JSON ({e})")))?
    };
    Ok(ToolCall { id, name, arguments })
}

/// A non-streaming response, as the same deltas a stream would have produced.
pub fn parse_response(body: &str) -> Result<Vec<Delta>, ProviderError> {
    let v = parse_json(body)?;
    if v["type"] == "error" {
        return Err(error_from_body(&v["error"]));
    }
    let blocks = v["content"]
        .as_array()
        .ok_or_else(|| ProviderError::malformed("anthropic: no content"))?;
    let mut out = Vec::new();
    for b in blocks {
        match b["type"].as_str() {
            Some("text") => out.push(Delta::Text(b["text"].as_str().unwrap_or("").to_string())),
            Some("tool_use") => out.push(Delta::ToolCall(ToolCall {
                id: b["id"].as_str().unwrap_or("").to_string(),
                name: b["name"].as_str().unwrap_or("").to_string(),
                arguments: b["input"].clone(),
            })),
            _ => {}
        }
    }
    out.push(Delta::Usage(usage_of(&v["usage"])));
    let stop = v["stop_reason"]
        .as_str()
        .map_or(StopReason::EndTurn, StopReason::from_wire);
    out.push(Delta::Done { stop_reason: stop });
    Ok(out)
}

enum Block {
    Text,
    ToolUse { id: String, name: String, json: String },
    Other,
}

/// Streaming decoder: text deltas pass through, tool input JSON is accumulated per content block and
/// emitted as one `ToolCall` when the block stops.
#[derive(Default)]
pub struct AnthropicDecoder {
    sse: SseDecoder,
    blocks: BTreeMap<u64, Block>,
    usage: Usage,
    stop_reason: Option<StopReason>,
    done: bool,
}

impl AnthropicDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    fn on_event(&mut self, ev: &SseEvent, out: &mut Vec<Delta>) -> Result<(), ProviderError> {
        if self.done {
            return Ok(());
        }
        let v = parse_json(&ev.data)?;
        let ty = v["type"].as_str().or(ev.event.as_deref()).unwrap_or("");
        let index = || {
            v["index"]
                .as_u64()
                .ok_or_else(|| ProviderError::malformed(format!("anthropic: {ty} without index")))
        };
        match ty {
            "message_start" => {
                self.usage = self.usage.merge_max(usage_of(&v["message"]["usage"]));
                out.push(Delta::Usage(self.usage));
            }
            "content_block_start" => {
                let cb = &v["content_block"];
                let block = match cb["type"].as_str() {
                    Some("text") => {
                        push_text(out, cb["text"].as_str().unwrap_or(""));
                        Block::Text
                    }
                    Some("tool_use") => Block::ToolUse {
                        id: cb["id"]
                            .as_str()
                            .ok_or_else(|| ProviderError::malformed("anthropic: tool_use without id"))?
                            .into(),
                        name: cb["name"]
                            .as_str()
                            .ok_or_else(|| ProviderError::malformed("anthropic: tool_use without name"))?
                            .into(),
                        json: match &cb["input"] {
                            Value::Object(m) if !m.is_empty() => cb["input"].to_string(),
                            _ => String::new(),
                        },
                    },
                    _ => Block::Other,
                };
                self.blocks.insert(index()?, block);
            }
            "content_block_delta" => {
                let i = index()?;
                let block = self
                    .blocks
                    .get_mut(&i)
                    .ok_or_else(|| ProviderError::malformed(format!("anthropic: delta for unknown block {i}")))?;
                let d = &v["delta"];
                match (d["type"].as_str(), block) {
                    (Some("text_delta"), _) => {
                        let text = d["text"]
                            .as_str()
                            .ok_or_else(|| ProviderError::malformed("anthropic: text_delta without text"))?;
                        push_text(out, text);
                    }
                    (Some("input_json_delta"), Block::ToolUse { json, .. }) => {
                        json.push_str(d["partial_json"].as_str().ok_or_else(|| {
                            ProviderError::malformed("anthropic: input_json_delta without partial_json")
                        })?);
                    }
                    (Some("input_json_delta"), _) => {
                        return Err(ProviderError::malformed("anthropic: input_json_delta outside tool_use"))
                    }
                    _ => {} // thinking, signature, citations: not part of the answer text
                }
            }
            "content_block_stop" => {
                if let Some(Block::ToolUse { id, name, json }) = self.blocks.remove(&index()?) {
                    out.push(Delta::ToolCall(tool_call(id, name, &json)?));
                }
            }
            "message_delta" => {
                if let Some(s) = v["delta"]["stop_reason"].as_str() {
                    self.stop_reason = Some(StopReason::from_wire(s));
                }
                self.usage = self.usage.merge_max(usage_of(&v["usage"]));
                out.push(Delta::Usage(self.usage));
            }
            "message_stop" => {
                self.done = true;
                out.push(Delta::Done {
                    stop_reason: self.stop_reason.clone().unwrap_or(StopReason::EndTurn),
                });
            }
            "error" => return Err(error_from_body(&v["error"])),
            _ => {} // ping, and event types added later (Anthropic's versioning policy allows new ones)
        }
        Ok(())
    }
}

fn push_text(out: &mut Vec<Delta>, text: &str) {
    if !text.is_empty() {
        out.push(Delta::Text(text.to_string()));
    }
}

impl DeltaDecoder for AnthropicDecoder {
    fn feed(&mut self, bytes: &[u8], out: &mut Vec<Delta>) -> Result<(), ProviderError> {
        let mut events = Vec::new();
        self.sse.feed(bytes, &mut events)?;
        events.iter().try_for_each(|e| self.on_event(e, out))
    }

    fn finish(&mut self, out: &mut Vec<Delta>) -> Result<(), ProviderError> {
        let mut events = Vec::new();
        self.sse.finish(&mut events)?;
        events.iter().try_for_each(|e| self.on_event(e, out))?;
        match (&self.stop_reason, self.done) {
            (_, true) => Ok(()),
            // Cut between message_delta and message_stop: the answer itself is complete.
            (Some(stop), false) => {
                self.done = true;
                out.push(Delta::Done {
                    stop_reason: stop.clone(),
                });
                Ok(())
            }
            (None, false) => Err(ProviderError::truncated("anthropic: stream ended before message_stop")),
        }
    }
}

#[cfg(test)]
#[path = "anthropic_tests.rs"]
mod tests;
