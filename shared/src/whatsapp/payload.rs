//! The webhook's JSON (`entry[].changes[].value` with `metadata`, `contacts`, `messages`, `statuses`), read
//! tolerantly: fields Meta adds are ignored, a message type we do not know is kept as [`Content::Other`], a
//! change for another phone number id is skipped. Each message and status becomes one [`Event`].

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::status::DeliveryStatus;

/// Longest text we keep from one message (WhatsApp allows 4,096 characters).
pub const MAX_TEXT_CHARS: usize = 4_096;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    Message(Inbound),
    Status(StatusUpdate),
}

/// A message a client sent us.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inbound {
    /// `wamid.…`: the idempotency key.
    pub wamid: String,
    /// The sender's number as digits (`wa_id`).
    pub from: String,
    /// The sender's profile name, when Meta sends the contact.
    pub name: Option<String>,
    /// Seconds since the epoch, as Meta stamps it.
    pub timestamp: u64,
    pub content: Content,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Content {
    Text {
        body: String,
    },
    /// Image, document, audio (voice notes included), video or sticker: we answer in text only for now.
    Media {
        kind: String,
        media_id: Option<String>,
        mime_type: Option<String>,
        filename: Option<String>,
        caption: Option<String>,
    },
    /// A reaction to one of our messages: nothing to answer.
    Reaction,
    /// Location, contacts, interactive replies, `unsupported`, types added later.
    Other {
        kind: String,
    },
}

/// A delivery status of a message we sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusUpdate {
    pub wamid: String,
    pub status: DeliveryStatus,
    pub recipient: Option<String>,
    pub timestamp: u64,
    /// Meta's error title and code for `failed`.
    pub error: Option<String>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum PayloadError {
    NotJson,
    NotWhatsApp,
}

#[derive(Deserialize)]
struct Envelope {
    object: Option<String>,
    #[serde(default)]
    entry: Vec<Entry>,
}
#[derive(Deserialize)]
struct Entry {
    #[serde(default)]
    changes: Vec<Change>,
}
#[derive(Deserialize)]
struct Change {
    #[serde(default)]
    field: String,
    #[serde(default)]
    value: Value,
}

/// The events of one delivery, for our phone number id (`None`: any).
pub fn parse(raw: &[u8], phone_number_id: Option<&str>) -> Result<Vec<Event>, PayloadError> {
    let env: Envelope = serde_json::from_slice(raw).map_err(|_| PayloadError::NotJson)?;
    if env.object.as_deref() != Some("whatsapp_business_account") {
        return Err(PayloadError::NotWhatsApp);
    }
    let mut out = Vec::new();
    for change in env.entry.iter().flat_map(|e| &e.changes) {
        let v = &change.value;
        if change.field != "messages" {
            continue;
        }
        let ours = v["metadata"]["phone_number_id"].as_str();
        if phone_number_id.is_some_and(|id| ours != Some(id)) {
            continue;
        }
        let name_of = |wa_id: &str| {
            v["contacts"].as_array().and_then(|cs| {
                cs.iter()
                    .find(|c| c["wa_id"].as_str() == Some(wa_id))
                    .and_then(|c| c["profile"]["name"].as_str())
                    .map(str::to_string)
            })
        };
        for m in v["messages"].as_array().into_iter().flatten() {
            if let Some(inbound) = message(m, &name_of) {
                out.push(Event::Message(inbound));
            }
        }
        for s in v["statuses"].as_array().into_iter().flatten() {
            if let Some(update) = status(s) {
                out.push(Event::Status(update));
            }
        }
    }
    Ok(out)
}

fn text(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

fn timestamp(v: &Value) -> u64 {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .or_else(|| v.as_u64())
        .unwrap_or(0)
}

fn message(m: &Value, name_of: &impl Fn(&str) -> Option<String>) -> Option<Inbound> {
    let wamid = text(&m["id"]).filter(|s| !s.is_empty() && s.len() <= 256)?;
    let from = text(&m["from"]).filter(|s| !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit()))?;
    let kind = m["type"].as_str().unwrap_or("unknown");
    let content = match kind {
        "text" => Content::Text {
            body: m["text"]["body"]
                .as_str()
                .unwrap_or_default()
                .chars()
                .take(MAX_TEXT_CHARS)
                .collect(),
        },
        "image" | "document" | "audio" | "video" | "sticker" | "voice" => {
            let media = &m[kind];
            Content::Media {
                kind: kind.to_string(),
                media_id: text(&media["id"]),
                mime_type: text(&media["mime_type"]),
                filename: text(&media["filename"]),
                caption: text(&media["caption"]),
            }
        }
        "reaction" => Content::Reaction,
        other => Content::Other {
            kind: other.chars().take(40).collect(),
        },
    };
    Some(Inbound {
        name: name_of(&from),
        wamid,
        from,
        timestamp: timestamp(&m["timestamp"]),
        content,
    })
}

fn status(s: &Value) -> Option<StatusUpdate> {
    let error = s["errors"].as_array().and_then(|es| es.first()).map(|e| {
        let title = e["title"].as_str().or(e["message"].as_str()).unwrap_or("error");
        match e["code"].as_i64() {
            Some(code) => format!("{code}: {title}"),
            None => title.to_string(),
        }
    });
    Some(StatusUpdate {
        wamid: text(&s["id"]).filter(|s| !s.is_empty() && s.len() <= 256)?,
        status: DeliveryStatus::parse(s["status"].as_str()?)?,
        recipient: text(&s["recipient_id"]),
        timestamp: timestamp(&s["timestamp"]),
        error,
    })
}

#[cfg(test)]
#[path = "payload_tests.rs"]
mod tests;
