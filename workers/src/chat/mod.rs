//! `POST /bali-zero/chat-stream` (SSE), `POST /bali-zero/chat` (JSON) and the OpenAI-compatible
//! `/v1/chat/completions` + `/v1/models`: one pipeline ([`turn`]), three ways to receive it.

mod openai_compat;
mod store;
mod turn;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use futures_channel::mpsc::{unbounded, UnboundedSender};
use nuzantara_shared::chat::{events::message_of, ChatInput, ValidChat};
use nuzantara_shared::error::{ApiError, ApiResult};
use nuzantara_shared::ids::new_id;
use nuzantara_shared::sse;
use serde_json::json;
use worker::{Delay, Request, Response};

use crate::body;
use crate::context::Ctx;
use crate::llm::WorkerClock;
use crate::platform::random16;
use crate::respond::{self, internal, HandlerResult};
use nuzantara_shared::chat::turn::{follow, Collect, EventOut, LogSource};
use nuzantara_shared::chat::ChatEvent;
pub use openai_compat::{completions, models};
use store::ChatStore;

/// Comment lines keep proxies from closing a quiet stream (a slow first byte from a provider).
const HEARTBEAT_SECS: u64 = 15;

struct Channel(UnboundedSender<Result<Vec<u8>, worker::Error>>);

impl EventOut for Channel {
    fn emit(&mut self, _event: &ChatEvent, frame: String) {
        // A closed channel means the client left; the turn goes on and is stored for resumption.
        let _ = self.0.unbounded_send(Ok(frame.into_bytes()));
    }
}

/// The model names a request may ask for: provider names and their models.
pub fn model_names(ctx: &Ctx) -> Vec<String> {
    ctx.config
        .providers
        .iter()
        .flat_map(|p| [p.name.clone(), p.model.clone()])
        .collect()
}

async fn validated(req: &mut Request, ctx: &Ctx) -> ApiResult<(ValidChat, String)> {
    let input: ChatInput = body::json(req, ctx).await?;
    let names = model_names(ctx);
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let chat = input.validate(&refs)?;
    let session = chat.session_id.clone().unwrap_or_else(|| new_id(random16()));
    Ok((chat, session))
}

fn sse_response(rx: futures_channel::mpsc::UnboundedReceiver<Result<Vec<u8>, worker::Error>>) -> HandlerResult {
    let mut resp = Response::from_stream(rx).map_err(internal)?;
    let h = resp.headers_mut();
    for (k, v) in [
        ("Content-Type", "text/event-stream; charset=utf-8"),
        ("Cache-Control", "no-cache, no-transform"),
        // Compressed event streams can be buffered by the platform.
        ("Content-Encoding", "identity"),
        ("X-Accel-Buffering", "no"),
    ] {
        h.set(k, v).map_err(internal)?;
    }
    Ok(resp)
}

/// `POST /bali-zero/chat-stream`. With `Last-Event-ID`, resumes that answer instead of asking again.
pub async fn stream(mut req: Request, ctx: &Ctx) -> HandlerResult {
    let last_event_id = req.headers().get("Last-Event-ID").ok().flatten();
    let (chat, session) = validated(&mut req, ctx).await?;
    if let Some(last) = last_event_id.filter(|l| !l.trim().is_empty()) {
        return resume(ctx, &last, chat.session_id.as_deref()).await;
    }
    let prepared = turn::prepare(ctx, &chat, session).await?;
    let (tx, rx) = unbounded();
    let done = Rc::new(Cell::new(false));
    heartbeat(tx.clone(), done.clone());
    let task_ctx = ctx.clone();
    ctx.wait_until(async move {
        let mut out = Channel(tx);
        let _ = turn::run(&task_ctx, &chat, prepared, &mut out).await;
        done.set(true);
        // Ends the response now, whatever clone of the sender the heartbeat holds.
        out.0.close_channel();
    });
    sse_response(rx)
}

fn heartbeat(tx: UnboundedSender<Result<Vec<u8>, worker::Error>>, done: Rc<Cell<bool>>) {
    wasm_bindgen_futures::spawn_local(async move {
        loop {
            Delay::from(Duration::from_secs(HEARTBEAT_SECS)).await;
            if done.get() || tx.unbounded_send(Ok(sse::heartbeat().as_bytes().to_vec())).is_err() {
                break;
            }
        }
    });
}

/// Replays the stored events after `last` and, while the answer is still being written, follows it.
async fn resume(ctx: &Ctx, last: &str, session_id: Option<&str>) -> HandlerResult {
    let message_id =
        message_of(last).ok_or_else(|| ApiError::validation("Last-Event-ID is not an event id of this API"))?;
    let store = ChatStore::new(ctx)?;
    if message_id.len() > 64 || !turn::may_resume(ctx, &store, message_id, session_id).await? {
        return Err(turn::not_resumable());
    }
    let log = store
        .load_log(message_id)
        .await?
        .ok_or_else(|| ApiError::not_found("this answer is no longer kept"))?;
    let (tx, rx) = unbounded();
    let last = last.to_string();
    ctx.wait_until(async move {
        follow(log, &last, &store, &mut WorkerClock, |f| {
            let _ = tx.unbounded_send(Ok(f.into_bytes()));
        })
        .await;
        tx.close_channel();
    });
    sse_response(rx)
}

/// A turn for a messaging channel (WhatsApp): the same engine, answered once, in an existing conversation
/// owned by the anonymous session `session_id` (the channel created both). The one entry point channels use,
/// so the chat adapters can change behind it.
pub async fn channel_turn(
    ctx: &Ctx,
    query: &str,
    conversation_id: &str,
    session_id: &str,
) -> ApiResult<nuzantara_shared::chat::turn::TurnResult> {
    let query: String = query
        .chars()
        .take(nuzantara_shared::chat::request::MAX_QUERY_CHARS)
        .collect();
    let chat = ChatInput {
        query,
        session_id: Some(session_id.to_string()),
        conversation_id: Some(conversation_id.to_string()),
        collections: None,
        language: None,
        model: None,
    }
    .validate(&[])?;
    let prepared = turn::prepare(ctx, &chat, session_id.to_string()).await?;
    turn::run(ctx, &chat, prepared, &mut Collect::default()).await
}

/// `POST /bali-zero/chat`: the same turn, answered as one JSON document.
pub async fn json(mut req: Request, ctx: &Ctx) -> HandlerResult {
    let (chat, session) = validated(&mut req, ctx).await?;
    let mut out = Collect::default();
    let prepared = turn::prepare(ctx, &chat, session.clone()).await?;
    let r = turn::run(ctx, &chat, prepared, &mut out).await?;
    respond::json(
        200,
        &json!({
            "conversation_id": r.conversation_id, "session_id": session, "message_id": r.message_id,
            "answer": r.answer, "sources": r.sources, "tools": r.tools, "model": r.model, "provider": r.provider,
            "fallbacks": r.fallbacks, "usage": r.usage, "latency_ms": r.latency_ms,
            "answerable": r.answerable, "confidence": r.confidence, "signals": r.signals,
        }),
    )
}
