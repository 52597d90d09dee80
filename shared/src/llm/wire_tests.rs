use super::*;
use crate::llm::error::ErrorKind;
use crate::llm::test_util::block_on;
use crate::llm::types::ChatMessage;

fn cfg(name: &str, kind: ProviderKind, base: &str, key: Option<&str>) -> ProviderConfig {
    ProviderConfig {
        name: name.into(),
        kind,
        base_url: base.into(),
        api_key: key.map(Into::into),
        model: "m1".into(),
    }
}

#[test]
fn http_call_per_kind() {
    let req = ChatRequest::new(vec![ChatMessage::user("hi")], 10);
    let a = http_call(
        &cfg(
            "anthropic",
            ProviderKind::Anthropic,
            "https://api.anthropic.com",
            Some("k"),
        ),
        &req,
        true,
    )
    .unwrap();
    assert_eq!(a.url, "https://api.anthropic.com/v1/messages");
    let body: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(
        (body["model"].as_str(), body["stream"].as_bool()),
        (Some("m1"), Some(true))
    );
    let o = http_call(
        &cfg(
            "openrouter",
            ProviderKind::OpenAiCompatible,
            "https://openrouter.ai/api/v1",
            Some("k"),
        ),
        &req,
        true,
    )
    .unwrap();
    assert_eq!(o.url, "https://openrouter.ai/api/v1/chat/completions");
    assert!(o.headers.contains(&("authorization".into(), "Bearer k".into())));
    let no_key = http_call(
        &cfg("openai", ProviderKind::OpenAiCompatible, "https://x/v1", None),
        &req,
        true,
    )
    .unwrap_err();
    assert_eq!(no_key.kind, ErrorKind::Status(401));
    let not_http = http_call(&cfg("workers-ai", ProviderKind::WorkersAi, "", None), &req, true).unwrap_err();
    assert!(!not_http.counts_against_provider());
    assert!(StreamDecoder::for_kind(ProviderKind::Offline).is_none());
}

struct Chunks(Vec<Result<Vec<u8>, ProviderError>>);

impl ByteSource for Chunks {
    async fn next_chunk(&mut self) -> Option<Result<Vec<u8>, ProviderError>> {
        (!self.0.is_empty()).then(|| self.0.remove(0))
    }
}

fn drain<S: DeltaStream>(mut s: S) -> Vec<Result<Delta, ProviderError>> {
    let mut out = Vec::new();
    while let Some(d) = block_on(s.next()) {
        out.push(d);
    }
    out
}

#[test]
fn decoded_stream_turns_body_chunks_into_deltas_then_ends() {
    let body = "data: {\"response\":\"Ha\"}\n\ndata: {\"response\":\"lo\"}\n\ndata: [DONE]\n\n".as_bytes();
    let (a, b) = body.split_at(20);
    let s = DecodedStream::new(
        Chunks(vec![Ok(a.to_vec()), Ok(b.to_vec())]),
        StreamDecoder::for_kind(ProviderKind::WorkersAi).unwrap(),
    );
    let got = drain(s);
    assert_eq!(got.len(), 3);
    assert_eq!(got[0], Ok(Delta::Text("Ha".into())));
    assert_eq!(
        got[2],
        Ok(Delta::Done {
            stop_reason: crate::llm::StopReason::EndTurn
        })
    );
}

#[test]
fn decoded_stream_reports_read_errors_and_truncation_after_the_decoded_deltas() {
    let part = b"data: {\"response\":\"Ha\"}\n\n".to_vec();
    let s = DecodedStream::new(
        Chunks(vec![Ok(part.clone()), Err(ProviderError::connection("reset"))]),
        OpenAiDecoder::workers_ai(),
    );
    let got = drain(s);
    assert_eq!(
        got,
        vec![Ok(Delta::Text("Ha".into())), Err(ProviderError::connection("reset"))]
    );
    let got = drain(DecodedStream::new(Chunks(vec![Ok(part)]), OpenAiDecoder::workers_ai()));
    assert_eq!(got[0], Ok(Delta::Text("Ha".into())));
    assert_eq!(got[1].as_ref().unwrap_err().kind, ErrorKind::Truncated);
    assert_eq!(got.len(), 2, "nothing after the error");
}
