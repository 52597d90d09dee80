//! What the webhook hands to the queue: one job per event of a delivery (so one bad event cannot hold up the
//! others), and `send` jobs for messages put in the outbox by a consultant or the reminders.

use serde::{Deserialize, Serialize};

use super::payload::Event;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "job", rename_all = "snake_case")]
pub enum Job {
    Event(Event),
    /// Send the outbox row with this id (its message is stored there).
    Send {
        outbox_id: String,
    },
}

impl Job {
    /// A short description for logs and the failure list: the kind and the message id it concerns.
    pub fn describe(&self) -> (&'static str, String) {
        use super::payload::Event::*;
        match self {
            Job::Event(Message(m)) => ("message", m.wamid.clone()),
            Job::Event(Status(s)) => ("status", s.wamid.clone()),
            Job::Send { outbox_id } => ("send", outbox_id.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::whatsapp::payload::{Content, Inbound};

    #[test]
    fn jobs_round_trip_through_json() {
        let jobs = vec![
            Job::Event(Event::Message(Inbound {
                wamid: "wamid.1".into(),
                from: "6281".into(),
                name: None,
                timestamp: 5,
                content: Content::Text { body: "halo".into() },
            })),
            Job::Send {
                outbox_id: "abc".into(),
            },
        ];
        for j in jobs {
            let s = serde_json::to_string(&j).unwrap();
            assert_eq!(serde_json::from_str::<Job>(&s).unwrap(), j, "{s}");
        }
        assert_eq!(Job::Send { outbox_id: "x".into() }.describe(), ("send", "x".into()));
    }
}
