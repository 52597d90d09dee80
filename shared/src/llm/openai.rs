//! OpenAI-compatible chat completions (OpenAI, DeepSeek, OpenRouter): one adapter, base URL and model
//! per provider. Workers AI's streamed output is decoded here too (see [`OpenAiDecoder::workers_ai`]).

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::error::{ErrorKind, ProviderError};
use super::sse_decode::DeltaDecoder;
use super::sse_decode::SseDecoder;
use super::types::{wire_number, ChatRequest, Delta, Role, StopReason, ToolCall, ToolChoice, Usage};

/// `base` already ends in `/v1` (or `/api/v1` for OpenRouter), as in the provider config.
pub fn url(base: &str) -> String {
    format!("{}/chat/completions", base.trim_end_matches('/'))
}

pub fn headers(api_key: &str) -> Vec<(String, String)> {
    vec![
        ("content-type".into(), "application/json".into()),
        ("authorization".into(), format!("Bearer {api_key}")),
    ]
}

pub fn request_body(model: &str, req: &ChatRequest, stream: bool) -> Value {
    let messages: Vec<Value> = req
        .wire_messages()
        .into_iter()
        .map(|m| match m.role {
            Role::System => json!({"role": "system", "content": m.content}),
            Role::User => json!({"role": "user", "content": m.content}),
            Role::Assistant if m.tool_calls.is_empty() => json!({"role": "assistant", "content": m.content}),
            Role::Assistant => {
                let calls: Vec<Value> = m
                    .tool_calls
                    .iter()
                    .map(|c| {
                        json!({
                            "id": c.id,
                            "type": "function",
                            "function": {"name": c.name, "arguments": c.arguments.to_string()},
                        })
                    })
                    .collect();
                let content = if m.content.is_empty() {
                    Value::Null
                } else {
                    json!(m.content)
                };
                json!({"role": "assistant", "content": content, "tool_calls": calls})
            }
            Role::Tool => {
                json!({"role": "tool", "tool_call_id": m.tool_call_id.unwrap_or_default(), "content": m.content})
            }
        })
        .collect();
    let mut body = json!({
        "model": model,
        "messages": messages,
        "max_tokens": req.max_tokens,
        "stream": stream,
    });
    if stream {
        body["stream_options"] = json!({"include_usage": true});
    }
    if !req.tools.is_empty() {
        let tools: Vec<Value> = req
            .tools
            .iter()
            .map(|t| {
                json!({
                    "type": "function",
                    "function": {"name": t.name, "description": t.description, "parameters": t.parameters},
                })
            })
            .collect();
        body["tools"] = json!(tools);
        body["tool_choice"] = match &req.tool_choice {
            ToolChoice::Auto => json!("auto"),
            ToolChoice::None => json!("none"),
            ToolChoice::Required => json!("required"),
            ToolChoice::Tool(name) => json!({"type": "function", "function": {"name": name}}),
        };
    }
    if let Some(t) = req.temperature {
        body["temperature"] = json!(wire_number(t));
    }
    if let Some(p) = req.top_p {
        body["top_p"] = json!(wire_number(p));
    }
    if !req.stop.is_empty() {
        body["stop"] = json!(req.stop);
    }
    body
}

/// An `{"error": ...}` body or stream chunk. OpenRouter puts the HTTP status in `code`.
pub fn error_from_body(err: &Value) -> ProviderError {
    let message = err["message"].as_str().or(err.as_str()).unwrap_or("error").to_string();
    let code = err["code"].as_u64().filter(|c| (400..600).contains(c));
    let ty = err["type"].as_str().or(err["code"].as_str()).unwrap_or("");
    let kind = match (code, ty) {
        (Some(c), _) => ErrorKind::Status(c as u16),
        (None, t) if t.contains("rate_limit") => ErrorKind::Status(429),
        (None, "invalid_request_error") => ErrorKind::Status(400),
        (None, "server_error") | (None, _) => ErrorKind::Status(502),
    };
    ProviderError::new(kind, message)
}

fn parse_json(data: &str) -> Result<Value, ProviderError> {
    serde_json::from_str(data).map_err(|e| ProviderError::malformed(format!("openai: bad JSON ({e})")))
}

fn usage_of(u: &Value) -> Usage {
    Usage::new(
        u["prompt_tokens"].as_u64().unwrap_or(0),
        u["completion_tokens"].as_u64().unwrap_or(0),
    )
}

fn arguments(name: &str, raw: &str) -> Result<Value, ProviderError> {
    if raw.trim().is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    serde_json::from_str(raw)
        .map_err(|e| ProviderError::malformed(format!("openai: arguments of {name} are not JSON ({e})")))
}

/// A non-streaming response, as the same deltas a stream would have produced.
pub fn parse_response(body: &str) -> Result<Vec<Delta>, ProviderError> {
    let v = parse_json(body)?;
    if !v["error"].is_null() {
        return Err(error_from_body(&v["error"]));
    }
    let choice = &v["choices"][0];
    let msg = choice
        .get("message")
        .ok_or_else(|| ProviderError::malformed("openai: no choices[0].message"))?;
    let mut out = Vec::new();
    if let Some(t) = msg["content"].as_str().filter(|t| !t.is_empty()) {
        out.push(Delta::Text(t.to_string()));
    }
    for c in msg["tool_calls"].as_array().into_iter().flatten() {
        let name = c["function"]["name"].as_str().unwrap_or("").to_string();
        let args = arguments(&name, c["function"]["arguments"].as_str().unwrap_or(""))?;
        out.push(Delta::ToolCall(ToolCall {
            id: c["id"].as_str().unwrap_or("").into(),
            name,
            arguments: args,
        }));
    }
    out.push(Delta::Usage(usage_of(&v["usage"])));
    let stop = choice["finish_reason"]
        .as_str()
        .map_or(StopReason::EndTurn, StopReason::from_wire);
    out.push(Delta::Done { stop_reason: stop });
    Ok(out)
}

#[derive(Default)]
struct PartialCall {
    id: String,
    name: String,
    arguments: String,
}

/// Streaming decoder: `choices[0].delta.content` passes through; `delta.tool_calls` fragments are
/// accumulated by `index` and emitted whole when the choice finishes; usage arrives in its own chunk.
#[derive(Default)]
pub struct OpenAiDecoder {
    sse: SseDecoder,
    calls: BTreeMap<u64, PartialCall>,
    finish_reason: Option<StopReason>,
    done: bool,
    /// Also accept Workers AI's `{"response": "..."}` chunks.
    workers_ai: bool,
}

impl OpenAiDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Workers AI streams `data: {"response":"..."}` (newer models: OpenAI chunks), then usage, then `[DONE]`.
    pub fn workers_ai() -> Self {
        Self {
            workers_ai: true,
            ..Self::default()
        }
    }

    fn flush_calls(&mut self, out: &mut Vec<Delta>) -> Result<(), ProviderError> {
        for (i, c) in std::mem::take(&mut self.calls) {
            let id = if c.id.is_empty() { format!("call_{i}") } else { c.id };
            out.push(Delta::ToolCall(ToolCall {
                arguments: arguments(&c.name, &c.arguments)?,
                id,
                name: c.name,
            }));
        }
        Ok(())
    }

    fn on_data(&mut self, data: &str, out: &mut Vec<Delta>) -> Result<(), ProviderError> {
        if self.done {
            return Ok(());
        }
        if data.trim() == "[DONE]" {
            self.flush_calls(out)?;
            self.done = true;
            out.push(Delta::Done {
                stop_reason: self.finish_reason.clone().unwrap_or(StopReason::EndTurn),
            });
            return Ok(());
        }
        let v = parse_json(data)?;
        if !v["error"].is_null() {
            return Err(error_from_body(&v["error"]));
        }
        if self.workers_ai {
            if let Some(t) = v["response"].as_str().filter(|t| !t.is_empty()) {
                out.push(Delta::Text(t.to_string()));
            }
        }
        if let Some(choice) = v["choices"].as_array().and_then(|c| c.first()) {
            let delta = &choice["delta"];
            if let Some(t) = delta["content"].as_str().filter(|t| !t.is_empty()) {
                out.push(Delta::Text(t.to_string()));
            }
            for (pos, tc) in delta["tool_calls"].as_array().into_iter().flatten().enumerate() {
                let call = self
                    .calls
                    .entry(tc["index"].as_u64().unwrap_or(pos as u64))
                    .or_default();
                if let Some(id) = tc["id"].as_str().filter(|s| !s.is_empty()) {
                    call.id = id.to_string();
                }
                let f = &tc["function"];
                if let Some(name) = f["name"].as_str().filter(|_| call.name.is_empty()) {
                    call.name = name.to_string();
                }
                match &f["arguments"] {
                    Value::String(s) => call.arguments.push_str(s),
                    Value::Null => {}
                    other => call.arguments.push_str(&other.to_string()),
                }
            }
            if let Some(r) = choice["finish_reason"].as_str() {
                self.finish_reason = Some(StopReason::from_wire(r));
                self.flush_calls(out)?;
            }
        }
        if v["usage"].is_object() {
            out.push(Delta::Usage(usage_of(&v["usage"])));
        }
        Ok(())
    }
}

impl DeltaDecoder for OpenAiDecoder {
    fn feed(&mut self, bytes: &[u8], out: &mut Vec<Delta>) -> Result<(), ProviderError> {
        let mut events = Vec::new();
        self.sse.feed(bytes, &mut events)?;
        events.iter().try_for_each(|e| self.on_data(&e.data, out))
    }

    fn finish(&mut self, out: &mut Vec<Delta>) -> Result<(), ProviderError> {
        let mut events = Vec::new();
        self.sse.finish(&mut events)?;
        events.iter().try_for_each(|e| self.on_data(&e.data, out))?;
        if self.done {
            return Ok(());
        }
        // No [DONE], but the choice had finished: the answer is whole, only the trailer was lost.
        match self.finish_reason.clone() {
            Some(stop_reason) => {
                self.flush_calls(out)?;
                self.done = true;
                out.push(Delta::Done { stop_reason });
                Ok(())
            }
            None => Err(ProviderError::truncated("openai: stream ended before [DONE]")),
        }
    }
}

#[cfg(test)]
#[path = "openai_tests.rs"]
mod tests;
