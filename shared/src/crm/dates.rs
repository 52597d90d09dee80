//! Calendar dates (`YYYY-MM-DD`, as stored in D1) and "today" in Bali.
//!
//! The firm works in Bali (WITA, UTC+8, no daylight saving), so a permit "expires in 7 days" and a
//! payment "made today" are counted in WITA calendar days whatever the server's clock zone.

use std::fmt;

use crate::error::ApiError;

/// Bali's offset from UTC in milliseconds (WITA, UTC+8).
pub const WITA_OFFSET_MS: i64 = 8 * 3_600_000;
const DAY_MS: i64 = 86_400_000;

/// A civil date between 1900-01-01 and 2200-12-31.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Days since 1970-01-01.
    days: i64,
}

impl Date {
    /// Parses exactly `YYYY-MM-DD` (a real date). `field` names the input in the error.
    pub fn parse(field: &str, s: &str) -> Result<Self, ApiError> {
        Self::parse_opt(s).ok_or_else(|| ApiError::validation(format!("{field} must be a date as YYYY-MM-DD")))
    }

    pub fn parse_opt(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<i64> {
            let part = &s[r];
            part.bytes().all(|c| c.is_ascii_digit()).then(|| part.parse().ok())?
        };
        let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        if !(1900..=2200).contains(&y) || !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
            return None;
        }
        Some(Self {
            days: days_from_civil(y, m, d),
        })
    }

    pub fn from_days(days: i64) -> Self {
        Self { days }
    }

    pub fn days(self) -> i64 {
        self.days
    }

    /// The WITA calendar date at this instant (Unix milliseconds).
    pub fn today_in_bali(now_ms: i64) -> Self {
        Self {
            days: (now_ms + WITA_OFFSET_MS).div_euclid(DAY_MS),
        }
    }

    pub fn add_days(self, n: i64) -> Self {
        Self { days: self.days + n }
    }

    /// Whole days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(self, later: Date) -> i64 {
        later.days - self.days
    }

    pub fn ymd(self) -> (i64, i64, i64) {
        civil_from_days(self.days)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

/// Howard Hinnant's `days_from_civil`: days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// A Unix-millisecond instant as ISO 8601 UTC (`2025-06-01T09:30:00Z`), for exports.
pub fn iso_utc(ms: i64) -> String {
    let days = ms.div_euclid(DAY_MS);
    let rem = ms.rem_euclid(DAY_MS) / 1000;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// A calendar month `YYYY-MM`.
pub fn parse_month(field: &str, s: &str) -> Result<(i64, i64), ApiError> {
    let bad = || ApiError::validation(format!("{field} must be a month as YYYY-MM"));
    let (y, m) = s.split_once('-').ok_or_else(bad)?;
    if y.len() != 4 || m.len() != 2 || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let (y, m): (i64, i64) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if !(1900..=2200).contains(&y) || !(1..=12).contains(&m) {
        return Err(bad());
    }
    Ok((y, m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_only_real_dates() {
        assert_eq!(Date::parse_opt("1970-01-01").unwrap().days(), 0);
        assert_eq!(Date::parse_opt("2024-02-29").unwrap().to_string(), "2024-02-29");
        for bad in [
            "2023-02-29",
            "2025-13-01",
            "2025-00-10",
            "2025-04-31",
            "25-01-01",
            "2025-1-01",
            "2025/01/01",
            "2025-01-01T00:00",
            "",
            "abcd-ef-gh",
            "1899-12-31",
            "2201-01-01",
            "+025-01-01",
            "2025-01-0١",
        ] {
            assert!(Date::parse_opt(bad).is_none(), "{bad}");
        }
        assert_eq!(Date::parse("expiry_date", "x").unwrap_err().status(), 422);
    }

    #[test]
    fn civil_round_trip_over_three_centuries() {
        for days in (-25_567..84_000).step_by(7) {
            let d = Date::from_days(days);
            assert_eq!(Date::parse_opt(&d.to_string()), Some(d));
        }
    }

    #[test]
    fn today_is_counted_in_bali_time() {
        // 2025-06-01 15:59:59 UTC is 23:59:59 in Bali; one second later it is the 2nd there.
        let ms = Date::parse_opt("2025-06-01").unwrap().days() * DAY_MS + (15 * 3600 + 59 * 60 + 59) * 1000;
        assert_eq!(Date::today_in_bali(ms).to_string(), "2025-06-01");
        assert_eq!(Date::today_in_bali(ms + 1000).to_string(), "2025-06-02");
        let d = Date::parse_opt("2025-12-25").unwrap();
        assert_eq!(d.add_days(10).to_string(), "2026-01-04");
        assert_eq!(d.days_until(d.add_days(-3)), -3);
    }

    #[test]
    fn iso_and_months() {
        assert_eq!(iso_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso_utc(1_748_770_200_000), "2025-06-01T09:30:00Z");
        assert_eq!(parse_month("m", "2025-06").unwrap(), (2025, 6));
        for bad in ["2025-6", "2025-13", "202506", "2025-06-01", ""] {
            assert!(parse_month("m", bad).is_err(), "{bad}");
        }
    }
}
