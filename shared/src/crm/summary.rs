//! Extractive summary of a chat conversation for the client's timeline: the first user question and the
//! message count. No model involved, so it is instant, free and never invents anything.

/// Longest question quoted, in characters.
pub const MAX_QUOTE: usize = 300;

/// `message_count`: every message of the conversation; `first_question`: the first non-blank user message.
pub fn summarise_conversation(title: &str, message_count: u64, first_question: Option<&str>) -> String {
    let count = if message_count == 1 {
        "1 message".to_string()
    } else {
        format!("{message_count} messages")
    };
    let title = squash(title);
    let head = if title.is_empty() {
        format!("Chat conversation ({count})")
    } else {
        format!("Chat conversation \"{}\" ({count})", clip(&title, 120))
    };
    match first_question.map(squash).filter(|q| !q.is_empty()) {
        Some(q) => format!("{head}. First question: \"{}\"", clip(&q, MAX_QUOTE)),
        None => format!("{head}, without a question from the user."),
    }
}

/// The first non-blank user message of (role, content) pairs in conversation order.
pub fn first_question(messages: &[(String, String)]) -> Option<&str> {
    messages
        .iter()
        .find(|(role, content)| role == "user" && !content.trim().is_empty())
        .map(|(_, c)| c.as_str())
}

/// Collapses runs of whitespace (newlines included) to one space.
fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max - 1).collect();
    format!("{}…", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(role: &str, c: &str) -> (String, String) {
        (role.to_string(), c.to_string())
    }

    #[test]
    fn first_question_and_count() {
        let msgs = [
            m("system", "You are…"),
            m("user", "  "),
            m("user", "  How long does an\nE33G KITAS take? "),
            m("assistant", "30-45 days."),
            m("user", "Thanks"),
        ];
        assert_eq!(
            summarise_conversation("Remote worker visa", msgs.len() as u64, first_question(&msgs)),
            "Chat conversation \"Remote worker visa\" (5 messages). First question: \"How long does an E33G KITAS take?\""
        );
    }

    #[test]
    fn edge_cases() {
        assert_eq!(
            summarise_conversation("", 0, None),
            "Chat conversation (0 messages), without a question from the user."
        );
        assert_eq!(first_question(&[m("assistant", "Hi")]), None);
        assert_eq!(
            summarise_conversation("", 1, Some(" \n ")),
            "Chat conversation (1 message), without a question from the user."
        );
        let long = "kitas ".repeat(200);
        let s = summarise_conversation("", 1, Some(&long));
        assert!(s.ends_with("…\"") && s.chars().count() < 360, "{s}");
        let multibyte = "漢".repeat(400);
        assert!(summarise_conversation("", 1, Some(&multibyte)).contains('…'));
    }
}
