//! `POST /bali-zero/chat-stream` (SSE), `POST /bali-zero/chat` (JSON) and the OpenAI-compatible
//! `/v1/chat/completions` + `/v1/models`: one pipeline ([`turn`]), three ways to receive it. What is not a
//! binding call is in [`nuzantara_shared::chat`] (`reply`, `store_sql`, `turn`).

mod openai_compat;
mod store;
mod turn;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use futures_channel::mpsc::{unbounded, UnboundedReceiver, UnboundedSender};
use nuzantara_shared::auth::Principal;
use nuzantara_shared::chat::reply::{self, HEARTBEAT_SECS, SSE_HEADERS};
use nuzantara_shared::chat::turn::{follow, Collect, EventOut, LogSource, TurnResult};
use nuzantara_shared::chat::{ChatEvent, ChatInput, ValidChat};
use nuzantara_shared::config::Config;
use nuzantara_shared::error::{ApiError, ApiResult};
use nuzantara_shared::ids::new_id;
use nuzantara_shared::sse;
use worker::{Delay, Request, Response};

use crate::context::Ctx;
use crate::llm::WorkerClock;
use crate::platform::random16;
use crate::respond::{self, internal, HandlerResult};
use crate::{body, tools};
pub use openai_compat::{completions, models};
use store::ChatStore;

type Bytes = Result<Vec<u8>, worker::Error>;

/// What a turn needs: the store (D1, KV), the tools (and through them search and the `AI` binding, which a
/// Workers AI provider calls), the config, the caller, and the request's `wait_until` for work after the
/// response.
pub struct Deps {
    store: ChatStore,
    tools: tools::Deps,
    config: Rc<Config>,
    principal: Option<Principal>,
    waiter: Rc<worker::Context>,
}

impl Deps {
    /// Taken once at the router boundary (or by a channel's consumer, see [`channel_turn`]).
    pub fn of(ctx: &Ctx) -> ApiResult<Rc<Self>> {
        Ok(Rc::new(Self {
            store: ChatStore {
                db: ctx.db()?,
                kv: ctx.kv()?,
            },
            tools: tools::Deps::of(ctx)?,
            config: ctx.config.clone(),
            principal: ctx.principal.clone(),
            waiter: ctx.worker_ctx.clone(),
        }))
    }
}

struct Channel(UnboundedSender<Bytes>);

impl EventOut for Channel {
    fn emit(&mut self, _event: &ChatEvent, frame: String) {
        // A closed channel means the client left; the turn goes on and is stored for resumption.
        let _ = self.0.unbounded_send(Ok(frame.into_bytes()));
    }
}

async fn validated(req: &mut Request, d: &Deps) -> ApiResult<(ValidChat, String)> {
    let input: ChatInput = body::read_json(req, d.config.max_body_bytes).await?;
    let chat = reply::validate(input, &d.config.providers)?;
    let session = chat.session_id.clone().unwrap_or_else(|| new_id(random16()));
    Ok((chat, session))
}

fn sse_response(rx: UnboundedReceiver<Bytes>) -> HandlerResult {
    let mut resp = Response::from_stream(rx).map_err(internal)?;
    for (k, v) in SSE_HEADERS {
        resp.headers_mut().set(k, v).map_err(internal)?;
    }
    Ok(resp)
}

/// `POST /bali-zero/chat-stream`. With `Last-Event-ID`, resumes that answer instead of asking again.
pub async fn stream(mut req: Request, d: Rc<Deps>) -> HandlerResult {
    let last_event_id = req.headers().get("Last-Event-ID").ok().flatten();
    let (chat, session) = validated(&mut req, &d).await?;
    if let Some(last) = last_event_id.filter(|l| !l.trim().is_empty()) {
        return resume(d, &last, chat.session_id.as_deref()).await;
    }
    let prepared = turn::prepare(&d, &chat, session).await?;
    let (tx, rx) = unbounded();
    let done = Rc::new(Cell::new(false));
    heartbeat(tx.clone(), done.clone());
    let task = d.clone();
    d.waiter.wait_until(async move {
        let mut out = Channel(tx);
        let _ = turn::run(&task, &chat, prepared, &mut out).await;
        done.set(true);
        // Ends the response now, whatever clone of the sender the heartbeat holds.
        out.0.close_channel();
    });
    sse_response(rx)
}

fn heartbeat(tx: UnboundedSender<Bytes>, done: Rc<Cell<bool>>) {
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
async fn resume(d: Rc<Deps>, last: &str, session_id: Option<&str>) -> HandlerResult {
    let message_id = reply::resumed_message(last)?;
    let conv = d.store.conversation_of_answer(message_id).await?;
    if !reply::may_resume(conv.as_ref(), d.principal.as_ref(), session_id) {
        return Err(reply::not_resumable());
    }
    let log = d
        .store
        .load_log(message_id)
        .await?
        .ok_or_else(|| ApiError::not_found("this answer is no longer kept"))?;
    let (tx, rx) = unbounded();
    let last = last.to_string();
    let task = d.clone();
    d.waiter.wait_until(async move {
        follow(log, &last, &task.store, &mut WorkerClock, |f| {
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
pub async fn channel_turn(ctx: &Ctx, query: &str, conversation_id: &str, session_id: &str) -> ApiResult<TurnResult> {
    let d = Deps::of(ctx)?;
    let chat = reply::channel_chat(query, conversation_id, session_id)?;
    let prepared = turn::prepare(&d, &chat, session_id.to_string()).await?;
    turn::run(&d, &chat, prepared, &mut Collect::default()).await
}

/// `POST /bali-zero/chat`: the same turn, answered as one JSON document.
pub async fn json(mut req: Request, d: Rc<Deps>) -> HandlerResult {
    let (chat, session) = validated(&mut req, &d).await?;
    let prepared = turn::prepare(&d, &chat, session.clone()).await?;
    let r = turn::run(&d, &chat, prepared, &mut Collect::default()).await?;
    respond::json(200, &reply::json_body(&r, &session))
}
