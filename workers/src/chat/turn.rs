//! One chat turn: conversation, retrieval, the tools the question asks for, the model router with
//! fallback (tool-use loop bounded in steps and time), streamed as events, and stored — even when the
//! stream is cut or every provider fails.

use std::cell::RefCell;

use nuzantara_shared::answer::assess;
use nuzantara_shared::chat::{intent, AnswerLog, ChatEvent, ValidChat};
use nuzantara_shared::error::{ApiError, ApiResult};
use nuzantara_shared::ids::new_id;
use nuzantara_shared::llm::router::{ChatSink, FallbackNotice, SinkClosed};
use nuzantara_shared::llm::{
    Backend, ChatMessage, ChatRequest, Delta, Lang, OfflineContext, OfflineProvider, Passage, Router, ToolCall,
    ToolResult,
};
use nuzantara_shared::search::{SearchOutcome, SearchRequest, ValidSearch};
use nuzantara_shared::tools::TOOLS;
use serde_json::{json, Value};

use super::store::{self, NewMessage};
use crate::context::Ctx;
use crate::llm::{breakers, remote_candidates, WorkerClock};
use crate::platform::{clock_ms, now_ms, random16};
use crate::rag::{self, D1Kb};
use crate::tools;

/// At most this many model ↔ tool round trips per turn, and this long for the whole loop.
const MAX_TOOL_STEPS: usize = 3;
const MAX_TURN_MS: f64 = 60_000.0;
const MAX_TOKENS: u32 = 1_200;
const PASSAGES: i64 = 8;

/// Where a turn's events go: the SSE stream, or a collector for the JSON route.
pub trait EventOut {
    fn emit(&mut self, frame: String);
}

/// The events of one answer, sent as they happen and kept for resumption.
pub struct Events<'a, O: EventOut> {
    pub log: AnswerLog,
    out: &'a mut O,
    ctx: &'a Ctx,
    last_flush: f64,
    seq: u64,
}

impl<'a, O: EventOut> Events<'a, O> {
    pub fn new(ctx: &'a Ctx, message_id: &str, out: &'a mut O) -> Self {
        // Stored at the first event (so a reconnect right away can resume), then at most once a second.
        Self {
            log: AnswerLog::new(message_id),
            out,
            ctx,
            last_flush: 0.0,
            seq: 0,
        }
    }

    pub async fn send(&mut self, name: &str, data: Value) {
        let frame = self.log.push(ChatEvent::new(name, data));
        self.out.emit(frame);
        // Keep the stored log close behind the stream (KV takes one write per key per second).
        if self.log.finished || clock_ms() - self.last_flush > 1_000.0 {
            self.last_flush = clock_ms();
            let _ = store::save_answer_log(self.ctx, &self.log).await;
        }
    }

    async fn token(&mut self, text: &str) {
        let seq = self.seq;
        self.seq += 1;
        self.send("token", json!({ "text": text, "seq": seq })).await;
    }
}

/// The router's sink: text becomes `token` events; a fallback is announced in a `meta` event.
struct Sink<'s, 'a, O: EventOut> {
    events: &'s mut Events<'a, O>,
}

impl<O: EventOut> ChatSink for Sink<'_, '_, O> {
    async fn on_delta(&mut self, delta: &Delta) -> Result<(), SinkClosed> {
        if let Delta::Text(t) = delta {
            self.events.token(t).await;
        }
        // The client may be gone, but the answer is finished and stored all the same, so that it can be resumed.
        Ok(())
    }
    async fn on_fallback(&mut self, n: &FallbackNotice) -> Result<(), SinkClosed> {
        self.events.send("meta", json!({ "fallback": n })).await;
        Ok(())
    }
}

pub struct TurnResult {
    pub conversation_id: String,
    pub message_id: String,
    pub answer: String,
    pub sources: Vec<Value>,
    pub tools: Vec<Value>,
    pub model: String,
    pub provider: String,
    pub fallbacks: u32,
    pub usage: Value,
    pub latency_ms: u64,
    pub answerable: bool,
    pub confidence: f64,
    /// What the answerability verdict was based on (see `nuzantara_shared::answer::assess`).
    pub signals: Value,
}

/// What is checked and stored before anything streams: the conversation (404 if not the caller's), the
/// collections (422 if unknown), the question, and a placeholder for the answer.
pub struct Prepared {
    pub conversation_id: String,
    pub session_id: String,
    pub answer_id: String,
    search: ValidSearch,
    started: f64,
}

pub async fn prepare(ctx: &Ctx, chat: &ValidChat, session_id: String) -> ApiResult<Prepared> {
    let started = clock_ms();
    let kb = D1Kb::new(ctx)?;
    // The collection list is read only to check collections the request names (a D1 round trip before the
    // first token otherwise).
    let named = chat.collections.as_ref().is_some_and(|c| !c.is_empty());
    let search = SearchRequest {
        query: chat.query.clone(),
        collections: chat.collections.clone(),
        top_k: Some(PASSAGES),
        mode: None,
        rerank: None,
    }
    .validate(&if named {
        kb.collection_names().await?
    } else {
        Vec::new()
    })?;
    let (conv, _) = store::conversation(ctx, chat, &session_id).await?;
    let user_msg = new_id(random16());
    let answer_id = new_id(random16());
    store::insert_message(
        ctx,
        NewMessage {
            id: &user_msg,
            conversation_id: &conv.id,
            role: "user",
            content: &chat.query,
            status: "complete",
            model: None,
            sources: None,
            tool_calls: None,
            tokens: None,
            latency_ms: None,
        },
    )
    .await?;
    store::insert_message(
        ctx,
        NewMessage {
            id: &answer_id,
            conversation_id: &conv.id,
            role: "assistant",
            content: "",
            status: "partial",
            model: None,
            sources: None,
            tool_calls: None,
            tokens: None,
            latency_ms: None,
        },
    )
    .await?;
    Ok(Prepared {
        conversation_id: conv.id,
        session_id,
        answer_id,
        search,
        started,
    })
}

/// Runs a prepared turn, emitting events; a failure is stored with what was said and sent as `error`.
pub async fn run<O: EventOut>(ctx: &Ctx, chat: ValidChat, p: Prepared, out: &mut O) -> ApiResult<TurnResult> {
    let mut events = Events::new(ctx, &p.answer_id, out);
    match answer(ctx, &chat, &p, &mut events).await {
        Ok(r) => Ok(r),
        Err(e) => {
            let partial: String = events
                .log
                .events
                .iter()
                .filter(|e| e.name == "token")
                .filter_map(|e| e.data["text"].as_str())
                .collect();
            let latency = Some((clock_ms() - p.started) as u64);
            let _ = store::finish_message(
                ctx,
                NewMessage {
                    id: &p.answer_id,
                    conversation_id: &p.conversation_id,
                    role: "assistant",
                    content: &partial,
                    status: "failed",
                    model: None,
                    sources: None,
                    tool_calls: None,
                    tokens: None,
                    latency_ms: latency,
                },
            )
            .await;
            events
                .send("error", json!({ "code": e.code.as_str(), "message": e.message }))
                .await;
            Err(e)
        }
    }
}

async fn answer<O: EventOut>(
    ctx: &Ctx,
    chat: &ValidChat,
    p: &Prepared,
    events: &mut Events<'_, O>,
) -> ApiResult<TurnResult> {
    let (conversation_id, session_id, answer_id, started) = (
        p.conversation_id.as_str(),
        p.session_id.as_str(),
        p.answer_id.as_str(),
        p.started,
    );
    let policy = &ctx.config.routing;
    let plan = policy.plan(
        &chat.query,
        &ctx.config.providers,
        (chat.query.len() / 4) as u64,
        MAX_TOKENS,
    );
    let mut planned: Vec<_> = plan.candidates.iter().map(|c| c.provider.clone()).collect();
    if let Some(wanted) = &chat.model {
        planned.retain(|p| &p.name == wanted || &p.model == wanted || p.name == "offline");
    }

    let found: SearchOutcome = rag::run(&p.search, &D1Kb::new(ctx)?, ctx).await?;
    events
        .send(
            "meta",
            json!({
                "conversation_id": conversation_id, "session_id": session_id, "message_id": answer_id,
                "model": planned.first().map(|p| p.model.clone()), "provider": planned.first().map(|p| p.name.clone()),
                "query_class": plan.class.as_str(), "retrieval_mode": found.mode, "retrieval_notice": found.notice,
                "routed_to": found.routed_to, "language": chat.language.code(),
            }),
        )
        .await;
    let sources: Vec<Value> = found
        .results
        .iter()
        .enumerate()
        .map(|(i, r)| {
            json!({
                "n": i + 1, "label": r.citation.label, "title": r.citation.title, "section": r.citation.section,
                "snippet": r.snippet.text, "highlights": r.snippet.highlights, "score": r.score, "collection": r.collection,
                "document_link": r.citation.document_link, "url": r.citation.url, "page": r.citation.page,
            })
        })
        .collect();
    let passages: Vec<Passage> = found
        .results
        .iter()
        .map(|r| Passage {
            title: r.citation.title.clone(),
            label: r.citation.label.clone(),
            text: r.text.clone(),
        })
        .collect();

    // Tools the question plainly asks for run first, for every provider.
    let mut tool_log: Vec<Value> = Vec::new();
    let mut tool_results: Vec<ToolResult> = Vec::new();
    for (name, args) in intent::implied_tools(&chat.query) {
        run_tool(ctx, name, &args, events, &mut tool_log, &mut tool_results).await;
    }

    // Whether the sources answer at all: the offline composer abstains on it, a model is told, and the
    // client gets it in `done`.
    let verdict = assess::assess(&assess::Evidence {
        query: &chat.query,
        hits: &found.results,
        vector_top: found.vector_top,
        tool_answered: tool_results.iter().any(answered),
    });
    let system = system_prompt(chat.language, &passages, &tool_results, verdict.answerable);
    let recent = store::recent(ctx, conversation_id).await?;
    let mut messages = vec![ChatMessage::system(system)];
    messages.extend(store::history_for_model(&recent));
    messages.push(ChatMessage::user(chat.query.clone()));
    let mut req = ChatRequest::new(messages, MAX_TOKENS);
    req.tools = TOOLS
        .iter()
        .filter(|t| t.allowed(ctx.principal.as_ref()))
        .map(|t| t.spec())
        .collect();

    let breakers = breakers(policy);
    let mut text = String::new();
    let mut fallbacks = 0;
    let mut usage = nuzantara_shared::llm::Usage::default();
    let mut final_model = String::new();
    let mut final_provider = String::new();
    let mut cost = 0.0;
    for step in 0..=MAX_TOOL_STEPS {
        let offline = OfflineProvider::new(OfflineContext {
            query: chat.query.clone(),
            lang: chat.language,
            passages: passages.clone(),
            tool_results: tool_results.clone(),
            answerable: Some(verdict.answerable),
            confidence: Some(verdict.confidence),
        });
        let mut candidates = remote_candidates(ctx, &planned);
        candidates.push(Backend::Offline(offline));
        let mut router = Router::new(
            policy,
            &breakers,
            WorkerClock,
            u64::from_le_bytes(random16()[..8].try_into().unwrap_or([7; 8])),
        );
        let outcome = router
            .run(&candidates, &req, &mut Sink { events })
            .await
            .map_err(ApiError::from)?;
        text.push_str(&outcome.text);
        fallbacks += outcome.fallbacks;
        usage = usage + outcome.usage;
        cost += outcome.cost_usd.unwrap_or(0.0);
        final_model = outcome.model.clone();
        final_provider = outcome.provider.clone();
        if outcome.tool_calls.is_empty() || step == MAX_TOOL_STEPS || clock_ms() - started > MAX_TURN_MS {
            break;
        }
        req.messages.push(ChatMessage::assistant_tool_calls(
            outcome.text.clone(),
            outcome.tool_calls.clone(),
        ));
        for call in &outcome.tool_calls {
            let content = run_model_tool(ctx, call, events, &mut tool_log, &mut tool_results).await;
            req.messages.push(ChatMessage::tool_result(call.id.clone(), content));
        }
    }

    events.send("sources", json!({ "sources": sources })).await;
    let latency_ms = (clock_ms() - started) as u64;
    let usage_json = json!({ "input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens });
    store::finish_message(
        ctx,
        NewMessage {
            id: answer_id,
            conversation_id,
            role: "assistant",
            content: &text,
            status: "complete",
            model: Some(&final_model),
            sources: Some(json!(sources)),
            tool_calls: Some(json!(tool_log)),
            tokens: Some((usage.input_tokens, usage.output_tokens)),
            latency_ms: Some(latency_ms),
        },
    )
    .await?;
    let mut window = store::recent(ctx, conversation_id).await.unwrap_or_default();
    window.push(ChatMessage::user(chat.query.clone()));
    window.push(ChatMessage::assistant(text.clone()));
    let _ = store::remember_recent(ctx, conversation_id, window).await;
    events
        .send(
            "done",
            json!({
                "usage": usage_json, "latency_ms": latency_ms, "model": final_model, "provider": final_provider,
                "fallbacks": fallbacks, "cost_usd": cost, "message_id": answer_id, "conversation_id": conversation_id,
                "finished_at": now_ms(), "answerable": verdict.answerable, "confidence": verdict.confidence,
            }),
        )
        .await;
    Ok(TurnResult {
        conversation_id: conversation_id.to_string(),
        message_id: answer_id.to_string(),
        answer: text,
        sources,
        tools: tool_log,
        model: final_model,
        provider: final_provider,
        fallbacks,
        usage: usage_json,
        latency_ms,
        answerable: verdict.answerable,
        confidence: verdict.confidence,
        signals: serde_json::to_value(verdict.signals).unwrap_or(Value::Null),
    })
}

/// A tool result that holds the data asked for (prices found, KBLI codes found, a fact saved).
fn answered(t: &ToolResult) -> bool {
    let non_empty = |k: &str| t.value[k].as_array().is_some_and(|a| !a.is_empty());
    match t.name.as_str() {
        "get_pricing" => non_empty("services"),
        "kbli_lookup" => non_empty("codes"),
        "calculate_quote" | "save_memory" => true,
        _ => false,
    }
}

/// Runs one tool; a failure becomes a `tool` event with the error, not a failed turn.
async fn run_tool<O: EventOut>(
    ctx: &Ctx,
    name: &str,
    args: &Value,
    events: &mut Events<'_, O>,
    log: &mut Vec<Value>,
    results: &mut Vec<ToolResult>,
) -> String {
    match tools::execute(ctx, name, args).await {
        Ok(out) => {
            events
                .send(
                    "tool",
                    json!({ "name": name, "arguments": args, "ok": true, "summary": out.summary, "result": out.value }),
                )
                .await;
            log.push(json!({ "name": name, "arguments": args, "ok": true, "summary": out.summary }));
            results.push(ToolResult {
                name: name.to_string(),
                summary: out.summary.clone(),
                value: out.value,
            });
            out.summary
        }
        Err(e) => {
            events.send("tool", json!({ "name": name, "arguments": args, "ok": false, "error": { "code": e.code.as_str(), "message": e.message } })).await;
            log.push(json!({ "name": name, "arguments": args, "ok": false, "error": e.message }));
            format!("error: {}", e.message)
        }
    }
}

async fn run_model_tool<O: EventOut>(
    ctx: &Ctx,
    call: &ToolCall,
    events: &mut Events<'_, O>,
    log: &mut Vec<Value>,
    results: &mut Vec<ToolResult>,
) -> String {
    run_tool(ctx, &call.name, &call.arguments, events, log, results).await
}

fn system_prompt(lang: Lang, passages: &[Passage], tools: &[ToolResult], answerable: bool) -> String {
    let language = match lang {
        Lang::En => "English",
        Lang::Id => "Indonesian (Bahasa Indonesia)",
        Lang::It => "Italian",
    };
    let mut s = format!(
        "You are Nuzantara, the assistant of Bali Zero, a firm in Bali that helps foreigners with Indonesian visas, \
         stay permits (KITAS/KITAP), company setup (PT PMA), licensing (OSS, PP 28/2025), KBLI codes, tax and property. \
         Answer in {language}. Ground every statement in the numbered sources below and cite them as [n]; quote prices \
         only from the price list or the tool results. If the sources do not answer the question, say so and suggest \
         contacting a Bali Zero consultant. Be concise.\n\nSources:\n"
    );
    if !answerable {
        s.insert_str(
            0,
            "The sources retrieved for this question look unrelated to it. Unless one of them clearly answers it, \
             say plainly that you don't know and offer a Bali Zero consultant; do not answer from general knowledge.\n\n",
        );
    }
    for (i, p) in passages.iter().enumerate() {
        s.push_str(&format!(
            "[{}] {}\n{}\n\n",
            i + 1,
            p.label,
            p.text.chars().take(1_500).collect::<String>()
        ));
    }
    if !tools.is_empty() {
        s.push_str("Tool results:\n");
        for t in tools {
            s.push_str(&format!("- {}: {}\n", t.name, t.summary));
        }
    }
    s
}

/// Collects frames for the JSON route.
#[derive(Default)]
pub struct Collect(pub RefCell<Vec<String>>);

impl EventOut for Collect {
    fn emit(&mut self, frame: String) {
        self.0.borrow_mut().push(frame);
    }
}
