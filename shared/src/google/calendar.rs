//! Booking rules over Calendar free/busy: a requested slot that overlaps anything busy on the consultant's
//! calendar is refused with the next free slots in office hours; a free one becomes an event with the client
//! as attendee.

use serde::Deserialize;
use serde_json::{json, Value};

use super::time::{format_rfc3339, parse_rfc3339, BALI_OFFSET_MS};

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 86_400_000;
/// Office hours in Bali time, as minutes after midnight: consultations start and end inside them.
pub const OPEN_MIN: i64 = 9 * 60;
pub const CLOSE_MIN: i64 = 17 * 60;
/// Alternatives are looked for this far ahead of the requested start, on this grid.
pub const LOOKAHEAD_DAYS: i64 = 5;
pub const STEP_MIN: i64 = 30;
pub const ALTERNATIVES: usize = 3;

/// A half-open interval of Unix milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    pub start: i64,
    pub end: i64,
}

impl Slot {
    pub fn overlaps(&self, other: &Slot) -> bool {
        self.start < other.end && other.start < self.end
    }
    /// Monday to Friday, inside office hours (Bali time).
    pub fn in_office_hours(&self) -> bool {
        let local = self.start + BALI_OFFSET_MS;
        let day = local.div_euclid(DAY_MS);
        // 1970-01-01 was a Thursday: weekday 0 = Monday.
        let weekday = (day + 3).rem_euclid(7);
        let start_min = local.rem_euclid(DAY_MS) / MINUTE_MS;
        let end_min = start_min + (self.end - self.start) / MINUTE_MS;
        weekday < 5 && start_min >= OPEN_MIN && end_min <= CLOSE_MIN
    }
}

/// The window the free/busy query covers for a request starting at `start`.
pub fn query_window(requested: Slot) -> Slot {
    Slot {
        start: requested.start,
        end: requested.start + LOOKAHEAD_DAYS * DAY_MS,
    }
}

/// The body of `POST /calendar/v3/freeBusy` for one calendar.
pub fn freebusy_request(calendar: &str, window: Slot) -> Value {
    json!({
        "timeMin": format_rfc3339(window.start),
        "timeMax": format_rfc3339(window.end),
        "timeZone": "Asia/Makassar",
        "items": [{ "id": calendar }]
    })
}

#[derive(Deserialize)]
struct FreeBusy {
    calendars: std::collections::BTreeMap<String, CalendarBusy>,
}
#[derive(Deserialize)]
struct CalendarBusy {
    #[serde(default)]
    busy: Vec<Busy>,
    #[serde(default)]
    errors: Vec<Value>,
}
#[derive(Deserialize)]
struct Busy {
    start: String,
    end: String,
}

/// The busy intervals of `calendar` in a free/busy answer. A calendar Google could not read is an error,
/// never "free": booking over an unknown agenda would double-book.
pub fn busy_from_response(calendar: &str, body: &Value) -> Result<Vec<Slot>, String> {
    let fb: FreeBusy = serde_json::from_value(body.clone()).map_err(|e| format!("unexpected free/busy answer: {e}"))?;
    let cal = fb
        .calendars
        .iter()
        .find(|(id, _)| id.eq_ignore_ascii_case(calendar))
        .map(|(_, c)| c)
        .ok_or("the free/busy answer lacks the consultant's calendar")?;
    if !cal.errors.is_empty() {
        return Err("Google could not read the consultant's calendar".into());
    }
    cal.busy
        .iter()
        .map(|b| match (parse_rfc3339(&b.start), parse_rfc3339(&b.end)) {
            (Some(start), Some(end)) => Ok(Slot { start, end }),
            _ => Err("a busy interval has a malformed time".to_string()),
        })
        .collect()
}

/// Whether the requested slot is free; if not, up to [`ALTERNATIVES`] free slots of the same length in
/// office hours after it (within the queried window).
pub fn check_slot(requested: Slot, busy: &[Slot]) -> Result<(), Vec<Slot>> {
    if !busy.iter().any(|b| b.overlaps(&requested)) {
        return Ok(());
    }
    let len = requested.end - requested.start;
    let window = query_window(requested);
    // Candidates on the half-hour grid (Bali time) from the requested start on.
    let step = STEP_MIN * MINUTE_MS;
    let mut t = (requested.start + BALI_OFFSET_MS).div_euclid(step) * step - BALI_OFFSET_MS + step;
    let mut out = Vec::new();
    while out.len() < ALTERNATIVES && t + len <= window.end {
        let s = Slot { start: t, end: t + len };
        if s.in_office_hours() && !busy.iter().any(|b| b.overlaps(&s)) {
            out.push(s);
        }
        t += step;
    }
    Err(out)
}

/// The event to insert (`POST /calendar/v3/calendars/{id}/events?sendUpdates=all`).
pub fn event_body(slot: Slot, summary: &str, description: &str, attendee_email: &str, attendee_name: &str) -> Value {
    json!({
        "summary": summary,
        "description": description,
        "start": { "dateTime": format_rfc3339(slot.start), "timeZone": "Asia/Makassar" },
        "end": { "dateTime": format_rfc3339(slot.end), "timeZone": "Asia/Makassar" },
        "attendees": [{ "email": attendee_email, "displayName": attendee_name }],
        "reminders": { "useDefault": true }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> i64 {
        parse_rfc3339(s).unwrap()
    }
    fn slot(a: &str, b: &str) -> Slot {
        Slot {
            start: at(a),
            end: at(b),
        }
    }

    #[test]
    fn overlap_is_half_open() {
        let a = slot("2026-12-03T10:00:00+08:00", "2026-12-03T11:00:00+08:00");
        assert!(a.overlaps(&slot("2026-12-03T10:30:00+08:00", "2026-12-03T10:45:00+08:00")));
        assert!(a.overlaps(&slot("2026-12-03T09:00:00+08:00", "2026-12-03T12:00:00+08:00")));
        assert!(
            !a.overlaps(&slot("2026-12-03T11:00:00+08:00", "2026-12-03T12:00:00+08:00")),
            "back to back is fine"
        );
        assert!(!a.overlaps(&slot("2026-12-03T09:00:00+08:00", "2026-12-03T10:00:00+08:00")));
    }

    #[test]
    fn office_hours_are_weekdays_nine_to_five_in_bali() {
        // 2026-12-03 is a Thursday, 2026-12-05 a Saturday.
        assert!(slot("2026-12-03T09:00:00+08:00", "2026-12-03T10:00:00+08:00").in_office_hours());
        assert!(slot("2026-12-03T16:00:00+08:00", "2026-12-03T17:00:00+08:00").in_office_hours());
        assert!(!slot("2026-12-03T16:30:00+08:00", "2026-12-03T17:30:00+08:00").in_office_hours());
        assert!(!slot("2026-12-03T08:30:00+08:00", "2026-12-03T09:30:00+08:00").in_office_hours());
        assert!(!slot("2026-12-05T10:00:00+08:00", "2026-12-05T11:00:00+08:00").in_office_hours());
    }

    #[test]
    fn a_conflict_is_refused_with_the_next_free_slots() {
        let requested = slot("2026-12-03T15:00:00+08:00", "2026-12-03T16:00:00+08:00");
        let busy = [
            slot("2026-12-03T14:30:00+08:00", "2026-12-03T15:30:00+08:00"),
            slot("2026-12-04T09:00:00+08:00", "2026-12-04T10:00:00+08:00"),
        ];
        let alts = check_slot(requested, &busy).unwrap_err();
        let labels: Vec<String> = alts.iter().map(|s| format_rfc3339(s.start)).collect();
        // 15:30 and 16:00 that day; Friday 09:00–10:00 is busy, so 10:00 Friday.
        assert_eq!(
            labels,
            ["2026-12-03T07:30:00Z", "2026-12-03T08:00:00Z", "2026-12-04T02:00:00Z"]
        );
        assert!(alts
            .iter()
            .all(|a| a.end - a.start == 3_600_000 && !busy.iter().any(|b| b.overlaps(a))));
        assert_eq!(check_slot(requested, &busy[1..]), Ok(()));
        assert_eq!(check_slot(requested, &[]), Ok(()));
    }

    #[test]
    fn free_busy_answers_are_read_strictly() {
        let body = json!({ "calendars": { "dewi@balizero.com": { "busy": [
            { "start": "2026-12-03T07:00:00Z", "end": "2026-12-03T08:00:00Z" } ] } } });
        let busy = busy_from_response("Dewi@balizero.com", &body).unwrap();
        assert_eq!(
            busy,
            vec![slot("2026-12-03T15:00:00+08:00", "2026-12-03T16:00:00+08:00")]
        );
        let unreadable = json!({ "calendars": { "dewi@balizero.com": { "errors": [{ "reason": "notFound" }] } } });
        assert!(busy_from_response("dewi@balizero.com", &unreadable).is_err());
        assert!(busy_from_response("other@balizero.com", &body).is_err());
        let req = freebusy_request("dewi@balizero.com", query_window(busy[0]));
        assert_eq!(req["items"][0]["id"], "dewi@balizero.com");
        assert_eq!(req["timeMax"], "2026-12-08T07:00:00Z");
    }
}
