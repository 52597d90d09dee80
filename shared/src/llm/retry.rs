//! When and how long to wait before trying the same provider again. Randomness comes in as an argument
//! (or from [`Jitter`], seeded by the worker) so the policy is a pure function.

use serde::{Deserialize, Serialize};

use super::error::ProviderError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RetryPolicy {
    /// Attempts per provider, the first one included.
    pub max_attempts: u32,
    pub base_delay_ms: u64,
    /// Cap of the exponential backoff.
    pub max_delay_ms: u64,
    /// The longest `Retry-After` we wait for: a provider asking for more is failed over instead, since
    /// the next candidate answers sooner than a long wait would.
    pub max_retry_after_ms: u64,
    /// No retry sleep may end later than this after the route started: past it, fail over.
    pub budget_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay_ms: 250,
            max_delay_ms: 4_000,
            max_retry_after_ms: 10_000,
            budget_ms: 30_000,
        }
    }
}

impl RetryPolicy {
    /// Full jitter: uniform in `[0, min(max_delay, base · 2^retry))`, `random` in `[0, 1)`. Spreads
    /// the retries of concurrent requests instead of having them hit a recovering provider together.
    pub fn backoff_ms(&self, retry: u32, random: f64) -> u64 {
        let ceiling = self
            .base_delay_ms
            .saturating_mul(1u64.checked_shl(retry).unwrap_or(u64::MAX))
            .min(self.max_delay_ms);
        (ceiling as f64 * random.clamp(0.0, 1.0)) as u64
    }

    /// How long to sleep before the next attempt, after `attempts_made` attempts ended in `err`;
    /// `None` means do not retry this provider.
    pub fn delay_ms(&self, attempts_made: u32, err: &ProviderError, random: f64) -> Option<u64> {
        if !err.is_retryable() || attempts_made >= self.max_attempts {
            return None;
        }
        match err.retry_after_ms {
            Some(ms) if ms > self.max_retry_after_ms => None,
            Some(ms) => Some(ms),
            None => Some(self.backoff_ms(attempts_made.saturating_sub(1), random)),
        }
    }
}

/// SplitMix64: a tiny deterministic generator for backoff jitter, seeded by the worker (e.g. from
/// `crypto.getRandomValues`), so shared needs no randomness source of its own.
#[derive(Debug, Clone)]
pub struct Jitter(u64);

impl Jitter {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// Uniform in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_exponential_capped_and_jittered() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff_ms(0, 0.999_999), 249);
        assert_eq!(p.backoff_ms(1, 0.5), 250);
        assert_eq!(p.backoff_ms(3, 0.5), 1_000);
        assert_eq!(p.backoff_ms(10, 0.5), 2_000, "capped at max_delay_ms");
        assert_eq!(p.backoff_ms(200, 0.5), 2_000, "no overflow");
        assert_eq!(p.backoff_ms(2, 0.0), 0);
    }

    #[test]
    fn retry_decisions() {
        let p = RetryPolicy::default();
        let e503 = ProviderError::status(503, "");
        assert_eq!(p.delay_ms(1, &e503, 0.5), Some(125));
        assert_eq!(p.delay_ms(2, &e503, 0.5), Some(250));
        assert_eq!(p.delay_ms(3, &e503, 0.5), None, "max attempts reached");
        assert_eq!(p.delay_ms(1, &ProviderError::status(400, ""), 0.5), None);
        assert_eq!(p.delay_ms(1, &ProviderError::status(401, ""), 0.5), None);
        let limited = ProviderError::status(429, "").with_retry_after_ms(Some(3_000));
        assert_eq!(
            p.delay_ms(1, &limited, 0.9),
            Some(3_000),
            "Retry-After honoured exactly"
        );
        let too_long = ProviderError::status(429, "").with_retry_after_ms(Some(60_000));
        assert_eq!(p.delay_ms(1, &too_long, 0.9), None, "beyond the cap: fail over instead");
    }

    #[test]
    fn jitter_is_deterministic_and_in_range() {
        let (mut a, mut b) = (Jitter::new(42), Jitter::new(42));
        for _ in 0..1000 {
            let x = a.next_f64();
            assert_eq!(x, b.next_f64());
            assert!((0.0..1.0).contains(&x));
        }
    }
}
