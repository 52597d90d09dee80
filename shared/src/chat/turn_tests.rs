//! The chat turn over in-memory fakes: what the client receives (the SSE frames) and what is stored.
//! Long because the fakes of all four ports (and a tracing wrapper for two of them) live here with the scenarios
//! that use them.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

use serde_json::{json, Value};

use super::*;
use crate::chat::ChatInput;
use crate::config::{ProviderConfig, ProviderKind};
use crate::llm::test_util::{block_on, ScriptedStream};
use crate::llm::{BreakerConfig, ProviderError, StopReason};
use crate::search::analyze::analyze;
use crate::search::request::SearchRequest;
use crate::search::snippet::Snippet;
use crate::search::types::{Citation, ScoreDetail};
use crate::search::SearchHit;

// ── fakes ────────────────────────────────────────────────────────────────────────────────────────────

#[derive(Debug, Clone, PartialEq)]
struct Row {
    id: String,
    conversation_id: String,
    role: &'static str,
    content: String,
    status: &'static str,
    model: Option<String>,
    tool_calls: Option<Value>,
}

/// Conversations, messages, recent windows and answer logs in memory; counts the writes per turn.
#[derive(Default)]
struct Store {
    conversations: RefCell<Vec<Conversation>>,
    rows: RefCell<Vec<Row>>,
    logs: RefCell<HashMap<String, AnswerLog>>,
    /// Store round trips: (reads, writes of rows, writes of logs and windows).
    reads: Cell<u32>,
    row_writes: Cell<u32>,
    kv_writes: Cell<u32>,
}

impl TurnStore for Store {
    async fn conversation_with_recent(&self, id: &str) -> Result<Option<(Conversation, Vec<ChatMessage>)>, ApiError> {
        self.reads.set(self.reads.get() + 1);
        let conv = self.conversations.borrow().iter().find(|c| c.id == id).cloned();
        Ok(conv.map(|c| (c, self.recent(id))))
    }
    async fn begin(&self, o: &Opening, answer: Option<&Finished>) -> Result<(), ApiError> {
        self.row_writes.set(self.row_writes.get() + 1);
        if let Some(c) = &o.new_conversation {
            self.conversations.borrow_mut().push(Conversation {
                id: o.conversation_id.clone(),
                user_id: c.user_id.clone(),
                session_id: Some(c.session_id.clone()),
            });
        }
        let row = |id: &str, role, content: &str, status| Row {
            id: id.into(),
            conversation_id: o.conversation_id.clone(),
            role,
            content: content.into(),
            status,
            model: None,
            tool_calls: None,
        };
        let mut rows = self.rows.borrow_mut();
        rows.push(row(&o.question_id, "user", &o.question, "complete"));
        let mut a = row(&o.answer_id, "assistant", "", "partial");
        if let Some(f) = answer {
            (a.content, a.status, a.model, a.tool_calls) =
                (f.content.clone(), f.status, f.model.clone(), f.tool_calls.clone());
        }
        rows.push(a);
        Ok(())
    }
    async fn finish(&self, a: &Finished) -> Result<(), ApiError> {
        self.row_writes.set(self.row_writes.get() + 1);
        let mut rows = self.rows.borrow_mut();
        let r = rows.iter_mut().find(|r| r.id == a.answer_id).expect("placeholder");
        r.content = a.content.clone();
        r.status = a.status;
        r.model = a.model.clone();
        r.tool_calls = a.tool_calls.clone();
        Ok(())
    }
    async fn save_log(&self, log: &AnswerLog) -> Result<(), ApiError> {
        self.kv_writes.set(self.kv_writes.get() + 1);
        self.logs.borrow_mut().insert(log.message_id.clone(), log.clone());
        Ok(())
    }
}

impl Store {
    /// Like the D1 store: the last [`RECENT`] non-empty user/assistant rows of the conversation.
    fn recent(&self, conversation_id: &str) -> Vec<ChatMessage> {
        let rows = self.rows.borrow();
        let msgs: Vec<ChatMessage> = rows
            .iter()
            .filter(|r| r.conversation_id == conversation_id && !r.content.is_empty())
            .map(|r| match r.role {
                "user" => ChatMessage::user(r.content.clone()),
                _ => ChatMessage::assistant(r.content.clone()),
            })
            .collect();
        msgs[msgs.len().saturating_sub(RECENT)..].to_vec()
    }

    fn row(&self, id: &str) -> Row {
        self.rows.borrow().iter().find(|r| r.id == id).cloned().expect("row")
    }
}

struct Tools {
    calls: RefCell<Vec<(String, Value)>>,
}

impl ToolRunner for Tools {
    fn specs(&self) -> Vec<ToolSpec> {
        vec![ToolSpec {
            name: "get_pricing".into(),
            description: "prices".into(),
            parameters: json!({ "type": "object" }),
        }]
    }
    async fn run(&self, name: &str, args: &Value) -> Result<ToolOutput, ApiError> {
        self.calls.borrow_mut().push((name.into(), args.clone()));
        match name {
            "get_pricing" => Ok(ToolOutput {
                summary: "C1 visa: IDR 2,300,000".into(),
                value: json!({ "services": [{ "name": "C1 visa", "price_idr": 2_300_000 }] }),
            }),
            _ => Err(ApiError::not_found(format!("no tool named {name:?}"))),
        }
    }
}

fn tools() -> Tools {
    Tools {
        calls: RefCell::default(),
    }
}

/// Returns passages about KITAS for any query, or nothing.
struct Kb {
    empty: bool,
    /// The queries searched, in order.
    queries: RefCell<Vec<String>>,
}

fn hit(n: usize, title: &str, text: &str) -> SearchHit {
    SearchHit {
        chunk_id: format!("c{n}"),
        collection: "visa".into(),
        text: text.into(),
        snippet: Snippet {
            text: text.chars().take(80).collect(),
            highlights: vec![],
        },
        score: 1.0 / n as f64,
        scores: ScoreDetail {
            fused: 1.0,
            bm25: Some(12.0),
            keyword_rank: Some(n),
            vector: None,
            vector_rank: None,
            rerank: None,
        },
        citation: Citation {
            label: format!("{title} — Overview"),
            title: title.into(),
            section: "Overview".into(),
            page: None,
            url: None,
            r2_key: None,
            document_id: format!("d{n}"),
            document_link: format!("/documents/d{n}"),
        },
    }
}

impl Retriever for Kb {
    async fn retrieve(&self, s: &ValidSearch) -> Result<SearchOutcome, ApiError> {
        self.queries.borrow_mut().push(s.query.clone());
        let results = if self.empty {
            vec![]
        } else {
            vec![
                hit(
                    1,
                    "KITAS E33G remote worker",
                    "The E33G remote worker KITAS lets a foreigner employed abroad live in Indonesia for one year. \
                     The remote worker KITAS requires proof of income of USD 60,000 a year.",
                ),
                hit(
                    2,
                    "C1 tourism visa",
                    "The C1 tourism visa allows a stay of 60 days and can be extended twice by 60 days.",
                ),
            ]
        };
        Ok(SearchOutcome {
            query: s.query.clone(),
            mode: "keyword",
            notice: None,
            degraded: false,
            analysis: analyze(&s.query, true),
            vector_top: None,
            collections: None,
            routed_to: vec![],
            expanded_terms: vec![],
            results,
        })
    }
}

type Item = Result<Delta, ProviderError>;

enum Script {
    Fail(ProviderError),
    Stream(Vec<Item>),
}

/// A provider that plays its scripts in order and records the requests.
#[derive(Clone)]
struct Fake {
    scripts: Rc<RefCell<VecDeque<Script>>>,
    calls: Rc<RefCell<Vec<ChatRequest>>>,
}

impl LlmProvider for Fake {
    type Stream = ScriptedStream;
    fn name(&self) -> &str {
        "openai"
    }
    fn model(&self) -> &str {
        "gpt-4o-mini"
    }
    async fn start(&self, req: &ChatRequest) -> Result<ScriptedStream, ProviderError> {
        self.calls.borrow_mut().push(req.clone());
        match self.scripts.borrow_mut().pop_front().expect("unexpected provider call") {
            Script::Fail(e) => Err(e),
            Script::Stream(items) => Ok(ScriptedStream(items.into())),
        }
    }
}

fn fake(scripts: Vec<Script>) -> Fake {
    Fake {
        scripts: Rc::new(RefCell::new(scripts.into())),
        calls: Rc::default(),
    }
}

fn say(parts: &[&str]) -> Script {
    let mut items: Vec<Item> = parts.iter().map(|p| Ok(Delta::Text(p.to_string()))).collect();
    items.push(Ok(Delta::Usage(Usage::new(100, 20))));
    items.push(Ok(Delta::Done {
        stop_reason: StopReason::EndTurn,
    }));
    Script::Stream(items)
}

/// Time advances only when someone sleeps (or a test moves it).
#[derive(Clone, Default)]
struct Clock(Rc<Cell<u64>>);

impl Sleeper for Clock {
    fn now_ms(&self) -> u64 {
        self.0.get()
    }
    async fn sleep(&mut self, ms: u64) {
        self.0.set(self.0.get() + ms);
    }
}

/// An EventOut that records events and frames.
#[derive(Default)]
struct Client {
    events: Vec<ChatEvent>,
    frames: Vec<String>,
}

impl EventOut for Client {
    fn emit(&mut self, event: &ChatEvent, frame: String) {
        self.events.push(event.clone());
        self.frames.push(frame);
    }
}

impl Client {
    fn names(&self) -> Vec<&'static str> {
        self.events.iter().map(ChatEvent::name).collect()
    }
    fn data(&self, name: &str) -> Vec<Value> {
        self.events
            .iter()
            .filter(|e| e.name() == name)
            .map(ChatEvent::data)
            .collect()
    }
    fn text(&self) -> String {
        self.events
            .iter()
            .filter_map(|e| match e {
                ChatEvent::Token { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }
}

// ── harness ──────────────────────────────────────────────────────────────────────────────────────────

struct World {
    store: Store,
    tools: Tools,
    kb: Kb,
    policy: RoutingPolicy,
    providers: Vec<ProviderConfig>,
    breakers: RefCell<BreakerSet>,
    clock: Clock,
    next_id: Cell<u32>,
}

fn world(remote: bool) -> World {
    let mut providers = vec![];
    if remote {
        providers.push(ProviderConfig {
            name: "openai".into(),
            kind: ProviderKind::OpenAiCompatible,
            base_url: "http://llm".into(),
            api_key: Some("k".into()),
            model: "gpt-4o-mini".into(),
        });
    }
    World {
        store: Store::default(),
        tools: tools(),
        kb: Kb {
            empty: false,
            queries: RefCell::default(),
        },
        policy: RoutingPolicy::default(),
        providers,
        breakers: RefCell::new(BreakerSet::new(BreakerConfig::default())),
        clock: Clock::default(),
        next_id: Cell::new(0),
    }
}

fn chat(query: &str, conversation: Option<&str>) -> ValidChat {
    ChatInput {
        query: query.into(),
        session_id: Some("s1".into()),
        conversation_id: conversation.map(Into::into),
        collections: None,
        language: None,
        model: None,
    }
    .validate(&["openai", "gpt-4o-mini"])
    .expect("valid chat")
}

/// The search request a turn runs for `query`.
fn search_for(query: &str, top_k: Option<i64>) -> ValidSearch {
    SearchRequest {
        query: query.into(),
        collections: None,
        top_k,
        mode: None,
        rerank: None,
    }
    .validate(&[])
    .expect("valid search")
}

fn me() -> Caller {
    Caller {
        user_id: None,
        session_id: "s1".into(),
    }
}

impl World {
    fn engine(&self) -> Engine<'_, Store, Tools, Kb, Clock> {
        Engine {
            store: &self.store,
            tools: &self.tools,
            retriever: &self.kb,
            policy: &self.policy,
            providers: &self.providers,
            breakers: &self.breakers,
            clock: self.clock.clone(),
        }
    }

    fn ids(&self) -> TurnIds {
        let n = self.next_id.get();
        self.next_id.set(n + 1);
        TurnIds {
            conversation: format!("conv{n}"),
            question: format!("q{n}"),
            answer: format!("a{n}"),
        }
    }

    /// One turn: prepare, then run with `provider` as the remote, recording what the client gets.
    fn turn(&self, c: &ValidChat, provider: &Fake) -> (Result<TurnResult, ApiError>, Client) {
        let search = search_for(&c.query, Some(PASSAGES));
        let engine = self.engine();
        let mut client = Client::default();
        let r = block_on(async {
            let p = engine.prepare(c, search, &me(), self.ids()).await?;
            engine.run(c, p, |_| provider.clone(), 7, &mut client).await
        });
        (r, client)
    }
}

// ── tests ────────────────────────────────────────────────────────────────────────────────────────────

#[test]
fn a_plain_answer_streams_meta_tokens_sources_done_and_is_stored() {
    let w = world(true);
    let provider = fake(vec![say(&["The E33G ", "KITAS lasts ", "one year [1]."])]);
    let (r, client) = w.turn(&chat("What is the E33G remote worker KITAS?", None), &provider);
    let r = r.expect("answered");

    assert_eq!(client.names(), ["meta", "token", "token", "token", "sources", "done"]);
    let meta = &client.data("meta")[0];
    assert_eq!(meta["provider"], "openai");
    assert_eq!(meta["message_id"], r.message_id.as_str());
    assert_eq!(client.text(), "The E33G KITAS lasts one year [1].");
    let tokens = client.data("token");
    assert_eq!(
        tokens.iter().map(|t| t["seq"].as_u64().unwrap()).collect::<Vec<_>>(),
        [0, 1, 2]
    );
    assert_eq!(client.data("sources")[0]["sources"].as_array().unwrap().len(), 2);
    let done = &client.data("done")[0];
    assert_eq!(done["provider"], "openai");
    assert_eq!(done["fallbacks"], 0);
    assert_eq!(done["usage"], json!({ "input_tokens": 100, "output_tokens": 20 }));

    // Wire format: ids `<message>:<n>`, the event name, the data with sorted keys.
    assert_eq!(
        client.frames[1],
        format!(
            "id: {}:1\nevent: token\ndata: {{\"seq\":0,\"text\":\"The E33G \"}}\n\n",
            r.message_id
        )
    );

    // Stored: the question, the answer complete (the next turn's history); the whole log, finished.
    let q = w.store.row("q0");
    assert_eq!(
        (q.role, q.status, q.content.as_str()),
        ("user", "complete", "What is the E33G remote worker KITAS?")
    );
    let a = w.store.row("a0");
    assert_eq!(
        (a.status, a.content.as_str()),
        ("complete", "The E33G KITAS lasts one year [1].")
    );
    assert_eq!(a.model.as_deref(), Some("gpt-4o-mini"));
    let window = w.store.recent(&r.conversation_id);
    assert_eq!(window.len(), 2);
    assert_eq!(window[1].content, r.answer);
    w.store.reads.set(0);
    let log = w.store.logs.borrow()["a0"].clone();
    assert!(log.finished);
    assert_eq!(log.frames_after(None), client.frames);

    // The model got the system prompt with numbered sources, then the question.
    let req = &provider.calls.borrow()[0];
    assert!(req.messages[0].content.contains("[1] "));
    assert_eq!(
        req.messages.last().unwrap().content,
        "What is the E33G remote worker KITAS?"
    );
    assert_eq!(req.tools.len(), 1);

    // Per turn: one write for the question + placeholder (+ conversation), one for the answer; the log
    // at the first and the last event (no time passed); no read for a new conversation.
    assert_eq!(w.store.row_writes.get(), 2);
    assert_eq!(w.store.kv_writes.get(), 2);
    assert_eq!(w.store.reads.get(), 0);
}

#[test]
fn a_follow_up_sends_the_history_and_keeps_the_window_without_duplicates() {
    let w = world(true);
    let provider = fake(vec![say(&["First answer."]), say(&["Second answer."])]);
    let (r, _) = w.turn(&chat("What is the E33G remote worker KITAS?", None), &provider);
    let conv = r.unwrap().conversation_id;
    w.store.reads.set(0);
    let (r2, _) = w.turn(&chat("And how long does it last?", Some(&conv)), &provider);
    assert_eq!(r2.unwrap().conversation_id, conv);
    assert_eq!(w.store.reads.get(), 1, "the conversation and its window are one read");

    let req = &provider.calls.borrow()[1];
    let contents: Vec<&str> = req.messages[1..].iter().map(|m| m.content.as_str()).collect();
    assert_eq!(
        contents,
        [
            "What is the E33G remote worker KITAS?",
            "First answer.",
            "And how long does it last?"
        ]
    );
    let window: Vec<String> = w.store.recent(&conv).iter().map(|m| m.content.clone()).collect();
    assert_eq!(
        window,
        [
            "What is the E33G remote worker KITAS?",
            "First answer.",
            "And how long does it last?",
            "Second answer."
        ]
    );
    // Someone else's session gets a 404 and nothing is stored.
    let rows = w.store.rows.borrow().len();
    let engine = w.engine();
    let c = chat("Mine?", Some(&conv));
    let search = search_for("Mine?", None);
    let other = Caller {
        user_id: None,
        session_id: "s2".into(),
    };
    let e = block_on(engine.prepare(&c, search, &other, w.ids())).unwrap_err();
    assert_eq!(e.status(), 404);
    assert_eq!(w.store.rows.borrow().len(), rows);
}

#[test]
fn a_follow_up_is_searched_with_the_subject_of_the_question_before() {
    let w = world(false);
    let provider = fake(vec![]);
    let (r, _) = w.turn(&chat("What is the E33G remote worker KITAS?", None), &provider);
    let conv = r.unwrap().conversation_id;
    let (r2, _) = w.turn(&chat("How much does it cost?", Some(&conv)), &provider);
    let r2 = r2.unwrap();
    let queries = w.kb.queries.borrow().clone();
    assert_eq!(queries[0], "What is the E33G remote worker KITAS?");
    assert!(
        queries[1].starts_with("How much does it cost?") && queries[1].contains("e33g"),
        "{queries:?}"
    );
    // The price the question plainly asks for is the E33G's, and the stored question is the one asked.
    let calls = w.tools.calls.borrow().clone();
    let (name, args) = calls.last().expect("a pricing lookup");
    assert_eq!(name, "get_pricing");
    assert!(args.to_string().to_lowercase().contains("e33g"), "{args}");
    let stored: Vec<String> = w.store.recent(&conv).iter().map(|m| m.content.clone()).collect();
    assert_eq!(stored[2], "How much does it cost?");
    assert!(r2.answerable, "{}", r2.answer);
    // A question with its own subject is searched as asked.
    let (r3, _) = w.turn(&chat("What is a PT PMA?", Some(&conv)), &provider);
    r3.unwrap();
    assert_eq!(w.kb.queries.borrow()[2], "What is a PT PMA?");
}

#[test]
fn thanks_get_a_short_reply_without_a_search_or_sources() {
    let w = world(false);
    let provider = fake(vec![]);
    let (r, client) = w.turn(&chat("Grazie mille!", None), &provider);
    let r = r.unwrap();
    assert!(w.kb.queries.borrow().is_empty(), "nothing is searched");
    assert!(r.answer.starts_with("Prego!"), "{}", r.answer);
    assert!(r.sources.is_empty() && r.answerable, "{r:?}");
    let ChatEvent::Meta(meta) = &client.events[0] else {
        panic!("meta first: {:?}", client.events);
    };
    assert_eq!(meta.retrieval_mode, "none");
    // The conversation is stored as any other.
    assert_eq!(w.store.recent(&r.conversation_id).len(), 2);
}

#[test]
fn a_tool_call_runs_the_tool_and_the_model_answers_with_its_result() {
    let w = world(true);
    let call = crate::llm::ToolCall {
        id: "call_1".into(),
        name: "get_pricing".into(),
        arguments: json!({ "service": "C1" }),
    };
    let provider = fake(vec![
        Script::Stream(vec![
            Ok(Delta::ToolCall(call)),
            Ok(Delta::Done {
                stop_reason: StopReason::ToolUse,
            }),
        ]),
        say(&["A C1 visa costs IDR 2,300,000."]),
    ]);
    let (r, client) = w.turn(&chat("Tell me about the tourist visa options", None), &provider);
    let r = r.expect("answered");

    assert_eq!(client.names(), ["meta", "tool", "token", "sources", "done"]);
    let tool = &client.data("tool")[0];
    assert_eq!(tool["name"], "get_pricing");
    assert_eq!(tool["ok"], true);
    assert_eq!(tool["summary"], "C1 visa: IDR 2,300,000");
    assert_eq!(tool["result"]["services"][0]["name"], "C1 visa");
    assert_eq!(
        *w.tools.calls.borrow(),
        [("get_pricing".to_string(), json!({ "service": "C1" }))]
    );
    // The second request carries the call and its result.
    let second = &provider.calls.borrow()[1];
    let last = second.messages.last().unwrap();
    assert_eq!(last.tool_call_id.as_deref(), Some("call_1"));
    assert_eq!(last.content, "C1 visa: IDR 2,300,000");
    // Stored with the tool log.
    let a = w.store.row(&r.message_id);
    assert_eq!(a.content, "A C1 visa costs IDR 2,300,000.");
    assert_eq!(a.tool_calls.unwrap()[0]["name"], "get_pricing");
    assert_eq!(r.tools.len(), 1);
}

#[test]
fn an_unknown_tool_is_an_error_event_not_a_failed_turn() {
    let w = world(true);
    let call = crate::llm::ToolCall {
        id: "call_1".into(),
        name: "launch_rockets".into(),
        arguments: json!({}),
    };
    let provider = fake(vec![
        Script::Stream(vec![
            Ok(Delta::ToolCall(call)),
            Ok(Delta::Done {
                stop_reason: StopReason::ToolUse,
            }),
        ]),
        say(&["I cannot do that."]),
    ]);
    let (r, client) = w.turn(&chat("Tell me about the tourist visa options", None), &provider);
    assert!(r.is_ok());
    let tool = &client.data("tool")[0];
    assert_eq!(tool["ok"], false);
    assert_eq!(tool["error"]["code"], "not_found");
    assert!(tool.get("result").is_none());
    assert!(provider.calls.borrow()[1]
        .messages
        .last()
        .unwrap()
        .content
        .starts_with("error: "));
}

#[test]
fn a_provider_failing_mid_stream_falls_back_to_offline_which_continues_the_answer() {
    let w = world(true);
    let provider = fake(vec![Script::Stream(vec![
        Ok(Delta::Text("The E33G remote worker KITAS ".into())),
        Err(ProviderError::status(400, "bad request mid-stream")),
    ])]);
    let (r, client) = w.turn(&chat("What is the E33G remote worker KITAS?", None), &provider);
    let r = r.expect("the offline provider finishes the answer");

    let names = client.names();
    assert_eq!(names[..2], ["meta", "token"]);
    let fallback = client
        .data("meta")
        .into_iter()
        .find(|m| m.get("fallback").is_some())
        .expect("a fallback notice");
    assert_eq!(fallback["fallback"]["from"], "openai");
    assert_eq!(fallback["fallback"]["to"], "offline");
    assert_eq!(fallback["fallback"]["mid_stream"], true);
    assert_eq!(names[names.len() - 2..], ["sources", "done"]);
    assert!(client.text().starts_with("The E33G remote worker KITAS "));
    assert!(client.text().len() > "The E33G remote worker KITAS ".len());
    let done = &client.data("done")[0];
    assert_eq!(done["provider"], "offline");
    assert_eq!(done["fallbacks"], 1);
    // What the client read is what is stored.
    assert_eq!(w.store.row(&r.message_id).content, client.text());
    assert_eq!(r.answer, client.text());
}

/// Fails every retrieval: the turn fails after the placeholder was stored.
struct BrokenKb;

impl Retriever for BrokenKb {
    async fn retrieve(&self, _: &ValidSearch) -> Result<SearchOutcome, ApiError> {
        Err(ApiError::internal("D1 is down"))
    }
}

/// The world's engine over a knowledge base that fails every search.
fn broken(w: &World) -> Engine<'_, Store, Tools, BrokenKb, Clock> {
    Engine {
        store: &w.store,
        tools: &w.tools,
        retriever: &BrokenKb,
        policy: &w.policy,
        providers: &w.providers,
        breakers: &w.breakers,
        clock: w.clock.clone(),
    }
}

#[test]
fn a_failed_turn_is_stored_as_failed_and_ends_with_an_error_event() {
    let w = world(false);
    let engine = broken(&w);
    let c = chat("What is the E33G remote worker KITAS?", None);
    let search = search_for(&c.query, None);
    let mut client = Client::default();
    let ids = w.ids();
    let p = block_on(engine.prepare(&c, search, &me(), ids)).unwrap();
    // Nothing is written until the turn runs; a streamed turn then writes the placeholder first.
    assert!(w.store.rows.borrow().is_empty());
    let e = block_on(engine.run(&c, p, |_| fake(vec![]), 7, &mut client)).unwrap_err();
    assert_eq!(e.status(), 500);
    assert_eq!(client.names(), ["error"]);
    assert_eq!(w.store.row("a0").status, "failed");
    assert!(w.store.logs.borrow()["a0"].finished);
}

#[test]
fn a_failed_turn_answered_whole_is_stored_once_as_failed() {
    let w = world(false);
    let engine = broken(&w);
    let c = chat("What is the E33G remote worker KITAS?", None);
    let p = block_on(engine.prepare(&c, search_for(&c.query, None), &me(), w.ids())).unwrap();
    let mut out = Collect::default();
    let e = block_on(engine.run(&c, p, |_| fake(vec![]), 7, &mut out)).unwrap_err();
    assert_eq!(e.status(), 500);
    // The question and the failed answer, in one write; no event log.
    assert_eq!(w.store.row_writes.get(), 1);
    assert_eq!(w.store.row("q0").status, "complete");
    assert_eq!(w.store.row("a0").status, "failed");
    assert!(w.store.logs.borrow().is_empty());
}

#[test]
fn a_client_that_leaves_mid_stream_can_resume_from_its_last_event_id() {
    let w = world(true);
    let provider = fake(vec![say(&["One ", "two ", "three ", "four."])]);
    // The clock moves 600 ms per event: the stored log trails the stream, at most a second behind.
    struct Ticking {
        client: Client,
        clock: Clock,
    }
    impl EventOut for Ticking {
        fn emit(&mut self, event: &ChatEvent, frame: String) {
            self.clock.0.set(self.clock.0.get() + 600);
            self.client.emit(event, frame);
        }
    }
    let c = chat("What is the E33G remote worker KITAS?", None);
    let search = search_for(&c.query, None);
    let engine = w.engine();
    let mut out = Ticking {
        client: Client::default(),
        clock: w.clock.clone(),
    };
    let r = block_on(async {
        let p = engine.prepare(&c, search, &me(), w.ids()).await?;
        engine.run(&c, p, |_| provider.clone(), 7, &mut out).await
    })
    .unwrap();
    let frames = out.client.frames;
    // Fewer log writes than events, but the last one holds everything.
    let kv = w.store.kv_writes.get();
    assert!(kv < frames.len() as u32 && kv >= 2, "{kv} log writes");
    let log = w.store.logs.borrow()[&r.message_id].clone();
    assert_eq!(log.events.len(), frames.len());

    // The client saw the meta and two tokens, then the connection dropped.
    let last = format!("{}:2", r.message_id);
    assert_eq!(crate::chat::events::message_of(&last), Some(r.message_id.as_str()));
    let rest = log.frames_after(Some(&last));
    assert_eq!(rest, frames[3..]);
    assert!(rest[0].starts_with(&format!("id: {}:3\nevent: token\n", r.message_id)));
    assert!(rest.last().unwrap().contains("event: done"));
    // The answer was stored complete all the same.
    assert_eq!(w.store.row(&r.message_id).status, "complete");
}

#[test]
fn unrelated_sources_make_the_offline_answer_abstain() {
    let mut w = world(false);
    w.kb = Kb {
        empty: true,
        queries: RefCell::default(),
    };
    let (r, client) = w.turn(&chat("What is the capital of Mongolia?", None), &fake(vec![]));
    let r = r.expect("answered");
    assert!(!r.answerable);
    let done = &client.data("done")[0];
    assert_eq!(done["answerable"], false);
    assert_eq!(done["provider"], "offline");
    assert_eq!(client.data("sources")[0]["sources"], json!([]));
    // The abstention is an answer, stored complete, not a made-up one.
    let text = client.text();
    assert!(!text.is_empty());
    assert!(!text.contains("[1]"), "{text}");
    assert_eq!(w.store.row(&r.message_id).status, "complete");
}

#[test]
fn a_question_that_asks_for_a_price_runs_the_pricing_tool_before_any_model() {
    let w = world(false);
    let (r, client) = w.turn(&chat("How much is a C1 tourism visa?", None), &fake(vec![]));
    let r = r.expect("answered");
    let names = client.names();
    assert_eq!(names[..2], ["meta", "tool"]);
    assert!(names.iter().position(|n| *n == "tool") < names.iter().position(|n| *n == "token"));
    assert!(r.answerable);
    assert_eq!(r.provider, "offline");
}

/// A port that records when each call starts and ends, and waits one poll in between, as a store waits on I/O.
struct Traced<'a, T> {
    inner: &'a T,
    trace: &'a RefCell<Vec<String>>,
}

impl<T> Traced<'_, T> {
    async fn around<R>(&self, what: &str, call: impl std::future::Future<Output = R>) -> R {
        self.trace.borrow_mut().push(format!("{what} start"));
        crate::search::coalesce::yield_once().await;
        let r = call.await;
        self.trace.borrow_mut().push(format!("{what} end"));
        r
    }
}

impl<T: Retriever> Retriever for Traced<'_, T> {
    async fn retrieve(&self, s: &ValidSearch) -> Result<SearchOutcome, ApiError> {
        self.around("retrieve", self.inner.retrieve(s)).await
    }
}

impl<T: ToolRunner> ToolRunner for Traced<'_, T> {
    fn specs(&self) -> Vec<ToolSpec> {
        self.inner.specs()
    }
    async fn run(&self, name: &str, args: &Value) -> Result<ToolOutput, ApiError> {
        self.around(name, self.inner.run(name, args)).await
    }
}

/// The tools a question implies are in flight with the retrieval (a D1 store sends both reads in one batch, see
/// `search::coalesce`), and their events still come after `meta`.
#[test]
fn implied_tools_run_beside_retrieval_and_their_events_follow_meta() {
    let w = world(false);
    let trace = RefCell::new(Vec::new());
    let (tools, kb) = (
        Traced {
            inner: &w.tools,
            trace: &trace,
        },
        Traced {
            inner: &w.kb,
            trace: &trace,
        },
    );
    let engine = Engine {
        store: &w.store,
        tools: &tools,
        retriever: &kb,
        policy: &w.policy,
        providers: &w.providers,
        breakers: &w.breakers,
        clock: w.clock.clone(),
    };
    let c = chat("How much is a C1 tourism visa?", None);
    let mut client = Client::default();
    let r = crate::llm::test_util::block_on_polling(async {
        let p = engine
            .prepare(&c, search_for(&c.query, Some(PASSAGES)), &me(), w.ids())
            .await?;
        engine.run(&c, p, |_| fake(vec![]), 7, &mut client).await
    });
    assert!(r.expect("answered").answerable);
    assert_eq!(
        *trace.borrow(),
        ["retrieve start", "get_pricing start", "retrieve end", "get_pricing end"]
    );
    assert_eq!(client.names()[..2], ["meta", "tool"]);
    assert_eq!(client.data("tool")[0]["name"], "get_pricing");
}

#[test]
fn a_provider_refusing_the_request_falls_back_before_any_token() {
    let w = world(true);
    let provider = fake(vec![Script::Fail(ProviderError::status(401, "bad key"))]);
    let (r, client) = w.turn(&chat("What is the E33G remote worker KITAS?", None), &provider);
    let r = r.expect("offline answers");
    let names = client.names();
    // meta, then the fallback notice (also `meta`), then the offline answer.
    assert_eq!(names[..3], ["meta", "meta", "token"]);
    assert_eq!(client.data("meta")[1]["fallback"]["mid_stream"], false);
    assert_eq!(r.provider, "offline");
    assert_eq!(r.fallbacks, 1);
    assert_eq!(w.store.row(&r.message_id).content, client.text());
}

#[test]
fn an_answer_returned_whole_is_stored_in_its_message_without_an_event_log() {
    let w = world(true);
    let provider = fake(vec![say(&["One ", "two."])]);
    let c = chat("What is the E33G remote worker KITAS?", None);
    let search = search_for(&c.query, None);
    let engine = w.engine();
    let mut out = Collect::default();
    let r = block_on(async {
        let p = engine.prepare(&c, search, &me(), w.ids()).await?;
        engine.run(&c, p, |_| provider.clone(), 7, &mut out).await
    })
    .unwrap();
    // No client can reconnect to a one-shot answer: no event log, and one write for the whole turn.
    assert_eq!(w.store.kv_writes.get(), 0);
    assert!(w.store.logs.borrow().is_empty());
    assert_eq!(w.store.row_writes.get(), 1);
    assert_eq!(w.store.row("q0").content, c.query);
    let row = w.store.row(&r.message_id);
    assert_eq!((row.status, row.content.as_str()), ("complete", "One two."));
    assert_eq!(out.0, ["meta", "token", "token", "sources", "done"]);
}

/// The engine's own CPU per turn (retrieval, stores and tools faked): `cargo test --release -p
/// nuzantara-shared turn_cost -- --ignored --nocapture`.
#[test]
#[ignore]
fn turn_cost() {
    let w = world(false);
    let c = chat("How much is a C1 tourism visa and can I extend it?", None);
    let n = 300;
    let t = std::time::Instant::now();
    for _ in 0..n {
        let (r, _) = w.turn(&c, &fake(vec![]));
        r.unwrap();
    }
    println!(
        "turn_cost: {:.3} ms per turn",
        t.elapsed().as_secs_f64() * 1000.0 / n as f64
    );
}

/// Serves the stored logs one after the other, as a running answer's log grows.
struct Growing(RefCell<VecDeque<AnswerLog>>);

impl LogSource for Growing {
    async fn load_log(&self, _: &str) -> Result<Option<AnswerLog>, ApiError> {
        Ok(self.0.borrow_mut().pop_front())
    }
}

#[test]
fn resuming_a_running_answer_follows_its_log_without_repeating_events() {
    let token = |t: &str| ChatEvent::Token { text: t.into(), seq: 0 };
    let mut log = AnswerLog::new("m");
    let mut all = vec![];
    all.push(log.push(&token("a")));
    all.push(log.push(&token("b")));
    let first = log.clone();
    all.push(log.push(&token("c")));
    let second = log.clone();
    all.push(log.push(&ChatEvent::Sources { sources: vec![] }));
    all.push(log.push(&ChatEvent::Error {
        code: "x".into(),
        message: "y".into(),
    }));
    // The client had m:2 ("c") already; the first stored copy is still behind it.
    let source = Growing(RefCell::new(vec![second, log.clone()].into()));
    let mut clock = Clock::default();
    let mut got = vec![];
    block_on(follow(first, "m:2", &source, &mut clock, |f| got.push(f)));
    assert_eq!(got, all[3..]);
    assert_eq!(clock.0.get(), 2 * RESUME_POLL_MS);
}

#[test]
fn caller_context_and_limits_reach_the_model_and_a_cut_answer_ends_with_max_tokens() {
    let w = world(true);
    let cut = Script::Stream(vec![
        Ok(Delta::Text("The E33G ".into())),
        Ok(Delta::Done {
            stop_reason: StopReason::MaxTokens,
        }),
    ]);
    let provider = fake(vec![cut]);
    let mut c = chat("What is the E33G remote worker KITAS?", None);
    c.context = vec![
        ChatMessage::system("Answer in one line."),
        ChatMessage::user("I work remotely."),
        ChatMessage::assistant("Noted."),
    ];
    c.generation = crate::chat::Generation {
        max_tokens: Some(16),
        temperature: Some(0.2),
        top_p: None,
        stop: vec!["END".into()],
    };
    let (r, client) = w.turn(&c, &provider);
    let r = r.expect("answered");
    assert_eq!(r.stop_reason, StopReason::MaxTokens);
    assert_eq!(client.data("done")[0]["stop_reason"], "max_tokens");
    let req = &provider.calls.borrow()[0];
    assert_eq!(
        (req.max_tokens, req.temperature, req.stop.clone()),
        (16, Some(0.2), vec!["END".to_string()])
    );
    let sys = &req.messages[0].content;
    assert!(sys.contains("[1] ") && sys.ends_with("Answer in one line.\n"), "{sys}");
    let rest: Vec<(Role, &str)> = req.messages[1..].iter().map(|m| (m.role, m.content.as_str())).collect();
    assert_eq!(
        rest,
        [
            (Role::User, "I work remotely."),
            (Role::Assistant, "Noted."),
            (Role::User, "What is the E33G remote worker KITAS?")
        ]
    );
    // No usage reported: estimated rather than zero.
    assert!(r.usage.output_tokens > 0 && r.usage.input_tokens > 0);
}
