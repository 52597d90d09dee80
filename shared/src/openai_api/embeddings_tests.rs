use super::*;

fn parse(v: Value, dims: Option<usize>) -> Result<ValidEmbeddings, ApiError> {
    serde_json::from_value::<EmbeddingsRequest>(v)
        .unwrap()
        .validate(&["nuzantara-embedding", "multilingual-e5-small"], dims)
}

fn param(v: Value) -> (u16, Option<String>) {
    let e = parse(v, Some(384)).unwrap_err();
    (e.status(), e.param)
}

#[test]
fn inputs_formats_and_roles() {
    let e = parse(json!({"model": "nuzantara-embedding", "input": "hi"}), Some(384)).unwrap();
    assert_eq!(
        (e.texts.clone(), e.base64, e.role),
        (vec!["hi".to_string()], false, EmbedRole::Query)
    );
    let e = parse(
        json!({"model": "multilingual-e5-small", "input": ["a", "b"], "encoding_format": "base64",
               "dimensions": 384, "input_type": "passage"}),
        Some(384),
    )
    .unwrap();
    assert_eq!(
        (e.texts.len(), e.base64, e.role, e.dimensions),
        (2, true, EmbedRole::Passage, Some(384))
    );
    assert_eq!(
        param(json!({"model": "text-embedding-3-small", "input": "x"})),
        (404, Some("model".into()))
    );
    assert_eq!(
        param(json!({"model": "nuzantara-embedding", "input": [1, 2, 3]})),
        (400, Some("input".into()))
    );
    assert_eq!(
        param(json!({"model": "nuzantara-embedding", "input": [[1, 2]]})),
        (400, Some("input".into()))
    );
    assert_eq!(
        param(json!({"model": "nuzantara-embedding", "input": []})),
        (400, Some("input".into()))
    );
    assert_eq!(
        param(json!({"model": "nuzantara-embedding", "input": [""]})),
        (400, Some("input".into()))
    );
    assert_eq!(
        param(json!({"model": "nuzantara-embedding", "input": "x", "encoding_format": "int8"})),
        (400, Some("encoding_format".into()))
    );
    assert_eq!(
        param(json!({"model": "nuzantara-embedding", "input": "x", "dimensions": 256})),
        (400, Some("dimensions".into()))
    );
    let none = serde_json::from_value::<EmbeddingsRequest>(json!({"model": "nuzantara-embedding", "input": "x"}))
        .unwrap()
        .validate(&[], None)
        .unwrap_err();
    assert_eq!(none.code, ErrorCode::ModelNotFound);
    assert!(check_dimensions(Some(8), None).is_ok() && check_dimensions(Some(8), Some(9)).is_err());
}

#[test]
fn responses_are_openai_lists_and_base64_is_little_endian_f32() {
    let v = vec![vec![1.0_f32, -0.5], vec![0.25, 0.0]];
    let r = response("m", &v, false, 7);
    assert_eq!(r["data"][1]["index"], 1);
    assert_eq!(r["data"][0]["embedding"], json!([1.0, -0.5]));
    assert_eq!(r["usage"], json!({"prompt_tokens": 7, "total_tokens": 7}));
    let b = response("m", &v, true, 7);
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b["data"][0]["embedding"].as_str().unwrap())
        .unwrap();
    let back: Vec<f32> = bytes
        .chunks(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    assert_eq!(back, v[0]);
    assert_eq!(estimate_tokens(&["abcd".into(), "abcde".into()]), 3);
}
