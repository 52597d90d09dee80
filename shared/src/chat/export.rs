//! Conversation export as Markdown (JSON export is the API's own shape).

use serde_json::Value;

/// `conversation`: `{id, title, created_at}`; `messages`: `[{role, content, created_at, sources?}]`.
pub fn markdown(conversation: &Value, messages: &[Value]) -> String {
    let title = conversation["title"]
        .as_str()
        .filter(|t| !t.is_empty())
        .unwrap_or("Conversation");
    let mut out = format!(
        "# {}\n\n_Conversation {}_\n\n",
        escape(title),
        conversation["id"].as_str().unwrap_or("")
    );
    for m in messages {
        let who = match m["role"].as_str() {
            Some("user") => "You",
            Some("assistant") => "Nuzantara",
            Some(other) => other,
            None => "?",
        };
        out.push_str(&format!("## {who}\n\n{}\n\n", m["content"].as_str().unwrap_or("")));
        if let Some(sources) = m["sources"].as_array().filter(|s| !s.is_empty()) {
            out.push_str("Sources:\n");
            for (i, s) in sources.iter().enumerate() {
                let label = s["label"].as_str().or(s["title"].as_str()).unwrap_or("source");
                out.push_str(&format!("{}. {}\n", i + 1, escape(label)));
            }
            out.push('\n');
        }
    }
    out
}

/// Headings and list markers in titles would break the document's structure.
fn escape(s: &str) -> String {
    s.replace(['\n', '\r'], " ").replace('#', "\\#")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn markdown_lists_turns_and_sources() {
        let md = markdown(
            &json!({ "id": "c1", "title": "C1 visa\n# injected" }),
            &[
                json!({ "role": "user", "content": "How much is a C1?" }),
                json!({ "role": "assistant", "content": "IDR 2,300,000 [1]", "sources": [{ "label": "Bali Zero price list 2025 › C1 Tourism" }] }),
            ],
        );
        assert!(md.starts_with("# C1 visa \\# injected\n"));
        assert!(md.contains("## You\n\nHow much is a C1?"));
        assert!(md.contains("## Nuzantara\n\nIDR 2,300,000 [1]"));
        assert!(md.contains("1. Bali Zero price list 2025 › C1 Tourism"));
    }
}
