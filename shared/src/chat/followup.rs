//! Follow-up questions: "How much does it cost?", "E quanto dura?", "Berapa biayanya?" lean on the conversation
//! for their subject. Searched as they are, they found the wrong passages (or none, and the composer said "I
//! don't know" about the permit discussed a turn before). A follow-up is searched, and answered by the offline
//! composer and the tools, with the words of the earlier question that set the subject appended; a model still
//! gets the question as asked, beside the conversation.

use crate::answer::courtesy::courtesy;
use crate::llm::{ChatMessage, Role};
use crate::search::analyze::{analyze, Analysis};

/// A follow-up has at most this many content words of its own: longer questions carry their own subject.
const MAX_OWN_TERMS: usize = 3;
/// At most this many subject words are carried over.
const MAX_CARRIED: usize = 8;

/// Demonstratives that point back to something said before ("this visa", "questo visto", "izin tersebut"), in
/// English, Indonesian and Italian. Not "it", "there", "la": as often a dummy subject or an article as a pointer
/// ("Is it hard to get a KITAS?", "Is there a tax on villas?", "la società").
const POINTERS: &[&str] = &[
    "this", "that", "these", "those", "itu", "ini", "tersebut", "tsb", "questo", "questa", "questi", "queste",
    "quello", "quella",
];
/// The routing hint every price question has: it names no subject.
const PRICING_ROUTE: &str = "bali_zero_pricing";

/// The question to search with: `question` followed by the words of the latest earlier question that set the
/// subject, when `question` is a follow-up; else `None` (search with the question as asked). Only the subject
/// is carried: the words of follow-ups in between ("cost", "how long") were their own questions.
pub fn standalone(question: &str, recent: &[ChatMessage]) -> Option<String> {
    // A conversation's first question costs nothing here.
    if !recent.iter().any(|m| m.role == Role::User) {
        return None;
    }
    let own = analyze(question, true);
    if kind(question, &own) != Kind::FollowUp {
        return None;
    }
    let subject = recent.iter().rev().filter(|m| m.role == Role::User).find_map(|m| {
        let a = analyze(&m.content, true);
        (kind(&m.content, &a) == Kind::Subject).then_some(a)
    })?;
    let carried: Vec<String> = subject
        .terms
        .into_iter()
        .filter(|t| !own.terms.contains(t))
        .take(MAX_CARRIED)
        .collect();
    (!carried.is_empty()).then(|| format!("{} {}", question.trim(), carried.join(" ")))
}

#[derive(Debug, PartialEq)]
enum Kind {
    /// Names its own subject.
    Subject,
    /// Leans on an earlier question for it.
    FollowUp,
    /// Thanks, greetings, punctuation: no question about the subject.
    Other,
}

/// A follow-up is short, without a code, and either points back ("this", "questo", "-nya") or names no subject of
/// the knowledge base (no routing hint but prices).
fn kind(question: &str, a: &Analysis) -> Kind {
    if a.terms.is_empty() || courtesy(question).is_some() {
        return Kind::Other;
    }
    if !a.codes.is_empty() || a.terms.len() > MAX_OWN_TERMS {
        return Kind::Subject;
    }
    // The question's words, not its terms: the demonstratives are stopwords.
    let points_back = crate::search::words::words(question)
        .iter()
        .any(|w| POINTERS.contains(&w.as_str()) || (w.len() > 5 && w.ends_with("nya")));
    if points_back || a.route_hints.iter().all(|r| r == PRICING_ROUTE) {
        Kind::FollowUp
    } else {
        Kind::Subject
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(questions: &[&str]) -> Vec<ChatMessage> {
        questions
            .iter()
            .flat_map(|q| {
                [
                    ChatMessage::user(q.to_string()),
                    ChatMessage::assistant("An answer.".to_string()),
                ]
            })
            .collect()
    }

    #[test]
    fn a_followup_carries_the_subject_of_the_question_before() {
        let recent = asked(&["What is the E33G remote worker KITAS?"]);
        for q in [
            "How much does it cost?",
            "And how long does it last?",
            "Can my wife join me?",
            "What documents do I need?",
            "Quanto costa?",
            "E quanto dura?",
            "Berapa biayanya?",
            "Posso lavorare con questo visto?",
        ] {
            let s = standalone(q, &recent).unwrap_or_else(|| panic!("{q} is a follow-up"));
            assert!(
                s.starts_with(q) && s.contains("e33g") && s.contains("kitas"),
                "{q} -> {s}"
            );
        }
    }

    #[test]
    fn a_question_with_its_own_subject_is_searched_as_asked() {
        let recent = asked(&["What is the E33G remote worker KITAS?"]);
        for q in [
            "What is a PT PMA?",
            "Which KBLI code do I need for a restaurant?",
            "How much is the C1 visa?",
            "What are the rules for foreign ownership of land in Bali under PP 18/2021?",
            "Thanks, that helps!",
            "Is it hard to get a KITAS?",
            "Is there a tax on villas?",
            "?",
        ] {
            assert_eq!(standalone(q, &recent), None, "{q}");
        }
        // Nothing to carry: the first question of a conversation.
        assert_eq!(standalone("How much does it cost?", &[]), None);
    }

    #[test]
    fn a_followup_of_followups_carries_only_the_subject() {
        let recent = asked(&[
            "What is a PT PMA?",
            "Tell me about the KITAP",
            "How much does it cost?",
            "Thanks!",
            "Is it renewable?",
            "Can my wife join me?",
        ]);
        let s = standalone("And how long does it take?", &recent).unwrap();
        assert!(
            s.starts_with("And how long does it take? ") && s.contains("kitap"),
            "{s}"
        );
        for other in ["pma", "cost", "renewable", "wife", "thanks"] {
            assert!(!s.contains(other), "{s}");
        }
    }

    #[test]
    fn carried_words_are_few_and_not_repeated() {
        let recent = asked(&[
            "What documents does the E33G remote worker KITAS need for a family with two children and a dog moving to Ubud?",
        ]);
        let s = standalone("How much does it cost?", &recent).unwrap();
        let carried: Vec<&str> = s["How much does it cost?".len()..].split_whitespace().collect();
        assert!(carried.len() <= MAX_CARRIED, "{s}");
        let recent = asked(&["What does the E33G KITAS cost?"]);
        let s = standalone("And the cost of an extension of it?", &recent).unwrap();
        assert_eq!(s.matches("cost").count(), 1, "{s}");
        assert!(s.contains("e33g"), "{s}");
    }
}
