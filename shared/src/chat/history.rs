//! Which past messages go to the model: the newest that fit a token budget, oldest first.

use crate::llm::types::ChatMessage;

/// Roughly four characters per token, as the providers' own estimates for Latin scripts.
pub fn estimate_tokens(text: &str) -> usize {
    text.chars().count().div_ceil(4)
}

/// Keeps the most recent messages whose estimated tokens fit in `budget`, in chronological order.
pub fn window(messages: &[ChatMessage], budget: usize) -> Vec<ChatMessage> {
    let mut used = 0;
    let mut kept: Vec<ChatMessage> = Vec::new();
    for m in messages.iter().rev() {
        let cost = estimate_tokens(&m.content) + 4;
        if used + cost > budget {
            break;
        }
        used += cost;
        kept.push(m.clone());
    }
    kept.reverse();
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_messages_that_fit_are_kept_in_order() {
        let msgs: Vec<ChatMessage> = (0..10)
            .map(|i| {
                if i % 2 == 0 {
                    ChatMessage::user(format!("question {i} {}", "x".repeat(36)))
                } else {
                    ChatMessage::assistant(format!("answer {i}"))
                }
            })
            .collect();
        let w = window(&msgs, 40);
        assert!(!w.is_empty() && w.len() < msgs.len());
        assert_eq!(w.last().unwrap().content, msgs[9].content);
        let total: usize = w.iter().map(|m| estimate_tokens(&m.content) + 4).sum();
        assert!(total <= 40);
        assert!(window(&msgs, 0).is_empty());
        assert_eq!(window(&msgs, 100_000).len(), 10);
    }
}
