//! One chat turn as an engine over small ports: the conversation and its messages ([`TurnStore`]), the
//! tools ([`ToolRunner`]), retrieval ([`Retriever`]) and the model providers ([`LlmProvider`]). The worker
//! implements the ports over D1/KV and HTTP; tests use in-memory fakes (`turn_tests.rs`). Time comes from
//! the router's [`Sleeper`], ids from the caller.
//!
//! A turn: [`Engine::prepare`] checks the conversation, reads its recent window and stores the question and
//! a `partial` placeholder for the answer (before anything streams); [`Engine::run`] retrieves, runs the
//! tools the question plainly asks for, judges answerability, routes the models (tool-use loop bounded in
//! steps and time) and streams [`ChatEvent`]s, keeping the event log for `Last-Event-ID` resumption; the
//! answer is stored `complete`, or `failed` with what was said.
//!
//! Longer than most files (about 750 lines) because the ports, the prepare/run/follow steps and the tool loop
//! share the turn's state and are read together; splitting them would scatter one sequence over files.
#![allow(async_fn_in_trait)] // single-threaded WASM: the futures need not be Send.

use std::cell::RefCell;

use serde_json::{json, Value};

use super::events::{AnswerLog, ChatEvent, Done, Meta, TokenUsage, ToolEvent};
use super::followup;
use super::history;
use super::intent;
use super::ValidChat;
use crate::answer::{assess, courtesy};
use crate::config::{ProviderConfig, ProviderKind};
use crate::error::ApiError;
use crate::llm::router::{ChatSink, FallbackNotice, SinkClosed, Sleeper};
use crate::llm::{
    Backend, BreakerSet, ChatMessage, ChatRequest, Delta, Lang, LlmProvider, OfflineContext, OfflineProvider, Passage,
    Role, Router, RoutingPolicy, StopReason, ToolCall, ToolResult, ToolSpec, Usage,
};
use crate::search::{SearchOutcome, ValidSearch};

/// At most this many model ↔ tool round trips per turn, and this long for the whole loop.
pub const MAX_TOOL_STEPS: usize = 3;
pub const MAX_TURN_MS: u64 = 60_000;
pub const MAX_TOKENS: u32 = 1_200;
/// Passages retrieved for an answer.
pub const PASSAGES: i64 = 8;
/// Messages kept in a conversation's recent window, and the model's share of it in tokens.
pub const RECENT: usize = 20;
pub const HISTORY_TOKENS: usize = 3_000;
/// The stored event log trails the stream by at most this long (KV takes one write per key per second).
pub const LOG_FLUSH_MS: u64 = 1_000;

/// A conversation as stored: who owns it.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct Conversation {
    pub id: String,
    pub user_id: Option<String>,
    pub session_id: Option<String>,
}

/// Who asks: a signed-in user (not a service key), and the anonymous session.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: Option<String>,
    pub session_id: String,
}

impl Conversation {
    /// A user's conversation is theirs; an anonymous one belongs to its session.
    pub fn owned_by(&self, who: &Caller) -> bool {
        match (&self.user_id, &who.user_id) {
            (Some(owner), Some(me)) => owner == me,
            (None, None) => self.session_id.as_deref() == Some(who.session_id.as_str()),
            _ => false,
        }
    }
}

/// What [`TurnStore::begin`] writes at once: the conversation when new, the question, and the answer (its
/// `partial` placeholder, or the finished answer when the turn is written in one go).
#[derive(Debug, Clone, PartialEq)]
pub struct Opening {
    /// `Some` when the conversation is new and must be created with this title and language.
    pub new_conversation: Option<NewConversation>,
    pub conversation_id: String,
    pub question_id: String,
    pub question: String,
    pub answer_id: String,
    pub now_ms: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewConversation {
    pub user_id: Option<String>,
    pub session_id: String,
    pub title: String,
    pub language: &'static str,
}

/// The final state of an answer row.
#[derive(Debug, Clone, PartialEq)]
pub struct Finished {
    pub answer_id: String,
    pub content: String,
    /// `complete` or `failed`.
    pub status: &'static str,
    pub model: Option<String>,
    pub sources: Option<Value>,
    pub tool_calls: Option<Value>,
    pub tokens: Option<(u64, u64)>,
    pub latency_ms: u64,
}

/// Where turns are kept.
pub trait TurnStore {
    /// The conversation and its recent user/assistant messages (oldest first), read together: a follow-up
    /// turn's one round trip before retrieval. The caller checks ownership before using the messages.
    async fn conversation_with_recent(&self, id: &str) -> Result<Option<(Conversation, Vec<ChatMessage>)>, ApiError>;
    /// Stores everything of [`Opening`] (atomically where the store can), with the answer's placeholder or,
    /// given `answer`, the finished answer: a turn answered whole costs one write.
    async fn begin(&self, opening: &Opening, answer: Option<&Finished>) -> Result<(), ApiError>;
    /// Fills the placeholder `begin` wrote.
    async fn finish(&self, answer: &Finished) -> Result<(), ApiError>;
    async fn save_log(&self, log: &AnswerLog) -> Result<(), ApiError>;
}

#[derive(Debug, Clone, PartialEq)]
pub struct ToolOutput {
    pub summary: String,
    pub value: Value,
}

/// The tools this caller may use.
pub trait ToolRunner {
    /// The specs offered to a model.
    fn specs(&self) -> Vec<ToolSpec>;
    async fn run(&self, name: &str, args: &Value) -> Result<ToolOutput, ApiError>;
}

pub trait Retriever {
    async fn retrieve(&self, search: &ValidSearch) -> Result<SearchOutcome, ApiError>;
}

/// Where a turn's events go (the SSE stream, a collector for the JSON route, OpenAI chunks). Gets the
/// event and its SSE frame.
pub trait EventOut {
    /// One event. `frame` is its SSE frame for a live client, and empty otherwise (a one-shot answer is
    /// built from the turn's result, so its events are neither framed nor logged).
    fn emit(&mut self, event: &ChatEvent, frame: String);
    /// Whether the client sees event ids as they come and may reconnect mid-answer (SSE). Only then is the
    /// event log kept (from the first event on): a one-shot answer is kept whole in its message row.
    fn live(&self) -> bool {
        true
    }
}

/// The output of a route that answers once, at the end (the JSON routes): the names of the events, in order.
#[derive(Debug, Default)]
pub struct Collect(pub Vec<&'static str>);

impl EventOut for Collect {
    fn emit(&mut self, event: &ChatEvent, _frame: String) {
        self.0.push(event.name());
    }
    fn live(&self) -> bool {
        false
    }
}

/// The ids a turn needs, made by the caller.
#[derive(Debug, Clone)]
pub struct TurnIds {
    /// Used only if the turn starts a conversation.
    pub conversation: String,
    pub question: String,
    pub answer: String,
}

/// What [`Engine::prepare`] checked, and the rows the turn will write.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub conversation_id: String,
    pub session_id: String,
    pub answer_id: String,
    /// A follow-up's query carries the subject of the questions before it ([`followup::standalone`]).
    search: ValidSearch,
    recent: Vec<ChatMessage>,
    started: u64,
    opening: Opening,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TurnResult {
    pub conversation_id: String,
    pub message_id: String,
    pub answer: String,
    pub sources: Vec<Value>,
    pub tools: Vec<Value>,
    pub model: String,
    pub provider: String,
    pub fallbacks: u32,
    pub usage: TokenUsage,
    pub latency_ms: u64,
    pub answerable: bool,
    pub confidence: f64,
    /// What the answerability verdict was based on (see [`assess`]).
    pub signals: Value,
    /// Why the last model response ended (`MaxTokens` when the caller's `max_tokens` cut it).
    pub stop_reason: StopReason,
}

/// The engine: ports and configuration for the turns of one request.
pub struct Engine<'a, St, Tl, Rt, C> {
    pub store: &'a St,
    pub tools: &'a Tl,
    pub retriever: &'a Rt,
    pub policy: &'a RoutingPolicy,
    pub providers: &'a [ProviderConfig],
    pub breakers: &'a RefCell<BreakerSet>,
    pub clock: C,
}

impl<St: TurnStore, Tl: ToolRunner, Rt: Retriever, C: Sleeper + Clone> Engine<'_, St, Tl, Rt, C> {
    /// The conversation (404 if not the caller's) and its recent window. Nothing is written yet: see
    /// [`Engine::run`].
    pub async fn prepare(
        &self,
        chat: &ValidChat,
        search: ValidSearch,
        who: &Caller,
        ids: TurnIds,
    ) -> Result<Prepared, ApiError> {
        let started = self.clock.now_ms();
        let (conversation_id, new_conversation, recent) = match &chat.conversation_id {
            Some(id) => {
                let (conv, recent) = self
                    .store
                    .conversation_with_recent(id.as_str())
                    .await?
                    .filter(|(c, _)| c.owned_by(who))
                    .ok_or_else(|| ApiError::not_found("no such conversation"))?;
                (conv.id, None, recent)
            }
            // A new conversation has no history to read.
            None => (
                ids.conversation,
                Some(NewConversation {
                    user_id: who.user_id.clone(),
                    session_id: who.session_id.clone(),
                    title: chat.query.chars().take(80).collect(),
                    language: chat.language.code(),
                }),
                Vec::new(),
            ),
        };
        // A follow-up ("How much does it cost?") is searched with the subject of the questions before it.
        let search = match followup::standalone(&chat.query, &recent) {
            Some(query) => ValidSearch { query, ..search },
            None => search,
        };
        let opening = Opening {
            new_conversation,
            conversation_id: conversation_id.clone(),
            question_id: ids.question,
            question: chat.query.clone(),
            answer_id: ids.answer.clone(),
            now_ms: started,
        };
        Ok(Prepared {
            conversation_id,
            session_id: who.session_id.clone(),
            answer_id: ids.answer,
            search,
            recent,
            started,
            opening,
        })
    }

    /// Runs a prepared turn, emitting events; a failure is stored with what was said and sent as `error`.
    /// `remote` makes the worker's provider for a configured one (offline is built in).
    ///
    /// A streamed turn writes the question and a placeholder before the first event (a reconnect needs
    /// them), then the answer; a turn answered whole writes everything once, at the end.
    pub async fn run<P: LlmProvider, O: EventOut>(
        &self,
        chat: &ValidChat,
        p: Prepared,
        remote: impl Fn(&ProviderConfig) -> P,
        seed: u64,
        out: &mut O,
    ) -> Result<TurnResult, ApiError> {
        let mut events = Events {
            log: AnswerLog::new(&p.answer_id),
            out,
            store: self.store,
            clock: &self.clock,
            last_flush: None,
            seq: 0,
            text: String::new(),
        };
        let live = events.out.live();
        let opened = if live {
            self.store.begin(&p.opening, None).await
        } else {
            Ok(())
        };
        let answered = match opened {
            Ok(()) => self.answer(chat, &p, remote, seed, &mut events).await,
            Err(e) => Err(e),
        };
        match answered {
            Ok(r) => Ok(r),
            Err(e) => {
                let failed = Finished {
                    answer_id: p.answer_id.clone(),
                    content: events.text.clone(),
                    status: "failed",
                    model: None,
                    sources: None,
                    tool_calls: None,
                    tokens: None,
                    latency_ms: self.clock.now_ms().saturating_sub(p.started),
                };
                let _ = self.settle(&p, &failed, live).await;
                events
                    .send(ChatEvent::Error {
                        code: e.code.as_str().to_string(),
                        message: e.message.clone(),
                    })
                    .await;
                Err(e)
            }
        }
    }

    /// The answer's row: the placeholder filled when streamed, else the whole turn written at once.
    async fn settle(&self, p: &Prepared, answer: &Finished, live: bool) -> Result<(), ApiError> {
        if live {
            self.store.finish(answer).await
        } else {
            self.store.begin(&p.opening, Some(answer)).await
        }
    }

    async fn answer<P: LlmProvider, O: EventOut>(
        &self,
        chat: &ValidChat,
        p: &Prepared,
        remote: impl Fn(&ProviderConfig) -> P,
        seed: u64,
        events: &mut Events<'_, O, St, C>,
    ) -> Result<TurnResult, ApiError> {
        let max_tokens = chat.generation.max_tokens.unwrap_or(MAX_TOKENS);
        let plan = self
            .policy
            .plan(&chat.query, self.providers, (chat.query.len() / 4) as u64, max_tokens);
        // One pass over the plan: the model asked for (offline always stays), and the remote providers.
        let planned: Vec<&ProviderConfig> = plan
            .candidates
            .iter()
            .map(|c| &c.provider)
            .filter(|p| {
                chat.model
                    .as_ref()
                    .is_none_or(|w| &p.name == w || &p.model == w || p.name == "offline")
            })
            .collect();

        // The tools the question plainly asks for run beside retrieval: a store that batches concurrent reads
        // (D1, see `search::coalesce`) answers a KBLI lookup and the retrieval in one round trip. Their events
        // still follow `meta`.
        // The question as understood: with a follow-up's subject (see `prepare`).
        let understood = p.search.query.as_str();
        let implied = intent::implied_tools(understood);
        // A greeting or thanks is not searched: it gets a short reply, with no sources.
        let polite = courtesy::courtesy(&chat.query).is_some();
        let retrieval = async {
            if polite {
                Ok(SearchOutcome::none(&p.search.query))
            } else {
                self.retriever.retrieve(&p.search).await
            }
        };
        let (found, implied_out) = futures_util::future::join(retrieval, async {
            let mut out = Vec::with_capacity(implied.len());
            for (name, args) in &implied {
                out.push(self.tools.run(name, args).await);
            }
            out
        })
        .await;
        let found = found?;
        events
            .send(ChatEvent::Meta(Meta {
                conversation_id: p.conversation_id.clone(),
                session_id: p.session_id.clone(),
                message_id: p.answer_id.clone(),
                model: planned.first().map(|p| p.model.clone()),
                provider: planned.first().map(|p| p.name.clone()),
                query_class: plan.class.as_str(),
                retrieval_mode: found.mode,
                retrieval_notice: found.notice.clone(),
                routed_to: found.routed_to.clone(),
                language: chat.language.code(),
            }))
            .await;
        let sources = sources_of(&found);
        let passages: Vec<Passage> = found
            .results
            .iter()
            .map(|r| Passage {
                title: r.citation.title.clone(),
                label: r.citation.label.clone(),
                text: r.text.clone(),
            })
            .collect();

        // Tools the question plainly asks for come first, for every provider.
        let mut tools = ToolLog::default();
        for ((name, args), out) in implied.iter().zip(implied_out) {
            record_tool(name, args, out, events, &mut tools).await;
        }

        // Whether the sources answer at all: the offline composer abstains on it, a model is told, and the
        // client gets it in `done`.
        let verdict = assess::assess(&assess::Evidence {
            query: understood,
            hits: &found.results,
            vector_top: found.vector_top,
            tool_answered: tools.results.iter().any(answered),
        });
        // The prompt and the tool specs are for models: when only the offline composer will answer (no
        // provider configured), neither is built (nor counted in the usage estimate).
        let any_model = planned.iter().any(|c| c.kind != ProviderKind::Offline);
        let system = if any_model {
            system_prompt(chat.language, &passages, &tools.results, verdict.answerable)
        } else {
            String::new()
        };
        let mut req = model_request(chat, system, &p.recent);
        if any_model {
            req.tools = self.tools.specs();
        }

        // The candidates and the router are built once per turn; only the offline provider's tool results
        // change between steps.
        let mut candidates: Vec<Backend<P>> = planned
            .iter()
            .filter(|c| c.kind != ProviderKind::Offline)
            .map(|c| Backend::Remote(remote(c)))
            .collect();
        let offline_context = |tool_results: Vec<ToolResult>| OfflineContext {
            query: understood.to_string(),
            lang: chat.language,
            passages: passages.clone(),
            tool_results,
            answerable: Some(verdict.answerable),
            confidence: Some(verdict.confidence),
        };
        candidates.push(Backend::Offline(OfflineProvider::new(offline_context(
            tools.results.clone(),
        ))));
        let mut router = Router::new(self.policy, self.breakers, self.clock.clone(), seed);
        let mut text = String::new();
        let mut fallbacks = 0;
        let mut usage = Usage::default();
        let (mut final_model, mut final_provider) = (String::new(), String::new());
        let mut cost = 0.0;
        let mut stop_reason = StopReason::EndTurn;
        for step in 0..=MAX_TOOL_STEPS {
            let outcome = router
                .run(&candidates, &req, &mut Sink { events })
                .await
                .map_err(ApiError::from)?;
            text.push_str(&outcome.text);
            fallbacks += outcome.fallbacks;
            usage = usage + outcome.usage;
            cost += outcome.cost_usd.unwrap_or(0.0);
            final_model = outcome.model;
            final_provider = outcome.provider;
            stop_reason = outcome.stop_reason;
            if outcome.tool_calls.is_empty()
                || step == MAX_TOOL_STEPS
                || self.clock.now_ms().saturating_sub(p.started) > MAX_TURN_MS
            {
                break;
            }
            req.messages.push(ChatMessage::assistant_tool_calls(
                outcome.text,
                outcome.tool_calls.clone(),
            ));
            for call in &outcome.tool_calls {
                let content = self.run_model_tool(call, events, &mut tools).await;
                req.messages.push(ChatMessage::tool_result(call.id.clone(), content));
            }
            if let Some(Backend::Offline(o)) = candidates.last_mut() {
                *o = OfflineProvider::new(offline_context(tools.results.clone()));
            }
        }

        events
            .send(ChatEvent::Sources {
                sources: sources.clone(),
            })
            .await;
        let latency_ms = self.clock.now_ms().saturating_sub(p.started);
        if usage.output_tokens == 0 && !text.is_empty() {
            // A provider that reports no usage: the same estimate as the offline provider's (≈ 4 chars a token).
            usage = usage.merge_max(Usage::new(
                req.estimated_input_tokens(),
                text.chars().count().div_ceil(4) as u64,
            ));
        }
        let usage = TokenUsage {
            input_tokens: usage.input_tokens,
            output_tokens: usage.output_tokens,
        };
        let finished = Finished {
            answer_id: p.answer_id.clone(),
            content: text.clone(),
            status: "complete",
            model: Some(final_model.clone()),
            sources: Some(Value::Array(sources.clone())),
            tool_calls: Some(Value::Array(tools.log.clone())),
            tokens: Some((usage.input_tokens, usage.output_tokens)),
            latency_ms,
        };
        self.settle(p, &finished, events.out.live()).await?;
        events
            .send(ChatEvent::Done(Done {
                usage: usage.clone(),
                latency_ms,
                model: final_model.clone(),
                provider: final_provider.clone(),
                fallbacks,
                cost_usd: cost,
                message_id: p.answer_id.clone(),
                conversation_id: p.conversation_id.clone(),
                finished_at: self.clock.now_ms(),
                answerable: verdict.answerable,
                confidence: verdict.confidence,
                stop_reason: stop_reason.clone(),
            }))
            .await;
        Ok(TurnResult {
            conversation_id: p.conversation_id.clone(),
            message_id: p.answer_id.clone(),
            answer: text,
            sources,
            tools: tools.log,
            model: final_model,
            provider: final_provider,
            fallbacks,
            usage,
            latency_ms,
            answerable: verdict.answerable,
            confidence: verdict.confidence,
            signals: serde_json::to_value(verdict.signals).unwrap_or(Value::Null),
            stop_reason,
        })
    }

    async fn run_model_tool<O: EventOut>(
        &self,
        call: &ToolCall,
        events: &mut Events<'_, O, St, C>,
        tools: &mut ToolLog,
    ) -> String {
        let out = self.tools.run(&call.name, &call.arguments).await;
        record_tool(&call.name, &call.arguments, out, events, tools).await
    }
}

/// A tool's outcome as a `tool` event and in the turn's log; a failure is an event with the error, not a failed
/// turn. The summary (or the error) is what a model is told.
async fn record_tool<O: EventOut, St: TurnStore, C: Sleeper>(
    name: &str,
    args: &Value,
    out: Result<ToolOutput, ApiError>,
    events: &mut Events<'_, O, St, C>,
    tools: &mut ToolLog,
) -> String {
    match out {
        Ok(out) => {
            events
                .send(ChatEvent::Tool(ToolEvent::ok(
                    name,
                    args,
                    &out.summary,
                    out.value.clone(),
                )))
                .await;
            tools
                .log
                .push(json!({ "name": name, "arguments": args, "ok": true, "summary": out.summary }));
            tools.results.push(ToolResult {
                name: name.to_string(),
                summary: out.summary.clone(),
                value: out.value,
            });
            out.summary
        }
        Err(e) => {
            events
                .send(ChatEvent::Tool(ToolEvent::failed(
                    name,
                    args,
                    e.code.as_str(),
                    &e.message,
                )))
                .await;
            tools
                .log
                .push(json!({ "name": name, "arguments": args, "ok": false, "error": e.message }));
            format!("error: {}", e.message)
        }
    }
}

#[derive(Default)]
struct ToolLog {
    /// As stored with the answer and returned by the JSON route.
    log: Vec<Value>,
    results: Vec<ToolResult>,
}

/// The events of one answer, sent as they happen and kept for resumption.
struct Events<'a, O, St, C> {
    log: AnswerLog,
    out: &'a mut O,
    store: &'a St,
    clock: &'a C,
    last_flush: Option<u64>,
    seq: u64,
    /// The answer's text so far (stored if the turn fails).
    text: String,
}

impl<O: EventOut, St: TurnStore, C: Sleeper> Events<'_, O, St, C> {
    async fn send(&mut self, event: ChatEvent) {
        if !self.out.live() {
            self.out.emit(&event, String::new());
            return;
        }
        let frame = self.log.push(&event);
        self.out.emit(&event, frame);
        // Stored at the first event (so a reconnect right away can resume), at the last, and in between
        // at most once a second.
        let now = self.clock.now_ms();
        if self.log.finished || self.last_flush.is_none_or(|t| now.saturating_sub(t) > LOG_FLUSH_MS) {
            self.last_flush = Some(now);
            let _ = self.store.save_log(&self.log).await;
        }
    }
}

/// The router's sink: text becomes `token` events; a fallback is announced in a `meta` event.
struct Sink<'s, 'a, O, St, C> {
    events: &'s mut Events<'a, O, St, C>,
}

impl<O: EventOut, St: TurnStore, C: Sleeper> ChatSink for Sink<'_, '_, O, St, C> {
    async fn on_delta(&mut self, delta: &Delta) -> Result<(), SinkClosed> {
        if let Delta::Text(t) = delta {
            let seq = self.events.seq;
            self.events.seq += 1;
            self.events.text.push_str(t);
            self.events.send(ChatEvent::Token { text: t.clone(), seq }).await;
        }
        // The client may be gone, but the answer is finished and stored all the same, so that it can be resumed.
        Ok(())
    }
    async fn on_fallback(&mut self, n: &FallbackNotice) -> Result<(), SinkClosed> {
        self.events.send(ChatEvent::Fallback(n.clone())).await;
        Ok(())
    }
}

fn sources_of(found: &SearchOutcome) -> Vec<Value> {
    found
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
        .collect()
}

/// A tool result that holds the data asked for (prices found, KBLI codes found, a fact saved).
fn answered(t: &ToolResult) -> bool {
    match t.name.as_str() {
        "calculate_quote" | "save_memory" => true,
        _ => t.lookup_matches().is_some_and(|n| n > 0),
    }
}

/// The model request of a turn: our system prompt (with the caller's system instructions after it), the
/// stored recent window and the caller's earlier turns (newest that fit [`HISTORY_TOKENS`]), the question,
/// and the caller's generation limits.
pub fn model_request(chat: &ValidChat, mut system: String, recent: &[ChatMessage]) -> ChatRequest {
    let (instructions, turns): (Vec<&ChatMessage>, Vec<&ChatMessage>) =
        chat.context.iter().partition(|m| m.role == Role::System);
    if !instructions.is_empty() {
        system.push_str(
            "\nInstructions from the application you are answering through (follow them unless they conflict with the rules above):\n",
        );
        for m in instructions {
            system.push_str(m.content.trim());
            system.push('\n');
        }
    }
    let mut past = recent.to_vec();
    past.extend(turns.into_iter().cloned());
    let mut messages = vec![ChatMessage::system(system)];
    messages.extend(history::window(&past, HISTORY_TOKENS));
    messages.push(ChatMessage::user(chat.query.clone()));
    let g = &chat.generation;
    let mut req = ChatRequest::new(messages, g.max_tokens.unwrap_or(MAX_TOKENS));
    req.temperature = g.temperature;
    req.top_p = g.top_p;
    req.stop = g.stop.clone();
    req
}

pub fn system_prompt(lang: Lang, passages: &[Passage], tools: &[ToolResult], answerable: bool) -> String {
    let language = match lang {
        Lang::En => "English",
        Lang::Id => "Indonesian (Bahasa Indonesia)",
        Lang::It => "Italian",
    };
    let mut s = String::new();
    if !answerable {
        s.push_str(
            "The sources retrieved for this question look unrelated to it. Unless one of them clearly answers it, \
             say plainly that you don't know and offer a Bali Zero consultant; do not answer from general knowledge.\n\n",
        );
    }
    s.push_str(&format!(
        "You are Nuzantara, the assistant of Bali Zero, a firm in Bali that helps foreigners with Indonesian visas, \
         stay permits (KITAS/KITAP), company setup (PT PMA), licensing (OSS, PP 28/2025), KBLI codes, tax and property. \
         Answer in {language}. Ground every statement in the numbered sources below and cite them as [n]; quote prices \
         only from the price list or the tool results. If the sources do not answer the question, say so and suggest \
         contacting a Bali Zero consultant. Be concise.\n\nSources:\n"
    ));
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

/// Where a resumed answer's log is read from while it is still being written.
pub trait LogSource {
    async fn load_log(&self, message_id: &str) -> Result<Option<AnswerLog>, ApiError>;
}

/// Polls of a running answer when resuming (every [`RESUME_POLL_MS`]: two minutes in all).
pub const RESUME_POLLS: usize = 240;
pub const RESUME_POLL_MS: u64 = 500;

/// Resumption after `Last-Event-ID` `last`: sends the stored frames that follow it and, while the answer is
/// still being written, follows the stored log.
pub async fn follow<S: Sleeper>(
    mut log: AnswerLog,
    last: &str,
    source: &impl LogSource,
    sleeper: &mut S,
    mut send: impl FnMut(String),
) {
    let mut sent_after = last.to_string();
    for _ in 0..RESUME_POLLS {
        let frames = log.frames_after(Some(&sent_after));
        // Only ever move forward: a stored log still behind the client's Last-Event-ID must not rewind the
        // resume point (that would replay events the client already has).
        if !frames.is_empty() {
            sent_after = format!("{}:{}", log.message_id, log.events.len() - 1);
        }
        frames.into_iter().for_each(&mut send);
        if log.finished {
            return;
        }
        sleeper.sleep(RESUME_POLL_MS).await;
        match source.load_log(&log.message_id).await {
            Ok(Some(l)) => log = l,
            _ => return,
        }
    }
}

#[cfg(test)]
#[path = "turn_tests.rs"]
mod tests;
