//! `GET /v1/models` and the extra fields of a non-streamed completion: what the worker answers, built here.

use serde_json::{json, Value};

use super::{AUTO, EMBEDDING_ALIAS};
use crate::chat::turn::TurnResult;

/// The router alias, every configured provider and model name (`model_names`), and the embedding model
/// (alias and name) when one is configured; each listed once, in that order.
pub fn list(model_names: Vec<String>, embedding_model: Option<&str>) -> Value {
    let mut ids = vec![AUTO.to_string()];
    ids.extend(model_names);
    if let Some(m) = embedding_model {
        ids.extend([EMBEDDING_ALIAS.to_string(), m.to_string()]);
    }
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(id.clone()));
    let data: Vec<Value> = ids
        .iter()
        .map(|id| json!({ "id": id, "object": "model", "created": 0, "owned_by": "bali-zero" }))
        .collect();
    json!({ "object": "list", "data": data })
}

/// What a non-streamed completion carries besides OpenAI's fields: retrieval, tools, routing, conversation.
pub fn completion_extra(t: &TurnResult) -> Value {
    json!({ "sources": t.sources, "tools": t.tools, "provider": t.provider,
            "fallbacks": t.fallbacks, "conversation_id": t.conversation_id })
}

/// The names `/v1/embeddings` answers to: the alias and the model, when one is configured.
pub fn embedding_names(embedding_model: Option<&str>) -> Vec<&str> {
    embedding_model.map(|m| vec![EMBEDDING_ALIAS, m]).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_the_alias_models_and_embedding_once_each() {
        let v = list(
            vec!["offline".into(), "offline".into(), "claude".into(), "claude-x".into()],
            Some("bge-m3"),
        );
        let ids: Vec<&str> = v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, [AUTO, "offline", "claude", "claude-x", EMBEDDING_ALIAS, "bge-m3"]);
        assert_eq!(v["object"], "list");
        assert_eq!(
            v["data"][0],
            json!({ "id": AUTO, "object": "model", "created": 0, "owned_by": "bali-zero" })
        );
    }

    #[test]
    fn no_embedding_model_lists_no_embedding_names() {
        let v = list(vec!["offline".into()], None);
        assert_eq!(v["data"].as_array().unwrap().len(), 2);
        assert!(embedding_names(None).is_empty());
        assert_eq!(embedding_names(Some("m")), [EMBEDDING_ALIAS, "m"]);
    }
}
