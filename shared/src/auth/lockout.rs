//! Per-account back-off after failed logins: free tries, then a lock that doubles with each failure.

pub const FREE_ATTEMPTS: u32 = 5;
pub const BASE_LOCK_SECS: u64 = 30;
pub const MAX_LOCK_SECS: u64 = 15 * 60;

/// When an account with `failures` consecutive failures (including this one) is locked until.
pub fn locked_until(failures: u32, now_ms: u64) -> Option<u64> {
    if failures < FREE_ATTEMPTS {
        return None;
    }
    let exp = (failures - FREE_ATTEMPTS).min(16);
    let secs = (BASE_LOCK_SECS << exp).min(MAX_LOCK_SECS);
    Some(now_ms + secs * 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_grows_then_caps() {
        assert_eq!(locked_until(4, 0), None);
        assert_eq!(locked_until(5, 0), Some(30_000));
        assert_eq!(locked_until(6, 0), Some(60_000));
        assert_eq!(locked_until(10, 0), Some(900_000));
        assert_eq!(locked_until(1_000, 5), Some(900_005));
    }
}
