//! Interactions: the kinds of a client's timeline entries and the bodies that add one.

use serde::{Deserialize, Serialize};

use super::check::{id, invalid, opt, text, MAX_NOTES};
use crate::error::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InteractionKind {
    Chat,
    Email,
    Whatsapp,
    Call,
    Meeting,
    Note,
    /// Written by the renewal job only.
    Reminder,
}

impl InteractionKind {
    /// The kinds a person may log by hand.
    pub const MANUAL: [InteractionKind; 6] = [
        Self::Chat,
        Self::Email,
        Self::Whatsapp,
        Self::Call,
        Self::Meeting,
        Self::Note,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Chat => "chat",
            Self::Email => "email",
            Self::Whatsapp => "whatsapp",
            Self::Call => "call",
            Self::Meeting => "meeting",
            Self::Note => "note",
            Self::Reminder => "reminder",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::MANUAL.as_slice(), &[Self::Reminder]]
            .concat()
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// `POST /crm/clients/{id}/interactions`. `occurred_at` is Unix milliseconds (default: now).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InteractionBody {
    pub kind: InteractionKind,
    pub summary: String,
    pub practice_id: Option<String>,
    pub occurred_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInteraction {
    pub kind: InteractionKind,
    pub summary: String,
    pub practice_id: Option<String>,
    pub occurred_at: i64,
}

/// 2000-01-01T00:00:00Z: nothing the firm logs is older.
pub const EARLIEST_MS: i64 = 946_684_800_000;

impl InteractionBody {
    pub fn validate(self, now_ms: i64) -> Result<NewInteraction, ApiError> {
        if self.kind == InteractionKind::Reminder {
            return Err(invalid("kind", "reminders are written by the renewal job; use note"));
        }
        let occurred_at = self.occurred_at.unwrap_or(now_ms);
        if occurred_at < EARLIEST_MS || occurred_at > now_ms + 86_400_000 {
            return Err(invalid(
                "occurred_at",
                "must be Unix milliseconds between 2000 and tomorrow",
            ));
        }
        Ok(NewInteraction {
            kind: self.kind,
            summary: text("summary", &self.summary, 1, MAX_NOTES, true)?,
            practice_id: opt(self.practice_id, |s| id("practice_id", s))?,
            occurred_at,
        })
    }
}

/// `POST /crm/interactions/from-conversation`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FromConversationBody {
    pub client_id: String,
    pub conversation_id: String,
    pub practice_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interactions() {
        let now = 1_748_770_200_000;
        let i = InteractionBody {
            kind: InteractionKind::Call,
            summary: " Called about E33G ".into(),
            practice_id: None,
            occurred_at: None,
        }
        .validate(now)
        .unwrap();
        assert_eq!((i.summary.as_str(), i.occurred_at), ("Called about E33G", now));
        assert!(InteractionBody {
            kind: InteractionKind::Reminder,
            summary: "x".into(),
            practice_id: None,
            occurred_at: None
        }
        .validate(now)
        .is_err());
        assert!(InteractionBody {
            kind: InteractionKind::Note,
            summary: "x".into(),
            practice_id: None,
            occurred_at: Some(5)
        }
        .validate(now)
        .is_err());
        assert!(InteractionBody {
            kind: InteractionKind::Note,
            summary: "".into(),
            practice_id: None,
            occurred_at: None
        }
        .validate(now)
        .is_err());
    }
}
