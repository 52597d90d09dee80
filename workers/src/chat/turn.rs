//! The chat engine ([`nuzantara_shared::chat::turn`]) over this worker's bindings: its ports are the store
//! ([`super::store::ChatStore`]), the tools ([`crate::tools::Deps`]), retrieval ([`crate::rag::Deps`]) and the
//! remote providers.

use nuzantara_shared::chat::reply;
use nuzantara_shared::chat::turn::{Engine, EventOut, Prepared, TurnIds, TurnResult};
use nuzantara_shared::chat::ValidChat;
use nuzantara_shared::error::ApiResult;
use nuzantara_shared::ids::new_id;

use super::{ChatStore, Deps};
use crate::llm::{breakers, RemoteProvider, WorkerClock};
use crate::platform::{random16, seed};
use crate::{rag, tools};

/// Runs `f` with the engine over this request's bindings.
async fn with_engine<R>(
    d: &Deps,
    f: impl AsyncFnOnce(&Engine<'_, ChatStore, tools::Deps, rag::Deps, WorkerClock>) -> ApiResult<R>,
) -> ApiResult<R> {
    let breakers = breakers(&d.config.routing);
    let engine = Engine {
        store: &d.store,
        tools: &d.tools,
        retriever: &d.tools.rag,
        policy: &d.config.routing,
        providers: &d.config.providers,
        breakers: &breakers,
        clock: WorkerClock,
    };
    f(&engine).await
}

/// Checks the request (collections 422 if unknown, the conversation 404 if not the caller's) and stores
/// the question and the answer's placeholder, before anything streams.
pub async fn prepare(d: &Deps, chat: &ValidChat, session_id: String) -> ApiResult<Prepared> {
    let search = rag::validate(reply::search_of(chat), &d.tools.rag.kb).await?;
    let who = reply::caller(d.principal.as_ref(), session_id);
    let ids = TurnIds {
        conversation: new_id(random16()),
        question: new_id(random16()),
        answer: new_id(random16()),
    };
    with_engine(d, async |e| e.prepare(chat, search, &who, ids).await).await
}

/// Runs a prepared turn (see [`Engine::run`]).
pub async fn run<O: EventOut>(d: &Deps, chat: &ValidChat, p: Prepared, out: &mut O) -> ApiResult<TurnResult> {
    let timeout = d.config.provider_timeout_ms;
    with_engine(d, async |e| {
        e.run(
            chat,
            p,
            |c| RemoteProvider::new(d.tools.rag.ai.clone(), timeout, c.clone()),
            seed(),
            out,
        )
        .await
    })
    .await
}
