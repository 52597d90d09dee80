//! Circuit breaker per provider: after N consecutive failures stop calling it for a cooldown, then let
//! one probe through; its outcome closes or reopens the circuit. Time comes in as `now_ms`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BreakerConfig {
    /// Consecutive failures that open the circuit.
    pub failure_threshold: u32,
    /// How long an open circuit refuses calls before it lets a probe through.
    pub cooldown_ms: u64,
    /// A probe that never reports back (its request was cancelled) frees the slot after this.
    pub probe_timeout_ms: u64,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        Self {
            failure_threshold: 5,
            cooldown_ms: 30_000,
            probe_timeout_ms: 60_000,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum BreakerState {
    Closed {
        failures: u32,
    },
    Open {
        until_ms: u64,
    },
    /// One probe is in flight; everyone else is refused until it reports.
    HalfOpen {
        probe_started_ms: u64,
    },
}

impl Default for BreakerState {
    fn default() -> Self {
        Self::Closed { failures: 0 }
    }
}

/// The breakers of all providers. Serialisable, so the worker may keep it across requests in isolate
/// memory or in KV; unknown providers are closed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BreakerSet {
    pub config: BreakerConfig,
    #[serde(default)]
    states: BTreeMap<String, BreakerState>,
}

impl BreakerSet {
    pub fn new(config: BreakerConfig) -> Self {
        Self {
            config,
            states: BTreeMap::new(),
        }
    }

    pub fn state(&self, provider: &str) -> BreakerState {
        self.states.get(provider).copied().unwrap_or_default()
    }

    /// May `provider` be called now? An open circuit past its cooldown turns half-open and this call
    /// becomes its one probe, so a `true` must be followed by `record_success` or `record_failure`.
    pub fn allow(&mut self, provider: &str, now_ms: u64) -> bool {
        let state = self.states.entry(provider.to_string()).or_default();
        match *state {
            BreakerState::Closed { .. } => true,
            BreakerState::Open { until_ms } if now_ms < until_ms => false,
            BreakerState::HalfOpen { probe_started_ms }
                if now_ms < probe_started_ms.saturating_add(self.config.probe_timeout_ms) =>
            {
                false
            }
            BreakerState::Open { .. } | BreakerState::HalfOpen { .. } => {
                *state = BreakerState::HalfOpen {
                    probe_started_ms: now_ms,
                };
                true
            }
        }
    }

    pub fn record_success(&mut self, provider: &str) {
        self.states.insert(provider.to_string(), BreakerState::default());
    }

    /// The call said nothing about the provider's health (the request was invalid, the client left):
    /// a probe gives its slot back so the next call probes again; other states are unchanged.
    pub fn release(&mut self, provider: &str) {
        if let Some(state @ BreakerState::HalfOpen { .. }) = self.states.get_mut(provider) {
            *state = BreakerState::Open { until_ms: 0 };
        }
    }

    pub fn record_failure(&mut self, provider: &str, now_ms: u64) {
        let open = BreakerState::Open {
            until_ms: now_ms.saturating_add(self.config.cooldown_ms),
        };
        let state = self.states.entry(provider.to_string()).or_default();
        *state = match *state {
            BreakerState::Closed { failures } if failures + 1 < self.config.failure_threshold => {
                BreakerState::Closed { failures: failures + 1 }
            }
            BreakerState::Open { until_ms } => BreakerState::Open { until_ms },
            BreakerState::Closed { .. } | BreakerState::HalfOpen { .. } => open,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set() -> BreakerSet {
        BreakerSet::new(BreakerConfig {
            failure_threshold: 3,
            cooldown_ms: 1_000,
            probe_timeout_ms: 5_000,
        })
    }

    #[test]
    fn opens_after_threshold_consecutive_failures_only() {
        let mut b = set();
        b.record_failure("a", 0);
        b.record_failure("a", 0);
        b.record_success("a");
        b.record_failure("a", 0);
        b.record_failure("a", 0);
        assert_eq!(b.state("a"), BreakerState::Closed { failures: 2 });
        assert!(b.allow("a", 0));
        b.record_failure("a", 10);
        assert_eq!(b.state("a"), BreakerState::Open { until_ms: 1_010 });
        assert!(!b.allow("a", 500));
        assert!(b.allow("other", 500), "breakers are per provider");
    }

    #[test]
    fn half_open_lets_one_probe_through_then_closes_or_reopens() {
        let mut b = set();
        for _ in 0..3 {
            b.record_failure("a", 0);
        }
        assert!(!b.allow("a", 999));
        assert!(b.allow("a", 1_000), "cooldown over: this call is the probe");
        assert_eq!(
            b.state("a"),
            BreakerState::HalfOpen {
                probe_started_ms: 1_000
            }
        );
        assert!(!b.allow("a", 1_001), "only one probe at a time");
        b.record_failure("a", 1_200);
        assert_eq!(b.state("a"), BreakerState::Open { until_ms: 2_200 });
        assert!(!b.allow("a", 2_000));
        assert!(b.allow("a", 2_200));
        b.record_success("a");
        assert_eq!(b.state("a"), BreakerState::Closed { failures: 0 });
        assert!(b.allow("a", 2_201));
    }

    #[test]
    fn a_released_probe_lets_the_next_call_probe_and_release_leaves_closed_alone() {
        let mut b = set();
        b.record_failure("a", 0);
        b.release("a");
        assert_eq!(b.state("a"), BreakerState::Closed { failures: 1 });
        b.record_failure("a", 0);
        b.record_failure("a", 0);
        assert!(b.allow("a", 1_000));
        b.release("a");
        assert!(b.allow("a", 1_001), "the slot was given back");
    }

    #[test]
    fn a_lost_probe_frees_its_slot_after_the_probe_timeout() {
        let mut b = set();
        for _ in 0..3 {
            b.record_failure("a", 0);
        }
        assert!(b.allow("a", 1_000));
        assert!(!b.allow("a", 5_999));
        assert!(b.allow("a", 6_000));
    }

    #[test]
    fn state_round_trips_through_json() {
        let mut b = set();
        for _ in 0..3 {
            b.record_failure("a", 0);
        }
        let json = serde_json::to_string(&b).unwrap();
        assert!(json.contains("\"state\":\"open\""), "{json}");
        let back: BreakerSet = serde_json::from_str(&json).unwrap();
        assert_eq!(back, b);
    }
}
