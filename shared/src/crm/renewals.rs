//! Permit renewals: which reminder window a permit is in, and the reminder the daily job writes.
//!
//! Reminders go out 30, 14 and 7 days before a permit expires: once per practice, window and expiry
//! date. The job runs daily and writes the reminder of the *narrowest* window the permit is in, with a
//! dedupe key, so running it twice (or a retry) writes nothing new, a missed day does not send a burst
//! of stale reminders, and a renewed permit (a new expiry date) gets its own reminders.

use super::dates::Date;

/// Days before expiry at which a reminder is due, widest first.
pub const WINDOWS: [i64; 3] = [30, 14, 7];

/// The narrowest window containing a permit that expires in `days_left` days (0 = today). `None` when
/// it is further off than the widest window, or already expired.
pub fn window_for(days_left: i64) -> Option<i64> {
    if days_left < 0 {
        return None;
    }
    WINDOWS.iter().rev().copied().find(|w| days_left <= *w)
}

/// A reminder due today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    pub window: i64,
    pub days_left: i64,
    /// `renewal:<practice>:<expiry>:<window>` — `interactions.dedupe_key` is UNIQUE.
    pub dedupe_key: String,
    pub summary: String,
}

/// The reminder due for a practice today, if any.
pub fn reminder(practice_id: &str, type_name: &str, client_name: &str, expiry: Date, today: Date) -> Option<Reminder> {
    let days_left = today.days_until(expiry);
    let window = window_for(days_left)?;
    let when = match days_left {
        0 => "today".to_string(),
        1 => "tomorrow".to_string(),
        n => format!("in {n} days"),
    };
    Some(Reminder {
        window,
        days_left,
        dedupe_key: format!("renewal:{practice_id}:{expiry}:{window}"),
        summary: format!(
            "Renewal reminder ({window}-day window): {type_name} of {client_name} expires {when}, on {expiry}. Start the renewal."
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows() {
        assert_eq!(window_for(-1), None);
        assert_eq!(window_for(0), Some(7));
        assert_eq!(window_for(7), Some(7));
        assert_eq!(window_for(8), Some(14));
        assert_eq!(window_for(14), Some(14));
        assert_eq!(window_for(15), Some(30));
        assert_eq!(window_for(30), Some(30));
        assert_eq!(window_for(31), None);
    }

    #[test]
    fn one_reminder_per_practice_window_and_expiry_over_a_month_of_daily_runs() {
        let expiry = Date::parse_opt("2025-07-31").unwrap();
        let mut keys: Vec<String> = Vec::new();
        for day in 0..60 {
            let today = Date::parse_opt("2025-06-15").unwrap().add_days(day);
            for _run in 0..2 {
                if let Some(r) = reminder("p1", "E33G", "Marco Rossi", expiry, today) {
                    if !keys.contains(&r.dedupe_key) {
                        keys.push(r.dedupe_key);
                    }
                }
            }
        }
        assert_eq!(
            keys,
            vec![
                "renewal:p1:2025-07-31:30",
                "renewal:p1:2025-07-31:14",
                "renewal:p1:2025-07-31:7"
            ]
        );
        // A renewed permit starts over.
        let renewed = reminder(
            "p1",
            "E33G",
            "Marco Rossi",
            Date::parse_opt("2026-07-31").unwrap(),
            Date::parse_opt("2026-07-25").unwrap(),
        );
        assert_eq!(renewed.unwrap().dedupe_key, "renewal:p1:2026-07-31:7");
    }

    #[test]
    fn summary_reads_well() {
        let today = Date::parse_opt("2025-07-30").unwrap();
        let r = reminder(
            "p1",
            "Remote Worker KITAS (E33G)",
            "Marco Rossi",
            today.add_days(1),
            today,
        )
        .unwrap();
        assert_eq!(r.summary, "Renewal reminder (7-day window): Remote Worker KITAS (E33G) of Marco Rossi expires tomorrow, on 2025-07-31. Start the renewal.");
        assert!(reminder("p1", "x", "y", today.add_days(45), today).is_none());
    }
}
