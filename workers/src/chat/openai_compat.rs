//! The OpenAI-compatible face of the assistant, so existing clients and SDKs can use it (retrieval and
//! tools included): `POST /v1/chat/completions` (streaming or not) and `GET /v1/models`.

use futures_channel::mpsc::unbounded;
use nuzantara_shared::chat::ChatInput;
use nuzantara_shared::ids::new_id;
use nuzantara_shared::sse;
use serde::Deserialize;
use serde_json::{json, Value};
use worker::Request;

use super::turn;
use super::{model_names, sse_response};
use crate::body;
use crate::context::Ctx;
use crate::platform::{now_ms, random16};
use crate::respond::{self, HandlerResult};
use nuzantara_shared::chat::turn::{Collect, EventOut};
use nuzantara_shared::chat::ChatEvent;

/// The model name clients use for "let the router choose".
pub const AUTO: &str = "nuzantara";

#[derive(Deserialize)]
struct Message {
    role: String,
    content: Value,
}

#[derive(Deserialize)]
struct CompletionRequest {
    model: String,
    messages: Vec<Message>,
    #[serde(default)]
    stream: bool,
    #[serde(default)]
    user: Option<String>,
    // Accepted and ignored: the router picks its own limits.
    #[serde(default, rename = "max_tokens")]
    _max_tokens: Option<Value>,
    #[serde(default, rename = "temperature")]
    _temperature: Option<Value>,
    #[serde(default, rename = "stream_options")]
    _stream_options: Option<Value>,
}

fn text_of(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        // The array form: [{type: "text", text}].
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// `GET /v1/models`
pub fn models(ctx: &Ctx) -> HandlerResult {
    let mut ids = vec![AUTO.to_string()];
    ids.extend(model_names(ctx));
    ids.dedup();
    let data: Vec<Value> = ids
        .iter()
        .map(|id| json!({ "id": id, "object": "model", "created": 0, "owned_by": "bali-zero" }))
        .collect();
    respond::json(200, &json!({ "object": "list", "data": data }))
}

/// OpenAI-style chunks of the turn's tokens.
struct Chunks {
    tx: futures_channel::mpsc::UnboundedSender<Result<Vec<u8>, worker::Error>>,
    id: String,
    model: String,
    created: u64,
}

impl EventOut for Chunks {
    fn emit(&mut self, e: &ChatEvent, _frame: String) {
        // Only tokens and the end matter to an OpenAI client.
        let out = match e {
            ChatEvent::Token { text, .. } => Some(self.chunk(json!({ "content": text }), Value::Null)),
            ChatEvent::Done(_) => Some(self.chunk(json!({}), json!("stop"))),
            ChatEvent::Error { .. } => Some(json!({ "error": e.data() })),
            _ => None,
        };
        if let Some(v) = out {
            let _ = self
                .tx
                .unbounded_send(Ok(sse::frame(None, None, &v.to_string()).into_bytes()));
        }
        if e.is_terminal() {
            let _ = self
                .tx
                .unbounded_send(Ok(sse::frame(None, None, "[DONE]").into_bytes()));
        }
    }
}

impl Chunks {
    fn chunk(&self, delta: Value, finish: Value) -> Value {
        json!({ "id": self.id, "object": "chat.completion.chunk", "created": self.created, "model": self.model,
                "choices": [{ "index": 0, "delta": delta, "finish_reason": finish }] })
    }
}

/// `POST /v1/chat/completions`: the last user message is the question; earlier turns are context.
pub async fn completions(mut req: Request, ctx: &Ctx) -> HandlerResult {
    let r: CompletionRequest = body::json(&mut req, ctx).await?;
    let query = r
        .messages
        .iter()
        .rev()
        .find(|m| m.role == "user")
        .map(|m| text_of(&m.content))
        .unwrap_or_default();
    let model = (r.model != AUTO).then(|| r.model.clone());
    // A stable `user` maps to a session, so follow-up calls from one end user share a conversation.
    let session_id = r
        .user
        .as_deref()
        .filter(|u| u.len() <= 128 && u.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        .map(String::from);
    let input = ChatInput {
        query,
        session_id: session_id.clone(),
        conversation_id: None,
        collections: None,
        language: None,
        model,
    };
    let names = model_names(ctx);
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let chat = input.validate(&refs)?;
    let session = session_id.unwrap_or_else(|| new_id(random16()));
    let id = format!("chatcmpl-{}", new_id(random16()));
    let created = now_ms() / 1000;
    let prepared = turn::prepare(ctx, &chat, session).await?;
    if r.stream {
        let (tx, rx) = unbounded();
        let task_ctx = ctx.clone();
        let mut out = Chunks {
            tx,
            id,
            model: r.model.clone(),
            created,
        };
        ctx.wait_until(async move {
            let _ = turn::run(&task_ctx, &chat, prepared, &mut out).await;
            out.tx.close_channel();
        });
        return sse_response(rx);
    }
    let mut out = Collect::default();
    let t = turn::run(ctx, &chat, prepared, &mut out).await?;
    respond::json(
        200,
        &json!({
            "id": id, "object": "chat.completion", "created": created, "model": r.model,
            "choices": [{ "index": 0, "message": { "role": "assistant", "content": t.answer }, "finish_reason": "stop" }],
            "usage": {
                "prompt_tokens": t.usage.input_tokens, "completion_tokens": t.usage.output_tokens,
                "total_tokens": t.usage.input_tokens + t.usage.output_tokens
            },
            "nuzantara": { "sources": t.sources, "tools": t.tools, "provider": t.provider, "fallbacks": t.fallbacks, "conversation_id": t.conversation_id },
        }),
    )
}
