use std::collections::VecDeque;

use super::*;
use crate::llm::backend::Backend;
use crate::llm::breaker::BreakerState;
use crate::llm::offline::{Lang, OfflineContext, OfflineProvider, Passage};
use crate::llm::test_util::{block_on, ScriptedStream};
use crate::llm::types::{ChatMessage, CONTINUE_INSTRUCTION};

type Item = Result<Delta, ProviderError>;

enum Script {
    Fail(ProviderError),
    Stream(Vec<Item>),
}

/// A provider that plays its scripts in order, one per call, and records the requests.
struct Fake {
    name: &'static str,
    model: &'static str,
    scripts: RefCell<VecDeque<Script>>,
    calls: RefCell<Vec<ChatRequest>>,
}

impl Fake {
    fn new(name: &'static str, scripts: Vec<Script>) -> Self {
        Self {
            name,
            model: "gpt-4o-mini",
            scripts: RefCell::new(scripts.into()),
            calls: RefCell::default(),
        }
    }
    fn calls(&self) -> usize {
        self.calls.borrow().len()
    }
}

impl LlmProvider for Fake {
    type Stream = ScriptedStream;
    fn name(&self) -> &str {
        self.name
    }
    fn model(&self) -> &str {
        self.model
    }
    async fn start(&self, req: &ChatRequest) -> Result<ScriptedStream, ProviderError> {
        self.calls.borrow_mut().push(req.clone());
        match self
            .scripts
            .borrow_mut()
            .pop_front()
            .unwrap_or_else(|| panic!("unexpected call to {}", self.name))
        {
            Script::Fail(e) => Err(e),
            Script::Stream(items) => Ok(ScriptedStream(items.into())),
        }
    }
}

fn text(s: &str) -> Item {
    Ok(Delta::Text(s.into()))
}
fn done() -> Item {
    Ok(Delta::Done {
        stop_reason: StopReason::EndTurn,
    })
}
fn answer(parts: &[&str]) -> Script {
    let mut items: Vec<Item> = parts.iter().map(|p| text(p)).collect();
    items.push(Ok(Delta::Usage(Usage::new(10, 5))));
    items.push(done());
    Script::Stream(items)
}
fn fail(status: u16) -> Script {
    Script::Fail(ProviderError::status(status, "boom"))
}

struct Clock {
    now: u64,
    slept: Vec<u64>,
}

impl Sleeper for Clock {
    fn now_ms(&self) -> u64 {
        self.now
    }
    async fn sleep(&mut self, ms: u64) {
        self.slept.push(ms);
        self.now += ms;
    }
}

#[derive(Default)]
struct Sink {
    deltas: Vec<Delta>,
    notices: Vec<FallbackNotice>,
    close_after_texts: Option<usize>,
}

impl Sink {
    fn text(&self) -> String {
        crate::llm::test_util::text_of(&self.deltas)
    }
}

impl ChatSink for Sink {
    async fn on_delta(&mut self, delta: &Delta) -> Result<(), SinkClosed> {
        self.deltas.push(delta.clone());
        let texts = self.deltas.iter().filter(|d| matches!(d, Delta::Text(_))).count();
        match self.close_after_texts {
            Some(n) if texts >= n => Err(SinkClosed),
            _ => Ok(()),
        }
    }
    async fn on_fallback(&mut self, notice: &FallbackNotice) -> Result<(), SinkClosed> {
        self.notices.push(notice.clone());
        Ok(())
    }
}

struct Harness {
    policy: RoutingPolicy,
    breakers: RefCell<BreakerSet>,
    now: u64,
}

impl Harness {
    fn new() -> Self {
        Self {
            policy: RoutingPolicy::default(),
            breakers: RefCell::default(),
            now: 0,
        }
    }

    fn run<P: LlmProvider>(&self, candidates: &[P], sink: &mut Sink) -> (Result<RouteOutcome, RouteError>, Vec<u64>) {
        let clock = Clock {
            now: self.now,
            slept: Vec::new(),
        };
        let mut router = Router::new(&self.policy, &self.breakers, clock, 7);
        let req = ChatRequest::new(vec![ChatMessage::user("Does a PMA need an NIB?")], 400);
        let out = block_on(router.run(candidates, &req, sink));
        (out, router.sleeper.slept)
    }
}

fn outcomes(attempts: &[Attempt]) -> Vec<&str> {
    attempts.iter().map(|a| a.outcome.as_str()).collect()
}

#[test]
fn a_500_is_retried_with_backoff_then_the_next_provider_answers() {
    let h = Harness::new();
    let cands = [
        Fake::new("a", vec![fail(500), fail(500), fail(500)]),
        Fake::new("b", vec![answer(&["Hello ", "world"])]),
    ];
    let mut sink = Sink::default();
    let (out, slept) = h.run(&cands, &mut sink);
    let out = out.unwrap();
    assert_eq!((cands[0].calls(), cands[1].calls()), (3, 1));
    assert_eq!(slept.len(), 2);
    assert!(
        slept[0] < 250 && slept[1] < 500,
        "full jitter under the exponential ceiling: {slept:?}"
    );
    assert_eq!(
        (out.provider.as_str(), out.fallbacks, out.text.as_str()),
        ("b", 1, "Hello world")
    );
    assert_eq!(sink.text(), "Hello world");
    assert_eq!(
        sink.notices,
        [FallbackNotice {
            from: "a".into(),
            to: "b".into(),
            reason: "http_500".into(),
            mid_stream: false,
            fallbacks: 1
        }]
    );
    assert_eq!(outcomes(&out.attempts), ["http_500", "http_500", "http_500", "ok"]);
    assert_eq!(out.attempts[3].slept_ms, 0);
    assert_eq!(h.breakers.borrow().state("a"), BreakerState::Closed { failures: 3 });
}

#[test]
fn a_429_with_retry_after_sleeps_exactly_that_long() {
    let h = Harness::new();
    let limited = ProviderError::status(429, "slow down").with_retry_after_ms(Some(2_000));
    let cands = [Fake::new("a", vec![Script::Fail(limited), answer(&["ok"])])];
    let (out, slept) = h.run(&cands, &mut Sink::default());
    let out = out.unwrap();
    assert_eq!(slept, [2_000]);
    assert_eq!((out.provider.as_str(), out.fallbacks), ("a", 0));
    assert_eq!(out.attempts[1].slept_ms, 2_000);
}

#[test]
fn retry_after_beyond_the_cap_or_the_budget_fails_over_without_sleeping() {
    let mut h = Harness::new();
    let long = ProviderError::status(429, "").with_retry_after_ms(Some(60_000));
    let cands = [
        Fake::new("a", vec![Script::Fail(long)]),
        Fake::new("b", vec![answer(&["ok"])]),
    ];
    let (out, slept) = h.run(&cands, &mut Sink::default());
    assert!(slept.is_empty());
    assert_eq!(out.unwrap().fallbacks, 1);

    h.policy.retry.budget_ms = 100;
    let later = ProviderError::status(503, "").with_retry_after_ms(Some(1_000));
    let cands = [
        Fake::new("a", vec![Script::Fail(later)]),
        Fake::new("b", vec![answer(&["ok"])]),
    ];
    let (out, slept) = h.run(&cands, &mut Sink::default());
    assert!(slept.is_empty(), "a sleep past the budget is not worth it");
    assert_eq!(out.unwrap().provider, "b");
}

#[test]
fn client_errors_are_not_retried_and_a_400_does_not_count_against_the_provider() {
    let h = Harness::new();
    let cands = [
        Fake::new("a", vec![fail(400)]),
        Fake::new("b", vec![fail(401)]),
        Fake::new("c", vec![answer(&["ok"])]),
    ];
    let (out, slept) = h.run(&cands, &mut Sink::default());
    assert!(slept.is_empty());
    assert_eq!((cands[0].calls(), cands[1].calls()), (1, 1));
    assert_eq!(out.unwrap().fallbacks, 2);
    assert_eq!(h.breakers.borrow().state("a"), BreakerState::Closed { failures: 0 });
    assert_eq!(h.breakers.borrow().state("b"), BreakerState::Closed { failures: 1 });
}

#[test]
fn an_open_circuit_is_skipped_and_after_the_cooldown_one_probe_goes_through() {
    let mut h = Harness::new();
    for _ in 0..5 {
        h.breakers.borrow_mut().record_failure("a", 0);
    }
    let cands = [
        Fake::new("a", vec![answer(&["probe ok"])]),
        Fake::new("b", vec![answer(&["from b"])]),
    ];
    let mut sink = Sink::default();
    let (out, _) = h.run(&cands, &mut sink);
    let out = out.unwrap();
    assert_eq!(cands[0].calls(), 0);
    assert_eq!((out.provider.as_str(), out.fallbacks), ("b", 0));
    assert_eq!(outcomes(&out.attempts), ["circuit_open", "ok"]);
    assert!(sink.notices.is_empty(), "nothing failed in front of the user");

    h.now = 30_000;
    let (out, _) = h.run(&cands, &mut Sink::default());
    assert_eq!(out.unwrap().provider, "a");
    assert_eq!(h.breakers.borrow().state("a"), BreakerState::Closed { failures: 0 });
}

#[test]
fn a_failed_half_open_probe_reopens_the_circuit_and_stops_retries() {
    let mut h = Harness::new();
    for _ in 0..5 {
        h.breakers.borrow_mut().record_failure("a", 0);
    }
    h.now = 30_000;
    let cands = [Fake::new("a", vec![fail(503)]), Fake::new("b", vec![answer(&["ok"])])];
    let (out, slept) = h.run(&cands, &mut Sink::default());
    let out = out.unwrap();
    assert_eq!(cands[0].calls(), 1);
    assert_eq!(outcomes(&out.attempts), ["http_503", "ok"]);
    assert!(
        slept.is_empty(),
        "no waiting for a provider whose circuit just reopened"
    );
    assert!(matches!(h.breakers.borrow().state("a"), BreakerState::Open { .. }));
}

#[test]
fn a_mid_stream_cut_is_continued_by_the_next_provider_and_the_client_sees_each_word_once() {
    let h = Harness::new();
    let cut = Script::Stream(vec![
        text("The C1 visa costs "),
        text("IDR 2,300,000 for"),
        Err(ProviderError::connection("connection reset")),
    ]);
    let resume = answer(&["IDR 2,300,000 for", " 60 days and can be", " extended once."]);
    let cands = [Fake::new("a", vec![cut]), Fake::new("b", vec![resume])];
    let mut sink = Sink::default();
    let (out, slept) = h.run(&cands, &mut sink);
    let out = out.unwrap();
    let whole = "The C1 visa costs IDR 2,300,000 for 60 days and can be extended once.";
    assert_eq!(sink.text(), whole);
    assert_eq!(out.text, whole);
    assert_eq!((out.provider.as_str(), out.fallbacks), ("b", 1));
    assert!(
        slept.is_empty() && cands[0].calls() == 1,
        "progress made: continue elsewhere, not restart"
    );
    assert_eq!(sink.notices[0].reason, "connection");
    assert!(sink.notices[0].mid_stream);
    let continued = &cands[1].calls.borrow()[0];
    assert_eq!(
        continued.continue_from.as_deref(),
        Some("The C1 visa costs IDR 2,300,000 for")
    );
    let wire = continued.wire_messages();
    assert_eq!(
        wire[wire.len() - 2],
        ChatMessage::assistant("The C1 visa costs IDR 2,300,000 for")
    );
    assert_eq!(wire[wire.len() - 1].content, CONTINUE_INSTRUCTION);
    assert_eq!(out.attempts[0].chars_sent + out.attempts[1].chars_sent, whole.len());
}

#[test]
fn a_stream_that_ends_without_a_stop_is_a_failure_too() {
    let h = Harness::new();
    let cands = [
        Fake::new("a", vec![Script::Stream(vec![text("Partial answer")])]),
        Fake::new("b", vec![answer(&[" and the rest."])]),
    ];
    let mut sink = Sink::default();
    let (out, _) = h.run(&cands, &mut sink);
    let out = out.unwrap();
    assert_eq!(sink.text(), "Partial answer and the rest.");
    assert_eq!(outcomes(&out.attempts), ["truncated", "ok"]);
}

fn offline() -> OfflineProvider {
    OfflineProvider::new(OfflineContext {
        query: String::new(),
        lang: Lang::En,
        passages: vec![Passage {
            title: "PP 28/2025".into(),
            label: "PP 28/2025 Pasal 211".into(),
            text: "Every PMA must hold an NIB issued through OSS.".into(),
        }],
        ..Default::default()
    })
}

#[test]
fn when_every_remote_provider_fails_offline_still_answers() {
    let h = Harness::new();
    let cands = [
        Backend::Remote(Fake::new("a", vec![fail(401)])),
        Backend::Remote(Fake::new("b", vec![fail(503), fail(503), fail(503)])),
        Backend::Offline(offline()),
    ];
    let mut sink = Sink::default();
    let (out, _) = h.run(&cands, &mut sink);
    let out = out.unwrap();
    assert_eq!(
        (out.provider.as_str(), out.model.as_str(), out.fallbacks),
        ("offline", "offline-extractive", 2)
    );
    assert!(
        sink.text()
            .contains("Every PMA must hold an NIB issued through OSS. [1]"),
        "{}",
        sink.text()
    );
    assert_eq!(sink.text(), out.text);
    assert!(out.usage.output_tokens > 0);
    assert_eq!(out.cost_usd, Some(0.0));
}

#[test]
fn offline_continues_a_broken_answer_without_a_second_lead() {
    let h = Harness::new();
    let cut = Script::Stream(vec![text("An NIB is required"), Err(ProviderError::status(503, ""))]);
    let cands = [Backend::Remote(Fake::new("a", vec![cut])), Backend::Offline(offline())];
    let mut sink = Sink::default();
    let (out, _) = h.run(&cands, &mut sink);
    let out = out.unwrap();
    assert!(
        sink.text().starts_with("An NIB is required\n\n- Every PMA"),
        "{}",
        sink.text()
    );
    assert!(!sink.text().contains("unavailable"));
    assert_eq!((out.fallbacks, sink.notices[0].mid_stream), (1, true));
}

#[test]
fn tool_calls_are_delivered_only_from_a_completed_response() {
    let h = Harness::new();
    let call = |id: &str| ToolCall {
        id: id.into(),
        name: "prices".into(),
        arguments: serde_json::json!({}),
    };
    let cands = [Fake::new(
        "a",
        vec![
            Script::Stream(vec![
                Ok(Delta::ToolCall(call("lost"))),
                Err(ProviderError::timeout("read timeout")),
            ]),
            Script::Stream(vec![
                Ok(Delta::ToolCall(call("kept"))),
                Ok(Delta::Done {
                    stop_reason: StopReason::ToolUse,
                }),
            ]),
        ],
    )];
    let mut sink = Sink::default();
    let (out, slept) = h.run(&cands, &mut sink);
    let out = out.unwrap();
    assert_eq!(slept.len(), 1, "nothing was shown, so the same provider is retried");
    assert_eq!(sink.deltas, [Delta::ToolCall(call("kept"))]);
    assert_eq!(
        (out.tool_calls, out.stop_reason),
        (vec![call("kept")], StopReason::ToolUse)
    );
}

#[test]
fn a_closed_sink_stops_generation() {
    let h = Harness::new();
    let cands = [
        Fake::new("a", vec![answer(&["one ", "two ", "three"])]),
        Fake::new("b", vec![]),
    ];
    let mut sink = Sink {
        close_after_texts: Some(1),
        ..Sink::default()
    };
    let (out, _) = h.run(&cands, &mut sink);
    let out = out.unwrap();
    assert!(out.client_gone);
    assert_eq!((sink.text().as_str(), cands[1].calls()), ("one ", 0));
    assert_eq!(outcomes(&out.attempts), ["client_gone"]);
}

#[test]
fn usage_is_summed_over_calls_and_priced_per_model() {
    let h = Harness::new();
    let a = Fake::new(
        "a",
        vec![Script::Stream(vec![
            text("Forty characters of text, give or take.."),
            Err(ProviderError::status(502, "")),
        ])],
    );
    let mut b = Fake::new("b", vec![answer(&[" Done."])]);
    b.model = "claude-sonnet-4-5";
    let (out, _) = h.run(&[a, b], &mut Sink::default());
    let out = out.unwrap();
    let req_tokens = ChatRequest::new(vec![ChatMessage::user("Does a PMA need an NIB?")], 400).estimated_input_tokens();
    assert_eq!(
        out.attempts[0].usage,
        Usage::new(req_tokens, 10),
        "a cut stream's usage is estimated"
    );
    assert_eq!(out.usage, Usage::new(req_tokens + 10, 15));
    let expected = (req_tokens as f64 * 0.15 + 10.0 * 0.6) / 1e6 + (10.0 * 3.0 + 5.0 * 15.0) / 1e6;
    assert!((out.cost_usd.unwrap() - expected).abs() < 1e-12);
}

#[test]
fn no_candidates_or_all_failing_is_an_error_carrying_the_last_failure() {
    let h = Harness::new();
    let (out, _) = h.run::<Fake>(&[], &mut Sink::default());
    assert_eq!(out.unwrap_err().last, None);
    let cands = [Fake::new(
        "a",
        vec![Script::Stream(vec![text("Half"), Err(ProviderError::status(401, ""))])],
    )];
    let err = h.run(&cands, &mut Sink::default()).0.unwrap_err();
    assert_eq!(err.last.unwrap().kind, crate::llm::ErrorKind::Status(401));
    assert_eq!(err.partial_text, "Half");
    let api: ApiError = RouteError {
        last: None,
        attempts: vec![],
        partial_text: String::new(),
    }
    .into();
    assert_eq!(api.status(), 503);
}
