//! The OpenAI-compatible face of the assistant, so existing clients and SDKs can use it (retrieval and
//! tools included): `POST /v1/chat/completions` (streaming or not) and `GET /v1/models`. Parsing, the chunk
//! sequence, the model list and the error shape are in [`nuzantara_shared::openai_api`]; this only runs the turn.

use std::rc::Rc;

use nuzantara_shared::chat::reply::{self, model_names};
use nuzantara_shared::chat::turn::{Collect, EventOut};
use nuzantara_shared::chat::ChatEvent;
use nuzantara_shared::config::Config;
use nuzantara_shared::ids::new_id;
use nuzantara_shared::openai_api::chunks::{self, ChunkWriter, Header};
use nuzantara_shared::openai_api::completion::CompletionRequest;
use nuzantara_shared::openai_api::models;
use worker::Request;

use crate::body;
use crate::chat::{turn, Deps};
use crate::platform::{now_ms, random16};
use crate::rag::embed;
use crate::respond::{self, HandlerResult};
use crate::stream::{self, Frames};

/// `GET /v1/models`.
pub fn models(config: &Config) -> HandlerResult {
    respond::json(
        200,
        &models::list(model_names(&config.providers), embed::model_name(&config.embedder)),
    )
}

/// Forwards the turn's events as OpenAI chunks.
struct Chunks {
    frames: Frames,
    writer: ChunkWriter,
}

impl EventOut for Chunks {
    fn emit(&mut self, e: &ChatEvent, _frame: String) {
        for f in self.writer.frames(e) {
            self.frames.send(f);
        }
    }
}

/// `POST /v1/chat/completions`: the last user message is the question; the system prompt and earlier
/// turns go to the model as context; the generation limits go to the provider.
pub async fn completions(mut req: Request, d: Rc<Deps>) -> HandlerResult {
    let r: CompletionRequest = body::read_json(&mut req, d.config.max_body_bytes).await?;
    let names = model_names(&d.config.providers);
    let c = r.validate(&names.iter().map(String::as_str).collect::<Vec<_>>())?;
    let session = reply::session_of(&c.chat, random16());
    let header = Header {
        id: format!("chatcmpl-{}", new_id(random16())),
        model: c.model.clone(),
        created: now_ms() / 1000,
    };
    let prepared = turn::prepare(&d, &c.chat, session).await?;
    if c.stream {
        let (frames, resp) = stream::sse()?;
        let mut out = Chunks {
            frames,
            writer: ChunkWriter::new(header, c.include_usage),
        };
        let (chat, task) = (c.chat, d.clone());
        d.waiter.wait_until(async move {
            let _ = turn::run(&task, &chat, prepared, &mut out).await;
            out.frames.close();
        });
        return Ok(resp);
    }
    let t = turn::run(&d, &c.chat, prepared, &mut Collect::default()).await?;
    let extra = models::completion_extra(&t);
    respond::json(
        200,
        &chunks::completion(&header, &t.answer, &t.stop_reason, &t.usage, extra),
    )
}
