use super::*;
use crate::llm::test_util::{block_on, text_of};
use crate::llm::types::ChatMessage;

fn passage(label: &str, title: &str, text: &str) -> Passage {
    Passage {
        title: title.into(),
        label: label.into(),
        text: text.into(),
    }
}

fn ctx(query: &str, lang: Lang) -> OfflineContext {
    OfflineContext {
        query: query.into(),
        lang,
        passages: vec![passage(
            "PP 28/2025 Pasal 211",
            "PP 28/2025",
            "Pasal 211 mengatur perizinan berusaha berbasis risiko. Pelaku usaha PMA wajib memiliki NIB melalui sistem OSS.",
        )],
        ..Default::default()
    }
}

#[test]
fn streams_word_groups_then_usage_then_done_and_continues_without_a_lead() {
    let p = OfflineProvider::new(ctx("", Lang::En));
    let mut req = ChatRequest::new(vec![ChatMessage::user("Does a PMA need an NIB?")], 500);
    let mut s = block_on(p.start(&req)).unwrap();
    let mut deltas = Vec::new();
    while let Some(d) = block_on(s.next()) {
        deltas.push(d.unwrap());
    }
    let answer = p.answer(&req);
    assert!(answer.contains("NIB"), "query taken from the last user turn: {answer}");
    assert_eq!(text_of(&deltas), answer);
    assert!(deltas.len() > 5);
    let Delta::Usage(u) = deltas[deltas.len() - 2] else {
        panic!("usage before done")
    };
    assert_eq!(u.output_tokens, answer.chars().count().div_ceil(4) as u64);
    assert!(u.input_tokens > 0);
    assert_eq!(
        deltas.last(),
        Some(&Delta::Done {
            stop_reason: StopReason::EndTurn
        })
    );

    req.continue_from = Some("A PMA needs".into());
    let cont = p.answer(&req);
    assert!(cont.starts_with("\n\n- ") && !cont.contains("knowledge base"), "{cont}");
}

#[test]
fn word_groups_concatenate_back() {
    let t = "  Halo dunia, ini   jawaban\nyang cukup panjang untuk dipotong menjadi beberapa bagian. ";
    let parts: Vec<&str> = word_groups(t, 3).collect();
    assert_eq!(parts.concat(), t);
    assert!(parts.len() >= 4);
    assert!(parts[1].starts_with(char::is_whitespace));
    assert_eq!(word_groups("", 3).count(), 0);
}

#[test]
fn max_tokens_and_stop_sequences_limit_the_answer_like_a_model() {
    let text = "one two three four five six seven eight nine ten".to_string();
    assert_eq!(limited(text.clone(), 100, &[]), (text.clone(), StopReason::EndTurn));
    let (cut, why) = limited(text.clone(), 3, &[]);
    assert_eq!(
        (cut.as_str(), why),
        ("one two", StopReason::MaxTokens),
        "12 characters, cut at a word"
    );
    let (cut, why) = limited(text.clone(), 100, &["five".into(), "three".into()]);
    assert_eq!((cut.as_str(), why), ("one two ", StopReason::StopSequence));

    let p = OfflineProvider::new(ctx("", Lang::En));
    let full = p.answer(&ChatRequest::new(
        vec![ChatMessage::user("Does a PMA need an NIB?")],
        500,
    ));
    let req = ChatRequest::new(vec![ChatMessage::user("Does a PMA need an NIB?")], 5);
    let mut s = block_on(p.start(&req)).unwrap();
    let mut streamed = String::new();
    let mut stop = None;
    while let Some(d) = block_on(s.next()) {
        match d.unwrap() {
            Delta::Text(t) => streamed.push_str(&t),
            Delta::Done { stop_reason } => stop = Some(stop_reason),
            _ => {}
        }
    }
    assert!(
        streamed.chars().count() <= 20 && full.starts_with(&streamed),
        "{streamed:?}"
    );
    assert_eq!(stop, Some(StopReason::MaxTokens));
}
