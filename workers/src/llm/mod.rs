//! The model providers as the router sees them: HTTP (Anthropic, OpenAI-compatible) and the Workers AI
//! binding behind `LlmProvider`, with timeouts, plus the clock and the per-isolate circuit breakers.

mod remote;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use nuzantara_shared::llm::{BreakerSet, RoutingPolicy, Sleeper};
use worker::Delay;

use crate::platform::now_ms;
pub use remote::RemoteProvider;

thread_local! {
    /// Breakers outlive requests: an isolate that saw a provider fail keeps skipping it for the cooldown.
    static BREAKERS: RefCell<Option<Rc<RefCell<BreakerSet>>>> = const { RefCell::new(None) };
}

/// This isolate's breakers, configured by the routing policy on first use.
pub fn breakers(policy: &RoutingPolicy) -> Rc<RefCell<BreakerSet>> {
    BREAKERS.with(|b| {
        b.borrow_mut()
            .get_or_insert_with(|| Rc::new(RefCell::new(BreakerSet::new(policy.breaker.clone()))))
            .clone()
    })
}

/// Real time: `worker::Delay` is a `setTimeout`.
#[derive(Clone, Copy)]
pub struct WorkerClock;

impl Sleeper for WorkerClock {
    fn now_ms(&self) -> u64 {
        now_ms()
    }
    async fn sleep(&mut self, ms: u64) {
        Delay::from(Duration::from_millis(ms)).await;
    }
}
