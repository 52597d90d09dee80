//! Test helpers: a `block_on` for futures that never suspend, a scripted delta stream for fake providers, and
//! decoding under every chunking.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use std::collections::VecDeque;

use super::error::ProviderError;
use super::provider::DeltaStream;
use super::sse_decode::DeltaDecoder;
use super::types::Delta;

/// The fakes never suspend, so one poll finishes every future.
pub fn block_on<F: Future>(f: F) -> F::Output {
    let mut cx = Context::from_waker(Waker::noop());
    match pin!(f).poll(&mut cx) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("fakes never suspend"),
    }
}

/// Polls `f` until it is ready, for futures that suspend only to let others run (and wake themselves).
pub fn block_on_polling<F: Future>(f: F) -> F::Output {
    let mut cx = Context::from_waker(Waker::noop());
    let mut f = pin!(f);
    for _ in 0..1_000 {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
    panic!("not ready after 1,000 polls");
}

/// A fake provider's response: the deltas (or errors) it was scripted to give, in order.
pub struct ScriptedStream(pub VecDeque<Result<Delta, ProviderError>>);

impl DeltaStream for ScriptedStream {
    async fn next(&mut self) -> Option<Result<Delta, ProviderError>> {
        self.0.pop_front()
    }
}

pub fn decode<D: DeltaDecoder>(mut d: D, chunks: &[&[u8]]) -> Result<Vec<Delta>, ProviderError> {
    let mut out = Vec::new();
    for c in chunks {
        d.feed(c, &mut out)?;
    }
    d.finish(&mut out)?;
    Ok(out)
}

/// Decodes `stream` whole, split in two at every byte, and byte by byte; all must agree.
pub fn decode_everywhere<D: DeltaDecoder>(make: impl Fn() -> D, stream: &[u8]) -> Result<Vec<Delta>, ProviderError> {
    let whole = decode(make(), &[stream]);
    for i in 0..=stream.len() {
        assert_eq!(
            decode(make(), &[&stream[..i], &stream[i..]]),
            whole,
            "split at byte {i}"
        );
    }
    let bytes: Vec<&[u8]> = stream.chunks(1).collect();
    assert_eq!(decode(make(), &bytes), whole, "byte by byte");
    whole
}

/// The text of the deltas, joined.
pub fn text_of(deltas: &[Delta]) -> String {
    deltas
        .iter()
        .filter_map(|d| match d {
            Delta::Text(t) => Some(t.as_str()),
            _ => None,
        })
        .collect()
}
