//! Time and randomness from the runtime, passed into domain code (which never reads them itself).

/// Milliseconds since the epoch, for latency. Workers freeze the clock during CPU work (a Spectre
/// mitigation), so this measures time spent waiting on I/O, which is what dominates here.
pub fn clock_ms() -> f64 {
    js_sys::Date::now()
}

/// 16 bytes from the platform CSPRNG (`crypto.getRandomValues`).
pub fn random16() -> [u8; 16] {
    let mut b = [0u8; 16];
    getrandom::getrandom(&mut b).expect("crypto.getRandomValues is always available in Workers");
    b
}

/// A random seed (the router's jitter).
pub fn seed() -> u64 {
    u64::from_le_bytes(random16()[..8].try_into().unwrap_or([7; 8]))
}

/// Milliseconds since the Unix epoch, for timestamps.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// Races `fut` against a timer: `None` when `ms` passed first (the future is dropped, which cancels a fetch).
pub async fn within<T>(ms: u64, fut: impl std::future::Future<Output = T>) -> Option<T> {
    use futures_util::future::{select, Either};
    let fut = Box::pin(fut);
    let timer = Box::pin(worker::Delay::from(std::time::Duration::from_millis(ms)));
    match select(fut, timer).await {
        Either::Left((v, _)) => Some(v),
        Either::Right(_) => None,
    }
}
