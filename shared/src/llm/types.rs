//! Provider-neutral chat types: what the router and every adapter speak.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    System,
    User,
    Assistant,
    Tool,
}

/// One turn of the conversation. `tool_calls` only on assistant turns, `tool_call_id` only on tool turns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub role: Role,
    #[serde(default)]
    pub content: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
}

impl ChatMessage {
    fn plain(role: Role, content: impl Into<String>) -> Self {
        Self {
            role,
            content: content.into(),
            tool_calls: Vec::new(),
            tool_call_id: None,
        }
    }
    pub fn system(content: impl Into<String>) -> Self {
        Self::plain(Role::System, content)
    }
    pub fn user(content: impl Into<String>) -> Self {
        Self::plain(Role::User, content)
    }
    pub fn assistant(content: impl Into<String>) -> Self {
        Self::plain(Role::Assistant, content)
    }
    pub fn assistant_tool_calls(content: impl Into<String>, calls: Vec<ToolCall>) -> Self {
        Self {
            tool_calls: calls,
            ..Self::plain(Role::Assistant, content)
        }
    }
    pub fn tool_result(tool_call_id: impl Into<String>, content: impl Into<String>) -> Self {
        Self {
            tool_call_id: Some(tool_call_id.into()),
            ..Self::plain(Role::Tool, content)
        }
    }
}

/// A tool the model may call; `parameters` is a JSON Schema object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolSpec {
    pub name: String,
    pub description: String,
    pub parameters: serde_json::Value,
}

/// A complete tool call: adapters emit it only once its arguments have fully arrived.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    pub arguments: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "name")]
pub enum ToolChoice {
    #[default]
    Auto,
    None,
    /// The model must call some tool.
    Required,
    /// The model must call this tool.
    Tool(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
}

impl Usage {
    pub fn new(input_tokens: u64, output_tokens: u64) -> Self {
        Self {
            input_tokens,
            output_tokens,
        }
    }
    /// Providers report cumulative counts, sometimes in pieces (input first, output at the end).
    pub fn merge_max(self, other: Usage) -> Usage {
        Usage::new(
            self.input_tokens.max(other.input_tokens),
            self.output_tokens.max(other.output_tokens),
        )
    }
}

/// Summing the usage of separate calls (each billed on its own).
impl std::ops::Add for Usage {
    type Output = Usage;
    fn add(self, other: Usage) -> Usage {
        Usage::new(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    EndTurn,
    MaxTokens,
    ToolUse,
    StopSequence,
    ContentFilter,
    Other(String),
}

impl StopReason {
    /// Maps both vocabularies: Anthropic's `end_turn`/`tool_use` and OpenAI's `stop`/`tool_calls`.
    pub fn from_wire(s: &str) -> Self {
        match s {
            "end_turn" | "stop" => Self::EndTurn,
            "max_tokens" | "length" => Self::MaxTokens,
            "tool_use" | "tool_calls" | "function_call" => Self::ToolUse,
            "stop_sequence" => Self::StopSequence,
            "content_filter" | "refusal" => Self::ContentFilter,
            other => Self::Other(other.to_string()),
        }
    }
}

/// What a provider stream yields, whatever its wire format.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "value")]
pub enum Delta {
    Text(String),
    ToolCall(ToolCall),
    /// Cumulative for the response so far; the last one wins.
    Usage(Usage),
    Done {
        stop_reason: StopReason,
    },
}

/// A sampling parameter as it goes on the wire: `0.4`, not the `0.4000000059604645` an `f32` widens to.
pub fn wire_number(x: f32) -> f64 {
    (f64::from(x) * 10_000.0).round() / 10_000.0
}

/// Sent (as a user turn) after the partial answer when a provider takes over mid-answer.
pub const CONTINUE_INSTRUCTION: &str = "Your previous answer was cut off where it ends above. \
Continue it exactly from that point, in the same language and style. Do not repeat anything already \
written and do not add any preamble.";

/// A chat completion request, independent of provider and model (the model comes from the provider config).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    pub messages: Vec<ChatMessage>,
    #[serde(default)]
    pub tools: Vec<ToolSpec>,
    #[serde(default)]
    pub tool_choice: ToolChoice,
    pub max_tokens: u32,
    #[serde(default)]
    pub temperature: Option<f32>,
    #[serde(default)]
    pub top_p: Option<f32>,
    /// Sequences that end the answer where they would appear (not included in it).
    #[serde(default)]
    pub stop: Vec<String>,
    /// Set by the router when a provider failed mid-answer: the text the client already has.
    #[serde(default)]
    pub continue_from: Option<String>,
}

impl ChatRequest {
    pub fn new(messages: Vec<ChatMessage>, max_tokens: u32) -> Self {
        Self {
            messages,
            tools: Vec::new(),
            tool_choice: ToolChoice::Auto,
            max_tokens,
            temperature: None,
            top_p: None,
            stop: Vec::new(),
            continue_from: None,
        }
    }

    /// The messages to put on the wire. A continuation is expressed as the partial answer (an assistant
    /// turn) plus an instruction, rather than an assistant prefill, because not every provider or model
    /// accepts a prefill. Trailing whitespace is trimmed since Anthropic rejects it on assistant turns.
    pub fn wire_messages(&self) -> Vec<ChatMessage> {
        let mut out = self.messages.clone();
        if let Some(partial) = self.continue_from.as_deref().map(str::trim_end) {
            if !partial.is_empty() {
                out.push(ChatMessage::assistant(partial));
                out.push(ChatMessage::user(CONTINUE_INSTRUCTION));
            }
        }
        out
    }

    /// The latest user turn: what the offline provider answers and the classifier reads.
    pub fn last_user_text(&self) -> Option<&str> {
        self.messages
            .iter()
            .rev()
            .find(|m| m.role == Role::User)
            .map(|m| m.content.as_str())
    }

    /// Rough prompt size in tokens (≈ 4 chars per token), for cost estimates before a call.
    pub fn estimated_input_tokens(&self) -> u64 {
        let chars: usize = self.wire_messages().iter().map(|m| m.content.len()).sum::<usize>()
            + self
                .tools
                .iter()
                .map(|t| t.description.len() + t.parameters.to_string().len())
                .sum::<usize>();
        chars.div_ceil(4) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuation_appends_trimmed_partial_and_instruction() {
        let mut r = ChatRequest::new(vec![ChatMessage::user("harga C1?")], 100);
        assert_eq!(r.wire_messages().len(), 1);
        r.continue_from = Some("The fee is \n".into());
        let m = r.wire_messages();
        assert_eq!(m.len(), 3);
        assert_eq!(m[1], ChatMessage::assistant("The fee is"));
        assert_eq!(m[2].content, CONTINUE_INSTRUCTION);
        assert_eq!(r.last_user_text(), Some("harga C1?"));
    }

    #[test]
    fn messages_round_trip_through_json_without_empty_fields() {
        let m = ChatMessage::user("hi");
        assert_eq!(serde_json::to_string(&m).unwrap(), r#"{"role":"user","content":"hi"}"#);
        let t: ChatMessage = serde_json::from_str(r#"{"role":"tool","content":"ok","tool_call_id":"t1"}"#).unwrap();
        assert_eq!(t, ChatMessage::tool_result("t1", "ok"));
        assert_eq!(
            serde_json::to_value(ToolChoice::Tool("prices".into())).unwrap(),
            serde_json::json!({"type": "tool", "name": "prices"})
        );
        assert_eq!(StopReason::from_wire("length"), StopReason::MaxTokens);
        assert_eq!(StopReason::from_wire("tool_use"), StopReason::ToolUse);
    }
}
