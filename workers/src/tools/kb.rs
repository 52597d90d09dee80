//! Knowledge-base tools: search with citations, and KBLI lookup by code or words.

use nuzantara_shared::error::ApiResult;
use nuzantara_shared::kb::collections::KBLI;
use nuzantara_shared::search::SearchRequest;
use serde_json::{json, Value};

use crate::rag;

pub async fn search(d: &rag::Deps, args: &Value) -> ApiResult<(String, Value)> {
    let request = SearchRequest {
        query: args["query"].as_str().unwrap_or_default().to_string(),
        collections: args["collections"]
            .as_array()
            .map(|a| a.iter().filter_map(|c| c.as_str().map(String::from)).collect()),
        top_k: Some(args["top_k"].as_i64().unwrap_or(5)),
        mode: None,
        rerank: None,
    };
    let valid = rag::validate(request, &d.kb).await?;
    let out = rag::run(&valid, d).await?;
    let summary = out
        .results
        .iter()
        .enumerate()
        .map(|(i, r)| format!("[{}] {}: {}", i + 1, r.citation.label, r.snippet.text))
        .collect::<Vec<_>>()
        .join("\n");
    Ok((summary, serde_json::to_value(&out).unwrap_or_default()))
}

pub async fn kbli(d: &rag::Deps, args: &Value) -> ApiResult<(String, Value)> {
    let query = args["query"].as_str().unwrap_or_default().trim();
    let limit = args["limit"].as_i64().unwrap_or(3);
    let kb = &d.kb;
    if query.len() == 5 && query.bytes().all(|b| b.is_ascii_digit()) {
        if let Some(doc) = kb.document(&format!("kbli/{query}")).await? {
            let text = doc["chunks"][0]["text"].as_str().unwrap_or_default().to_string();
            let title = doc["title"].as_str().unwrap_or_default().to_string();
            return Ok((
                format!("{title}\n{text}"),
                json!({ "codes": [{ "code": query, "title": title, "text": text }] }),
            ));
        }
        return Ok((
            format!("KBLI {query} does not exist in KBLI 2020."),
            json!({ "codes": [] }),
        ));
    }
    // The collection is ours, not checked against the list in D1: a knowledge base without KBLI codes finds
    // none.
    let request = SearchRequest {
        query: query.to_string(),
        collections: Some(vec![KBLI.into()]),
        top_k: Some(limit),
        mode: Some(nuzantara_shared::search::Mode::Keyword),
        rerank: None,
    };
    let valid = request.validate(&[KBLI.into()])?;
    let out = rag::run(&valid, d).await?;
    let codes: Vec<Value> = out
        .results
        .iter()
        .map(|r| json!({ "code": r.citation.document_id.trim_start_matches("kbli/"), "title": r.citation.title, "text": r.text }))
        .collect();
    let summary = out
        .results
        .iter()
        .map(|r| format!("{}: {}", r.citation.title, r.snippet.text))
        .collect::<Vec<_>>()
        .join("\n");
    Ok((summary, json!({ "codes": codes })))
}
