//! The dashboard's time series: renewals due per week ahead and payments per month behind, each with
//! every period present (zero when nothing fell in it), so a chart's axis never skips a gap.

use serde::Serialize;

use super::dates::Date;

/// Weeks of renewals the dashboard looks ahead, and months of payments it looks back.
pub const RENEWAL_WEEKS: i64 = 12;
pub const REVENUE_MONTHS: i64 = 12;

/// Permits expiring in the week starting `week_start` (week 0 starts today).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WeekCount {
    pub week_start: String,
    pub renewals: i64,
}

/// Payments received in `month` (`YYYY-MM`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthTotal {
    pub month: String,
    pub paid_idr: i64,
    pub payments: i64,
}

/// `weeks` weekly counts from `today`, from `(expiry_date, count)` rows; dates outside the window or
/// unreadable are ignored.
pub fn renewals_by_week(today: Date, weeks: i64, expiries: &[(String, i64)]) -> Vec<WeekCount> {
    let mut counts = vec![0i64; weeks.max(0) as usize];
    for (d, n) in expiries {
        let Some(d) = Date::parse_opt(d) else { continue };
        let days = today.days_until(d);
        if days < 0 {
            continue;
        }
        if let Some(slot) = counts.get_mut((days / 7) as usize) {
            *slot += n;
        }
    }
    counts
        .into_iter()
        .enumerate()
        .map(|(i, renewals)| WeekCount {
            week_start: today.add_days(i as i64 * 7).to_string(),
            renewals,
        })
        .collect()
}

/// The first day of the month `months - 1` months before `today`'s, as `YYYY-MM-DD` (where the series starts).
pub fn first_month_start(today: Date, months: i64) -> String {
    format!("{}-01", month_key(today, months - 1))
}

/// `YYYY-MM` of the month `back` months before `today`'s.
fn month_key(today: Date, back: i64) -> String {
    let (y, m, _) = today.ymd();
    let idx = y * 12 + (m - 1) - back;
    format!("{:04}-{:02}", idx.div_euclid(12), idx.rem_euclid(12) + 1)
}

/// The last `months` months, oldest first, from `(month, paid_idr, payments)` rows.
pub fn revenue_by_month(today: Date, months: i64, rows: &[(String, i64, i64)]) -> Vec<MonthTotal> {
    (0..months.max(0))
        .rev()
        .map(|back| {
            let month = month_key(today, back);
            let (paid_idr, payments) = rows
                .iter()
                .filter(|(m, _, _)| *m == month)
                .fold((0, 0), |(p, n), (_, a, c)| (p + a, n + c));
            MonthTotal {
                month,
                paid_idr,
                payments,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> Date {
        Date::parse_opt(s).unwrap()
    }

    #[test]
    fn renewals_fall_into_weeks_from_today_and_every_week_is_present() {
        let rows = [
            ("2025-06-10".to_string(), 2), // today: week 0
            ("2025-06-16".to_string(), 1), // day 6: week 0
            ("2025-06-17".to_string(), 4), // day 7: week 1
            ("2025-06-09".to_string(), 9), // yesterday: ignored
            ("2025-09-02".to_string(), 5), // day 84: past 12 weeks
            ("not a date".to_string(), 7),
        ];
        let w = renewals_by_week(day("2025-06-10"), 12, &rows);
        assert_eq!(w.len(), 12);
        assert_eq!((w[0].week_start.as_str(), w[0].renewals), ("2025-06-10", 3));
        assert_eq!((w[1].week_start.as_str(), w[1].renewals), ("2025-06-17", 4));
        assert_eq!(w[11].week_start, "2025-08-26");
        assert_eq!(w.iter().map(|x| x.renewals).sum::<i64>(), 7);
    }

    #[test]
    fn months_run_oldest_first_across_the_year_boundary_with_zeros() {
        let rows = [
            ("2025-02".to_string(), 5_000_000, 1),
            ("2024-12".to_string(), 1_000, 2),
            ("2024-01".to_string(), 9, 9), // before the window
        ];
        let m = revenue_by_month(day("2025-02-28"), 3, &rows);
        let got: Vec<_> = m.iter().map(|x| (x.month.as_str(), x.paid_idr, x.payments)).collect();
        assert_eq!(
            got,
            [("2024-12", 1_000, 2), ("2025-01", 0, 0), ("2025-02", 5_000_000, 1)]
        );
        assert_eq!(first_month_start(day("2025-02-28"), 3), "2024-12-01");
        assert_eq!(first_month_start(day("2025-01-01"), 12), "2024-02-01");
    }
}
