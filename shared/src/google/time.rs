//! RFC 3339 instants as Calendar writes them, to and from Unix milliseconds.

use crate::crm::dates::{iso_utc, Date};

/// Bali is UTC+8 all year (no daylight saving).
pub const BALI_OFFSET_MS: i64 = 8 * 3_600_000;

/// Parses `2026-12-03T10:00:00+08:00`, `…Z`, with optional fractional seconds. Anything else is `None`.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.len() < 20 || !s.is_ascii() {
        return None;
    }
    let (date, rest) = s.split_at(10);
    let day = Date::parse_opt(date)?;
    let rest = rest.strip_prefix('T').or_else(|| rest.strip_prefix('t'))?;
    let num =
        |t: &str| -> Option<i64> { (t.len() == 2 && t.bytes().all(|b| b.is_ascii_digit())).then(|| t.parse().ok())? };
    let (h, m, sec) = (num(rest.get(0..2)?)?, num(rest.get(3..5)?)?, num(rest.get(6..8)?)?);
    if rest.get(2..3)? != ":" || rest.get(5..6)? != ":" || h > 23 || m > 59 || sec > 59 {
        return None;
    }
    let mut tail = &rest[8..];
    if let Some(frac) = tail.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        tail = &frac[digits..];
    }
    let offset_ms = match tail {
        "Z" | "z" => 0,
        _ => {
            let sign = match tail.get(0..1)? {
                "+" => 1,
                "-" => -1,
                _ => return None,
            };
            if tail.len() != 6 || tail.get(3..4)? != ":" {
                return None;
            }
            let (oh, om) = (num(&tail[1..3])?, num(&tail[4..6])?);
            sign * (oh * 60 + om) * 60_000
        }
    };
    Some(day.days() * 86_400_000 + ((h * 60 + m) * 60 + sec) * 1000 - offset_ms)
}

/// `2026-12-03T02:00:00Z`.
pub fn format_rfc3339(ms: i64) -> String {
    iso_utc(ms)
}

/// `2026-12-03 10:00` in Bali time, for people.
pub fn bali_label(ms: i64) -> String {
    let local = iso_utc(ms + BALI_OFFSET_MS);
    format!("{} {} (Bali time)", &local[..10], &local[11..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trips_and_offsets_are_applied() {
        let z = parse_rfc3339("2026-12-03T02:00:00Z").unwrap();
        assert_eq!(parse_rfc3339("2026-12-03T10:00:00+08:00"), Some(z));
        assert_eq!(parse_rfc3339("2026-12-02T21:00:00.000-05:00"), Some(z));
        assert_eq!(format_rfc3339(z), "2026-12-03T02:00:00Z");
        assert_eq!(bali_label(z), "2026-12-03 10:00 (Bali time)");
        for bad in [
            "",
            "2026-12-03",
            "2026-12-03T10:00",
            "2026-12-03T25:00:00Z",
            "2026-13-03T10:00:00Z",
            "2026-12-03T10:00:00+0800",
            "2026-12-03T10:00:00",
            "2026-12-03T10:00:00.Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }
}
