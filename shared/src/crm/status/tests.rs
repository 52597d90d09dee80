//! The workflow's tests: the transition table and planned status changes.

use super::*;

#[test]
fn the_transition_table_is_exactly_this() {
    let mut legal: Vec<(&str, &str)> = Vec::new();
    for from in ALL {
        for to in ALL {
            if from.can_become(to) {
                legal.push((from.as_str(), to.as_str()));
            }
        }
    }
    assert_eq!(
        legal,
        vec![
            ("inquiry", "quoted"),
            ("inquiry", "cancelled"),
            ("quoted", "in_progress"),
            ("quoted", "cancelled"),
            ("in_progress", "submitted"),
            ("in_progress", "cancelled"),
            ("submitted", "approved"),
            ("submitted", "rejected"),
            ("submitted", "cancelled"),
            ("approved", "completed"),
            ("rejected", "in_progress"),
            ("rejected", "completed"),
        ]
    );
}

#[test]
fn every_status_is_in_the_table_once_and_round_trips() {
    for s in ALL {
        assert_eq!(TRANSITIONS.iter().filter(|(f, _)| *f == s).count(), 1, "{s:?}");
        assert_eq!(PracticeStatus::parse(s.as_str()), Some(s));
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, format!("\"{}\"", s.as_str()));
    }
    assert_eq!(PracticeStatus::parse("done"), None);
    assert_eq!(PracticeStatus::parse("IN_PROGRESS"), None);
}

#[test]
fn no_status_leads_to_itself_or_back_to_inquiry_and_finals_are_final() {
    for s in ALL {
        assert!(!s.can_become(s), "{s:?}");
        assert!(!s.can_become(Inquiry), "{s:?}");
    }
    assert!(Completed.is_final() && Cancelled.is_final());
    assert!(!Approved.is_final() && !Rejected.is_final());
    // Every non-final status can reach a final one.
    for s in ALL {
        let mut seen = vec![s];
        let mut i = 0;
        while i < seen.len() {
            for n in seen[i].next() {
                if !seen.contains(n) {
                    seen.push(*n);
                }
            }
            i += 1;
        }
        assert!(seen.iter().any(|x| x.is_final()), "{s:?} cannot finish");
    }
}

#[test]
fn illegal_moves_are_409_and_name_the_allowed_statuses() {
    assert!(check_transition(Inquiry, Quoted).is_ok());
    let e = check_transition(Inquiry, Approved).unwrap_err();
    assert_eq!(e.status(), 409);
    assert!(
        e.message.contains("allowed next statuses: quoted, cancelled"),
        "{}",
        e.message
    );
    let e = check_transition(Completed, InProgress).unwrap_err();
    assert!(e.message.contains("none (it is final)"), "{}", e.message);
}

#[test]
fn open_and_permit_holding_statuses() {
    let open: Vec<_> = ALL.into_iter().filter(|s| s.is_open()).collect();
    assert_eq!(open, vec![Inquiry, Quoted, InProgress, Submitted]);
    assert!(!Cancelled.holds_permit() && !Rejected.holds_permit() && Approved.holds_permit());
    assert_eq!(Submitted.stamps(), Some("submitted_at"));
    assert_eq!(Completed.stamps(), None);
}

fn state(status: PracticeStatus) -> PracticeState {
    PracticeState {
        status,
        start_date: None,
        submitted_at: None,
        approved_at: None,
        expiry_date: None,
    }
}
fn change(status: PracticeStatus) -> StatusChangeBody {
    StatusChangeBody {
        status,
        version: Some(1),
        date: None,
        expiry_date: None,
        note: None,
    }
}

#[test]
fn status_changes_stamp_dates_and_default_the_expiry() {
    let today = Date::parse_opt("2025-06-01").unwrap();
    let t = change(InProgress).plan(&state(Quoted), today, None).unwrap();
    assert_eq!(t.start_date.as_deref(), Some("2025-06-01"));
    let t = StatusChangeBody {
        date: Some("2025-05-20".into()),
        ..change(Submitted)
    }
    .plan(&state(InProgress), today, None)
    .unwrap();
    assert_eq!(t.submitted_at.as_deref(), Some("2025-05-20"));
    let t = change(Approved).plan(&state(Submitted), today, Some(365)).unwrap();
    assert_eq!(
        (t.approved_at.as_deref(), t.expiry_date.as_deref()),
        (Some("2025-06-01"), Some("2026-06-01"))
    );
    let t = StatusChangeBody {
        expiry_date: Some("2025-12-31".into()),
        ..change(Approved)
    }
    .plan(&state(Submitted), today, Some(365))
    .unwrap();
    assert_eq!(t.expiry_date.as_deref(), Some("2025-12-31"));
    let t = change(Approved).plan(&state(Submitted), today, None).unwrap();
    assert_eq!(t.expiry_date, None, "no validity known, no expiry invented");
}

#[test]
fn bad_status_changes() {
    let today = Date::parse_opt("2025-06-01").unwrap();
    let e = change(Approved).plan(&state(Inquiry), today, None).unwrap_err();
    assert_eq!(e.status(), 409);
    assert!(e.message.contains("quoted, cancelled"));
    let e = StatusChangeBody {
        date: Some("2025-01-01".into()),
        ..change(Cancelled)
    }
    .plan(&state(Inquiry), today, None)
    .unwrap_err();
    assert_eq!(e.status(), 422);
    let e = StatusChangeBody {
        expiry_date: Some("2026-01-01".into()),
        ..change(Quoted)
    }
    .plan(&state(Inquiry), today, None)
    .unwrap_err();
    assert_eq!(e.status(), 422);
    let e = StatusChangeBody {
        date: Some("2025-02-30".into()),
        ..change(InProgress)
    }
    .plan(&state(Quoted), today, None)
    .unwrap_err();
    assert_eq!(e.status(), 422);
}

#[test]
fn resubmission_keeps_the_start_date_and_finals_refuse_every_move() {
    let today = Date::parse_opt("2025-06-01").unwrap();
    let rejected = PracticeState {
        start_date: Some("2025-01-10".into()),
        submitted_at: Some("2025-02-01".into()),
        ..state(Rejected)
    };
    let t = change(InProgress).plan(&rejected, today, None).unwrap();
    assert_eq!((t.from, t.to), (Rejected, InProgress));
    assert_eq!(t.start_date.as_deref(), Some("2025-01-10"), "the first start stays");
    assert_eq!(t.submitted_at.as_deref(), Some("2025-02-01"));
    let t = change(Submitted).plan(&state(InProgress), today, None).unwrap();
    assert_eq!(t.submitted_at.as_deref(), Some("2025-06-01"));
    let t = StatusChangeBody {
        note: Some("  paid in full ".into()),
        ..change(Completed)
    }
    .plan(&state(Approved), today, None)
    .unwrap();
    assert_eq!(t.note.as_deref(), Some("paid in full"));
    for from in [Completed, Cancelled] {
        for to in ALL {
            let e = change(to).plan(&state(from), today, Some(30)).unwrap_err();
            assert_eq!(e.status(), 409, "{from:?} -> {to:?}");
        }
    }
}
