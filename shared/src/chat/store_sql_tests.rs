use serde_json::json;

use super::*;
use crate::chat::turn::NewConversation;
use crate::llm::Role;

fn opening(new: bool) -> Opening {
    Opening {
        new_conversation: new.then(|| NewConversation {
            user_id: None,
            session_id: "s1".into(),
            title: "Visa".into(),
            language: "en",
        }),
        conversation_id: "c1".into(),
        question_id: "q1".into(),
        question: "What visa?".into(),
        answer_id: "a1".into(),
        now_ms: 1_000,
    }
}

fn finished() -> Finished {
    Finished {
        answer_id: "a1".into(),
        content: "A KITAS.".into(),
        status: "complete",
        model: Some("offline".into()),
        sources: Some(json!([1])),
        tool_calls: None,
        tokens: Some((3, 4)),
        latency_ms: 9,
    }
}

fn s(v: &str) -> Arg {
    Arg::S(v.into())
}

/// Every `?n` a statement uses has an argument.
fn placeholders_match(st: &Stmt) {
    let max = (1..=20).rev().find(|n| st.sql.contains(&format!("?{n}"))).unwrap_or(0);
    assert_eq!(max, st.args.len(), "{}", st.sql);
}

#[test]
fn the_log_key_names_the_answer() {
    assert_eq!(log_key("m1"), "answer:m1");
}

#[test]
fn a_new_conversation_is_created_with_the_question_and_the_placeholder() {
    let b = begin(&opening(true), None);
    assert_eq!(b.len(), 3);
    assert!(b[0].sql.starts_with("INSERT INTO conversations"));
    assert_eq!(
        b[0].args,
        [s("c1"), Arg::Null, s("s1"), s("Visa"), s("en"), Arg::I(1_000)]
    );
    assert_eq!(
        b[1].args,
        [
            s("q1"),
            s("c1"),
            s("user"),
            s("What visa?"),
            s("complete"),
            Arg::I(1_000)
        ]
    );
    assert_eq!(
        b[2].args,
        [s("a1"), s("c1"), s("assistant"), s(""), s("partial"), Arg::I(1_000)]
    );
    b.iter().for_each(placeholders_match);
}

#[test]
fn a_continued_conversation_is_touched_and_a_whole_answer_inserted_finished() {
    let b = begin(&opening(false), Some(&finished()));
    assert_eq!(b.len(), 3);
    assert!(b[1].sql.contains("'assistant'"));
    assert_eq!(
        b[1].args,
        [
            s("a1"),
            s("c1"),
            s("A KITAS."),
            s("complete"),
            Arg::I(1_000),
            s("offline"),
            s("[1]"),
            Arg::Null,
            Arg::I(3),
            Arg::I(4),
            Arg::I(9)
        ]
    );
    assert!(b[2].sql.starts_with("UPDATE conversations SET updated_at"));
    assert_eq!(b[2].args, [Arg::I(1_000), s("c1")]);
    b.iter().for_each(placeholders_match);
}

#[test]
fn finishing_fills_the_placeholder() {
    let mut f = finished();
    f.tokens = None;
    let st = finish(&f);
    assert!(st.sql.starts_with("UPDATE messages"));
    assert_eq!(st.args.last(), Some(&s("a1")));
    assert_eq!(st.args[5..7], [Arg::Null, Arg::Null]);
    placeholders_match(&st);
}

#[test]
fn history_rows_become_messages_and_the_window_is_bounded() {
    let st = recent("c1");
    assert_eq!(st.args, [s("c1"), Arg::I(RECENT as i64)]);
    placeholders_match(&st);
    let rows: Vec<HistoryRow> =
        serde_json::from_value(json!([{ "role": "user", "content": "hi" }, { "role": "assistant", "content": "yo" }]))
            .unwrap();
    let h = history(rows);
    assert_eq!((h[0].role, h[1].role), (Role::User, Role::Assistant));
    assert_eq!(h[1], ChatMessage::assistant("yo"));
}
