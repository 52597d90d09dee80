//! `POST /bali-zero/chat-stream` (SSE) and `POST /bali-zero/chat` (JSON): one engine ([`turn`]), as a stream or
//! as one document; [`crate::openai_api`] and the WhatsApp consumer are its other clients.

mod store;
pub(crate) mod turn;

use std::rc::Rc;

use nuzantara_shared::auth::Principal;
use nuzantara_shared::chat::reply;
use nuzantara_shared::chat::turn::{follow, Collect, LogSource, TurnResult};
use nuzantara_shared::chat::{ChatInput, ValidChat};
use nuzantara_shared::config::Config;
use nuzantara_shared::error::{ApiError, ApiResult};
use worker::Request;

use crate::context::Ctx;
use crate::llm::WorkerClock;
use crate::platform::random16;
use crate::respond::{self, HandlerResult};
use crate::stream;
use crate::{body, tools};
use store::ChatStore;

/// What a turn needs: the store (D1, KV), the tools (through them search and the `AI` binding a Workers AI
/// provider calls), the config, the caller, and the request's `wait_until` for work after the response.
pub struct Deps {
    store: ChatStore,
    tools: tools::Deps,
    pub(crate) config: Rc<Config>,
    principal: Option<Principal>,
    pub(crate) waiter: Rc<worker::Context>,
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

async fn validated(req: &mut Request, d: &Deps) -> ApiResult<(ValidChat, String)> {
    let input: ChatInput = body::read_json(req, d.config.max_body_bytes).await?;
    let chat = reply::validate(input, &d.config.providers)?;
    let session = reply::session_of(&chat, random16());
    Ok((chat, session))
}

/// `POST /bali-zero/chat-stream`. With `Last-Event-ID`, resumes that answer instead of asking again.
pub async fn stream(mut req: Request, d: Rc<Deps>) -> HandlerResult {
    let last_event_id = req.headers().get("Last-Event-ID").ok().flatten();
    let (chat, session) = validated(&mut req, &d).await?;
    if let Some(last) = last_event_id.filter(|l| !l.trim().is_empty()) {
        return resume(d, &last, chat.session_id.as_deref()).await;
    }
    let prepared = turn::prepare(&d, &chat, session).await?;
    let (mut frames, resp) = stream::sse()?;
    frames.heartbeat();
    let task = d.clone();
    d.waiter.wait_until(async move {
        let _ = turn::run(&task, &chat, prepared, &mut frames).await;
        frames.close();
    });
    Ok(resp)
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
    let (frames, resp) = stream::sse()?;
    let last = last.to_string();
    let task = d.clone();
    d.waiter.wait_until(async move {
        follow(log, &last, &task.store, &mut WorkerClock, |f| frames.send(f)).await;
        frames.close();
    });
    Ok(resp)
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
