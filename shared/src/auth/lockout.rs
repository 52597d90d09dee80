//! Per-account back-off after failed logins and password changes: free tries, then a lock that doubles with
//! each failure.
//!
//! An attempt is counted *before* the password is checked, in one conditional statement ([`attempt_sql`]):
//! a check-then-record sequence lets parallel guesses all pass the check before any is recorded. A success
//! clears the count.

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

/// One statement that counts an attempt unless the key is locked, and sets the lock when this attempt
/// reaches the free tries: `?1` the key, `?2` now (ms). It returns a row when the attempt may go ahead and
/// none when the key is locked. The lock lengths are [`locked_until`]'s, listed per failure count up to the
/// cap, so the rule lives in one place.
pub fn attempt_sql() -> String {
    let mut arms = String::new();
    let mut n = FREE_ATTEMPTS;
    while let Some(until) = locked_until(n, 0).filter(|&ms| ms < MAX_LOCK_SECS * 1000) {
        arms.push_str(&format!("WHEN {n} THEN {until} "));
        n += 1;
    }
    let max_ms = MAX_LOCK_SECS * 1000;
    format!(
        "INSERT INTO login_failures (email_hash, failures, updated_at) VALUES (?1, 1, ?2) \
         ON CONFLICT(email_hash) DO UPDATE SET failures = failures + 1, updated_at = ?2, \
         locked_until = CASE WHEN failures + 1 >= {FREE_ATTEMPTS} \
           THEN ?2 + (CASE failures + 1 {arms}ELSE {max_ms} END) \
           ELSE locked_until END \
         WHERE locked_until IS NULL OR locked_until <= ?2 \
         RETURNING failures"
    )
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

    #[test]
    fn the_attempt_statement_locks_as_locked_until_says() {
        let sql = attempt_sql();
        assert!(sql.contains("WHEN failures + 1 >= 5 "), "{sql}");
        assert!(
            sql.contains("CASE failures + 1 WHEN 5 THEN 30000 WHEN 6 THEN 60000 WHEN 7 THEN 120000 WHEN 8 THEN 240000 WHEN 9 THEN 480000 ELSE 900000 END"),
            "{sql}"
        );
        assert!(sql.contains("WHERE locked_until IS NULL OR locked_until <= ?2"));
    }
}
