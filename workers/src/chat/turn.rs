//! The ports of the chat engine ([`nuzantara_shared::chat::turn`]) over this worker's bindings: the store
//! ([`super::store::ChatStore`]), the tools, retrieval, and the remote providers.

use nuzantara_shared::chat::turn::{
    Caller, Engine, EventOut, Prepared, Retriever, ToolOutput, ToolRunner, TurnIds, TurnResult, PASSAGES,
};
use nuzantara_shared::chat::ValidChat;
use nuzantara_shared::error::{ApiError, ApiResult};
use nuzantara_shared::ids::new_id;
use nuzantara_shared::llm::ToolSpec;
use nuzantara_shared::search::{SearchOutcome, SearchRequest, ValidSearch};
use nuzantara_shared::tools::TOOLS;
use serde_json::Value;

use super::store::ChatStore;
use crate::context::Ctx;
use crate::llm::{breakers, RemoteProvider, WorkerClock};
use crate::platform::random16;
use crate::rag::{self, D1Kb};
use crate::tools;

/// The tools, as this caller may use them.
struct Tools<'a>(&'a Ctx);

impl ToolRunner for Tools<'_> {
    fn specs(&self) -> Vec<ToolSpec> {
        TOOLS
            .iter()
            .filter(|t| t.allowed(self.0.principal.as_ref()) && t.available(&self.0.config))
            .map(|t| t.spec())
            .collect()
    }
    async fn run(&self, name: &str, args: &Value) -> ApiResult<ToolOutput> {
        let out = tools::execute(self.0, name, args).await?;
        Ok(ToolOutput {
            summary: out.summary,
            value: out.value,
        })
    }
}

/// The knowledge base's search pipeline (keyword, vectors, rerank as configured).
struct Kb<'a> {
    ctx: &'a Ctx,
    kb: D1Kb,
}

impl Retriever for Kb<'_> {
    async fn retrieve(&self, search: &ValidSearch) -> ApiResult<SearchOutcome> {
        rag::run(search, &self.kb, self.ctx).await
    }
}

fn seed() -> u64 {
    u64::from_le_bytes(random16()[..8].try_into().unwrap_or([7; 8]))
}

/// Runs `f` with the engine over this request's bindings.
async fn with_engine<R>(
    ctx: &Ctx,
    f: impl AsyncFnOnce(&Engine<'_, ChatStore, Tools<'_>, Kb<'_>, WorkerClock>) -> ApiResult<R>,
) -> ApiResult<R> {
    let store = ChatStore::new(ctx)?;
    let kb = Kb {
        ctx,
        kb: D1Kb::new(ctx)?,
    };
    let breakers = breakers(&ctx.config.routing);
    let engine = Engine {
        store: &store,
        tools: &Tools(ctx),
        retriever: &kb,
        policy: &ctx.config.routing,
        providers: &ctx.config.providers,
        breakers: &breakers,
        clock: WorkerClock,
    };
    f(&engine).await
}

/// Checks the request (collections 422 if unknown, the conversation 404 if not the caller's) and stores
/// the question and the answer's placeholder, before anything streams.
pub async fn prepare(ctx: &Ctx, chat: &ValidChat, session_id: String) -> ApiResult<Prepared> {
    // The collection list is read only to check collections the request names.
    let named = chat.collections.as_ref().is_some_and(|c| !c.is_empty());
    let search = SearchRequest {
        query: chat.query.clone(),
        collections: chat.collections.clone(),
        top_k: Some(PASSAGES),
        mode: None,
        rerank: None,
    }
    .validate(&if named {
        D1Kb::new(ctx)?.collection_names().await?
    } else {
        Vec::new()
    })?;
    let who = Caller {
        user_id: ctx
            .principal
            .as_ref()
            .filter(|p| p.role != nuzantara_shared::auth::Role::Service)
            .map(|p| p.id.clone()),
        session_id,
    };
    let ids = TurnIds {
        conversation: new_id(random16()),
        question: new_id(random16()),
        answer: new_id(random16()),
    };
    with_engine(ctx, async |e| e.prepare(chat, search, &who, ids).await).await
}

/// Runs a prepared turn (see [`Engine::run`]).
pub async fn run<O: EventOut>(ctx: &Ctx, chat: &ValidChat, p: Prepared, out: &mut O) -> ApiResult<TurnResult> {
    with_engine(ctx, async |e| {
        e.run(chat, p, |c| RemoteProvider::new(ctx, c.clone()), seed(), out)
            .await
    })
    .await
}

/// Who may resume an answer: the owner of its conversation (user, or the anonymous session).
pub async fn may_resume(ctx: &Ctx, store: &ChatStore, message_id: &str, session_id: Option<&str>) -> ApiResult<bool> {
    let Some(conv) = store.conversation_of_answer(message_id).await? else {
        return Ok(false);
    };
    Ok(match (conv.user_id.as_deref(), ctx.principal.as_ref()) {
        (Some(owner), Some(me)) => owner == me.id,
        (None, _) => session_id.is_some() && conv.session_id.as_deref() == session_id,
        _ => false,
    })
}

pub fn not_resumable() -> ApiError {
    ApiError::not_found("no such answer")
}
