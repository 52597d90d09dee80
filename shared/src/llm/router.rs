//! Fallback orchestration: try the candidates in policy order, skip open circuits, retry what is worth
//! retrying, and when a stream breaks mid-answer let the next provider continue it, so the client reads
//! one answer with each character sent once.
#![allow(async_fn_in_trait)] // single-threaded WASM: the futures need not be Send.

use std::cell::RefCell;

use serde::Serialize;

use super::breaker::{BreakerSet, BreakerState};
use super::error::ProviderError;
use super::overlap::Overlap;
use super::policy::{CostTable, RoutingPolicy};
use super::provider::{DeltaStream, LlmProvider};
use super::retry::{Jitter, RetryPolicy};
use super::types::{ChatRequest, Delta, StopReason, ToolCall, Usage};
use crate::error::ApiError;

/// Time as the router sees it; tests use a fake clock that records the sleeps.
pub trait Sleeper {
    fn now_ms(&self) -> u64;
    async fn sleep(&mut self, ms: u64);
}

/// The client has gone: stop generating (and paying for) tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SinkClosed;

/// Where the answer goes as it is made, e.g. the worker's SSE writer.
pub trait ChatSink {
    /// `Text` as it arrives, each character once across fallbacks; `ToolCall`s once the response that
    /// made them has completed (a failed response's calls are dropped). Usage and stop reason are in
    /// the [`RouteOutcome`].
    async fn on_delta(&mut self, delta: &Delta) -> Result<(), SinkClosed>;
    /// A provider failed and another takes over; `mid_stream` when the client already has part of the
    /// answer, which the new provider continues.
    async fn on_fallback(&mut self, notice: &FallbackNotice) -> Result<(), SinkClosed>;
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FallbackNotice {
    pub from: String,
    pub to: String,
    /// The failure's code, e.g. `http_503`, `timeout`.
    pub reason: String,
    pub mid_stream: bool,
    /// Fallbacks so far, this one included.
    pub fallbacks: u32,
}

/// One call to a provider, or one skip of it, for the log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attempt {
    pub provider: String,
    pub model: String,
    /// `ok`, `circuit_open`, `client_gone`, or the error code.
    pub outcome: String,
    /// Characters of answer this call sent to the client.
    pub chars_sent: usize,
    pub usage: Usage,
    /// Backoff slept before this call.
    pub slept_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RouteOutcome {
    /// The provider and model that finished the answer.
    pub provider: String,
    pub model: String,
    pub fallbacks: u32,
    /// Summed over every call, failed ones included (they are billed too).
    pub usage: Usage,
    /// `None` if a model that was used has no price in the table.
    pub cost_usd: Option<f64>,
    pub stop_reason: StopReason,
    /// The whole answer as the client received it.
    pub text: String,
    pub tool_calls: Vec<ToolCall>,
    pub attempts: Vec<Attempt>,
    /// The sink closed: the answer is partial on purpose.
    pub client_gone: bool,
}

/// Every candidate failed (or there were none). Not reached when offline is a candidate.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("no provider could answer: {}", last.as_ref().map_or("no candidates".to_string(), |e| e.to_string()))]
pub struct RouteError {
    pub last: Option<ProviderError>,
    pub attempts: Vec<Attempt>,
    /// What the client already received before everything failed.
    pub partial_text: String,
}

impl From<RouteError> for ApiError {
    fn from(e: RouteError) -> Self {
        ApiError::upstream(e.to_string())
    }
}

enum End {
    Completed {
        stop_reason: StopReason,
        tool_calls: Vec<ToolCall>,
        chars_sent: usize,
        usage: Usage,
    },
    Failed {
        error: ProviderError,
        chars_sent: usize,
        usage: Usage,
    },
    ClientGone {
        chars_sent: usize,
        usage: Usage,
    },
}

/// Runs one chat turn. Build one per request; the breakers outlive it (shared by concurrent requests of
/// the isolate, hence the `RefCell`, never borrowed across an await).
pub struct Router<'a, S> {
    pub retry: &'a RetryPolicy,
    pub costs: &'a CostTable,
    pub breakers: &'a RefCell<BreakerSet>,
    pub sleeper: S,
    pub jitter: Jitter,
}

impl<'a, S: Sleeper> Router<'a, S> {
    /// `seed` drives the backoff jitter (the worker passes a random one).
    pub fn new(policy: &'a RoutingPolicy, breakers: &'a RefCell<BreakerSet>, sleeper: S, seed: u64) -> Self {
        Self {
            retry: &policy.retry,
            costs: &policy.costs,
            breakers,
            sleeper,
            jitter: Jitter::new(seed),
        }
    }

    pub async fn run<P: LlmProvider, K: ChatSink>(
        &mut self,
        candidates: &[P],
        req: &ChatRequest,
        sink: &mut K,
    ) -> Result<RouteOutcome, RouteError> {
        let started = self.sleeper.now_ms();
        let mut run = Progress::default();
        // The provider just abandoned and why, announced when the next one starts.
        let mut abandoned: Option<(String, String)> = None;
        let mut last_error = None;
        'candidates: for p in candidates {
            let name = p.name();
            let (mut made, mut slept_ms) = (0, 0);
            loop {
                if !self.breakers.borrow_mut().allow(name, self.sleeper.now_ms()) {
                    run.log(p, "circuit_open", 0, Usage::default(), slept_ms);
                    continue 'candidates;
                }
                if let Some((from, reason)) = abandoned.take() {
                    run.fallbacks += 1;
                    let notice = FallbackNotice {
                        from,
                        to: name.to_string(),
                        reason,
                        mid_stream: !run.sent.is_empty(),
                        fallbacks: run.fallbacks,
                    };
                    if sink.on_fallback(&notice).await.is_err() {
                        run.log(p, "client_gone", 0, Usage::default(), slept_ms);
                        return Ok(run.finish(p, self.costs, StopReason::EndTurn, Vec::new(), true));
                    }
                }
                made += 1;
                match self.attempt(p, req, &mut run.sent, sink).await {
                    End::Completed {
                        stop_reason,
                        tool_calls,
                        chars_sent,
                        usage,
                    } => {
                        self.breakers.borrow_mut().record_success(name);
                        run.log(p, "ok", chars_sent, usage, slept_ms);
                        return Ok(run.finish(p, self.costs, stop_reason, tool_calls, false));
                    }
                    End::ClientGone { chars_sent, usage } => {
                        match chars_sent {
                            0 => self.breakers.borrow_mut().release(name),
                            _ => self.breakers.borrow_mut().record_success(name),
                        }
                        run.log(p, "client_gone", chars_sent, usage, slept_ms);
                        return Ok(run.finish(p, self.costs, StopReason::EndTurn, Vec::new(), true));
                    }
                    End::Failed {
                        error,
                        chars_sent,
                        usage,
                    } => {
                        if error.counts_against_provider() {
                            self.breakers.borrow_mut().record_failure(name, self.sleeper.now_ms());
                        } else {
                            self.breakers.borrow_mut().release(name);
                        }
                        run.log(p, &error.code(), chars_sent, usage, slept_ms);
                        let delay = self.retry_delay(name, made, &error, chars_sent, started);
                        let code = error.code();
                        last_error = Some(error);
                        match delay {
                            Some(ms) => {
                                self.sleeper.sleep(ms).await;
                                slept_ms = ms;
                            }
                            None => {
                                abandoned = Some((name.to_string(), code));
                                continue 'candidates;
                            }
                        }
                    }
                }
            }
        }
        Err(RouteError {
            last: last_error,
            attempts: run.attempts,
            partial_text: run.sent,
        })
    }

    /// The sleep before calling the same provider again, or `None` to move on: not once the client has
    /// part of its answer (the next provider continues it instead), not into a circuit this failure
    /// just opened, and not past the time budget.
    fn retry_delay(
        &mut self,
        name: &str,
        made: u32,
        error: &ProviderError,
        chars_sent: usize,
        started: u64,
    ) -> Option<u64> {
        if chars_sent > 0 || matches!(self.breakers.borrow().state(name), BreakerState::Open { .. }) {
            return None;
        }
        let now = self.sleeper.now_ms();
        self.retry
            .delay_ms(made, error, self.jitter.next_f64())
            .filter(|ms| now + ms <= started + self.retry.budget_ms)
    }

    /// One call: streams text to the sink as it comes (after the overlap filter when continuing an
    /// answer the client already has part of).
    async fn attempt<P: LlmProvider, K: ChatSink>(
        &mut self,
        p: &P,
        req: &ChatRequest,
        sent: &mut String,
        sink: &mut K,
    ) -> End {
        let mut req = req.clone();
        if !sent.is_empty() {
            req.continue_from = Some(sent.clone());
        }
        let mut stream = match p.start(&req).await {
            Ok(s) => s,
            Err(error) => {
                return End::Failed {
                    error,
                    chars_sent: 0,
                    usage: Usage::default(),
                }
            }
        };
        let mut overlap = Overlap::new(req.continue_from.as_deref());
        let mut usage = Usage::default();
        let mut calls = Vec::new();
        let mut chars_sent = 0;
        loop {
            let (text, done) = match stream.next().await {
                Some(Ok(Delta::Text(t))) => (overlap.push(&t), None),
                Some(Ok(Delta::ToolCall(c))) => {
                    calls.push(c);
                    continue;
                }
                Some(Ok(Delta::Usage(u))) => {
                    usage = usage.merge_max(u);
                    continue;
                }
                Some(Ok(Delta::Done { stop_reason })) => (overlap.finish(), Some(stop_reason)),
                Some(Err(error)) => {
                    return End::Failed {
                        error,
                        chars_sent,
                        usage: estimate(usage, &req, chars_sent),
                    }
                }
                None => {
                    let error = ProviderError::truncated("stream ended without a stop");
                    return End::Failed {
                        error,
                        chars_sent,
                        usage: estimate(usage, &req, chars_sent),
                    };
                }
            };
            if !text.is_empty() {
                sent.push_str(&text);
                chars_sent += text.len();
                if sink.on_delta(&Delta::Text(text)).await.is_err() {
                    return End::ClientGone {
                        chars_sent,
                        usage: estimate(usage, &req, chars_sent),
                    };
                }
            }
            if let Some(stop_reason) = done {
                for c in &calls {
                    if sink.on_delta(&Delta::ToolCall(c.clone())).await.is_err() {
                        return End::ClientGone { chars_sent, usage };
                    }
                }
                return End::Completed {
                    stop_reason,
                    tool_calls: calls,
                    chars_sent,
                    usage,
                };
            }
        }
    }
}

/// What a run has produced so far.
#[derive(Default)]
struct Progress {
    /// The answer as the client has it.
    sent: String,
    attempts: Vec<Attempt>,
    fallbacks: u32,
}

impl Progress {
    fn log<P: LlmProvider>(&mut self, p: &P, outcome: &str, chars_sent: usize, usage: Usage, slept_ms: u64) {
        self.attempts.push(Attempt {
            provider: p.name().to_string(),
            model: p.model().to_string(),
            outcome: outcome.to_string(),
            chars_sent,
            usage,
            slept_ms,
        });
    }

    fn finish<P: LlmProvider>(
        self,
        p: &P,
        costs: &CostTable,
        stop_reason: StopReason,
        tool_calls: Vec<ToolCall>,
        client_gone: bool,
    ) -> RouteOutcome {
        let usage = self.attempts.iter().fold(Usage::default(), |acc, a| acc + a.usage);
        let cost_usd = self
            .attempts
            .iter()
            .filter(|a| a.usage != Usage::default())
            .map(|a| costs.estimate_cost(&a.model, &a.usage))
            .sum::<Option<f64>>();
        RouteOutcome {
            provider: p.name().to_string(),
            model: p.model().to_string(),
            fallbacks: self.fallbacks,
            usage,
            cost_usd,
            stop_reason,
            text: self.sent,
            tool_calls,
            attempts: self.attempts,
            client_gone,
        }
    }
}

/// A stream cut before its usage report was still billed: estimate it (≈ 4 characters per token).
fn estimate(reported: Usage, req: &ChatRequest, chars_sent: usize) -> Usage {
    if reported.output_tokens > 0 || chars_sent == 0 {
        return reported;
    }
    reported.merge_max(Usage::new(req.estimated_input_tokens(), chars_sent.div_ceil(4) as u64))
}

#[cfg(test)]
#[path = "router_tests.rs"]
mod tests;
