//! The OpenAI-compatible face of the assistant, so existing clients and SDKs can use it (retrieval and
//! tools included): `POST /v1/chat/completions` (streaming or not) and `GET /v1/models`. Parsing, the chunk
//! sequence and the error shape are in [`nuzantara_shared::openai_api`]; this only runs the turn.

use futures_channel::mpsc::{unbounded, UnboundedSender};
use nuzantara_shared::chat::turn::{Collect, EventOut};
use nuzantara_shared::chat::ChatEvent;
use nuzantara_shared::ids::new_id;
use nuzantara_shared::openai_api::chunks::{self, ChunkWriter, Header};
use nuzantara_shared::openai_api::completion::CompletionRequest;
use nuzantara_shared::openai_api::{AUTO, EMBEDDING_ALIAS};
use serde_json::{json, Value};
use worker::Request;

use super::turn;
use super::{model_names, sse_response};
use crate::body;
use crate::context::Ctx;
use crate::platform::{now_ms, random16};
use crate::rag::embed;
use crate::respond::{self, HandlerResult};

/// `GET /v1/models`: the router alias, every configured provider and model, and the embedding model
/// (alias and name) when one is configured.
pub fn models(ctx: &Ctx) -> HandlerResult {
    let mut ids = vec![AUTO.to_string()];
    ids.extend(model_names(ctx));
    if let Some(m) = embed::model_name(&ctx.config.embedder) {
        ids.extend([EMBEDDING_ALIAS.to_string(), m.to_string()]);
    }
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(id.clone()));
    let data: Vec<Value> = ids
        .iter()
        .map(|id| json!({ "id": id, "object": "model", "created": 0, "owned_by": "bali-zero" }))
        .collect();
    respond::json(200, &json!({ "object": "list", "data": data }))
}

/// Forwards the turn's events as OpenAI chunks.
struct Chunks {
    tx: UnboundedSender<Result<Vec<u8>, worker::Error>>,
    writer: ChunkWriter,
}

impl EventOut for Chunks {
    fn emit(&mut self, e: &ChatEvent, _frame: String) {
        for f in self.writer.frames(e) {
            // A closed channel means the client left; the turn goes on and is stored.
            let _ = self.tx.unbounded_send(Ok(f.into_bytes()));
        }
    }
}

/// `POST /v1/chat/completions`: the last user message is the question; the system prompt and earlier
/// turns go to the model as context; the generation limits go to the provider.
pub async fn completions(mut req: Request, ctx: &Ctx) -> HandlerResult {
    let r: CompletionRequest = body::json(&mut req, ctx).await?;
    let names = model_names(ctx);
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let c = r.validate(&refs)?;
    let session = c.chat.session_id.clone().unwrap_or_else(|| new_id(random16()));
    let header = Header {
        id: format!("chatcmpl-{}", new_id(random16())),
        model: c.model.clone(),
        created: now_ms() / 1000,
    };
    let prepared = turn::prepare(ctx, &c.chat, session).await?;
    if c.stream {
        let (tx, rx) = unbounded();
        let task_ctx = ctx.clone();
        let mut out = Chunks {
            tx,
            writer: ChunkWriter::new(header, c.include_usage),
        };
        let chat = c.chat;
        ctx.wait_until(async move {
            let _ = turn::run(&task_ctx, &chat, prepared, &mut out).await;
            out.tx.close_channel();
        });
        return sse_response(rx);
    }
    let mut out = Collect::default();
    let t = turn::run(ctx, &c.chat, prepared, &mut out).await?;
    let extra = json!({ "sources": t.sources, "tools": t.tools, "provider": t.provider,
                        "fallbacks": t.fallbacks, "conversation_id": t.conversation_id });
    respond::json(
        200,
        &chunks::completion(&header, &t.answer, &t.stop_reason, &t.usage, extra),
    )
}
