//! Sending renewal reminders to people: the client on WhatsApp (an approved template message, since a
//! reminder opens a conversation outside WhatsApp's 24-hour window) and the assigned consultant by e-mail.
//!
//! Each (practice, expiry, window, channel) is delivered once: the worker *claims* it in D1 before sending
//! (`reminder_deliveries`, a unique key), records `sent` or `failed` after, and a later run retries only
//! failures, skips (a channel that was not configured then) and claims left behind by a crashed run. A
//! channel without configuration or a recipient without an address is recorded as skipped, never an error.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::renewals::Reminder;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    WhatsApp,
    Email,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WhatsApp => "whatsapp",
            Self::Email => "email",
        }
    }
}

/// A claim older than this was left by a run that died mid-send and may be taken again.
pub const STALE_CLAIM_MS: i64 = 15 * 60_000;

/// A reminder due today, with who should hear about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Due {
    pub practice_id: String,
    pub client_id: String,
    pub expiry: String,
    pub reminder: Reminder,
    pub permit: String,
    pub client_name: String,
    /// `en`, `id` or `it` (others read as `en`).
    pub language: String,
    /// WhatsApp number (or phone) as stored.
    pub whatsapp: Option<String>,
    pub consultant_email: Option<String>,
    pub consultant_name: Option<String>,
}

impl Due {
    /// `renewal:<practice>:<expiry>:<window>:<channel>`: the delivery's key, also the dedupe key of the
    /// interaction that records it.
    pub fn key(&self, channel: Channel) -> String {
        format!("{}:{}", self.reminder.dedupe_key, channel.as_str())
    }
}

/// The WhatsApp template of each client language (`WHATSAPP_REMINDER_TEMPLATES`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Template {
    pub name: String,
    /// WhatsApp's language code of the approved template (`en_US`, `id`, `it`).
    pub language: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Templates(pub std::collections::BTreeMap<String, Template>);

impl Default for Templates {
    fn default() -> Self {
        let t = |lang: &str| Template {
            name: "permit_renewal_reminder".into(),
            language: lang.into(),
        };
        Self(
            [("en", t("en_US")), ("id", t("id")), ("it", t("it"))]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        )
    }
}

impl Templates {
    /// `{"en":{"name":"…","language":"en_US"},…}`; must cover `en`, the fallback.
    pub fn parse(json: &str) -> Result<Self, String> {
        let map: std::collections::BTreeMap<String, Template> = serde_json::from_str(json)
            .map_err(|_| "WHATSAPP_REMINDER_TEMPLATES must map languages to {name, language}".to_string())?;
        if !map.contains_key("en") {
            return Err("WHATSAPP_REMINDER_TEMPLATES needs an \"en\" template (the fallback)".into());
        }
        if map.values().any(|t| t.name.is_empty() || t.language.is_empty()) {
            return Err("WHATSAPP_REMINDER_TEMPLATES: every template needs a name and a language".into());
        }
        Ok(Self(map))
    }
    pub fn for_language(&self, lang: &str) -> &Template {
        self.0
            .get(lang)
            .or_else(|| self.0.get("en"))
            .or_else(|| self.0.values().next())
            .expect("at least the en template")
    }
}

/// The Graph API sender of reminder templates (`POST {api_base}/{phone_number_id}/messages`).
#[derive(Clone, PartialEq)]
pub struct WhatsAppSender {
    pub api_base: String,
    pub phone_number_id: String,
    pub token: String,
    pub templates: Templates,
}

// The token stays out of logs.
impl std::fmt::Debug for WhatsAppSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WhatsAppSender")
            .field("api_base", &self.api_base)
            .field("phone_number_id", &self.phone_number_id)
            .finish_non_exhaustive()
    }
}

/// A number as WhatsApp's `to` wants it: E.164 digits without `+`. Local Indonesian numbers (`08…`) get
/// the country code; anything without one is refused rather than guessed.
pub fn whatsapp_number(raw: &str) -> Option<String> {
    let trimmed = raw.trim();
    let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
    if trimmed.chars().any(|c| !(c.is_ascii_digit() || " +-().".contains(c))) {
        return None;
    }
    let e164 = if trimmed.starts_with('+') {
        digits
    } else if let Some(rest) = digits.strip_prefix("00") {
        rest.to_string()
    } else if let Some(rest) = digits.strip_prefix('0') {
        format!("62{rest}")
    } else if digits.starts_with("62") {
        digits
    } else {
        return None;
    };
    (8..=15).contains(&e164.len()).then_some(e164)
}

/// The Graph API body of the template message: body parameters {{1}} client name, {{2}} permit,
/// {{3}} expiry date, {{4}} days left.
pub fn template_message(to: &str, t: &Template, due: &Due) -> Value {
    let text = |s: &str| json!({ "type": "text", "text": s });
    json!({
        "messaging_product": "whatsapp",
        "to": to,
        "type": "template",
        "template": {
            "name": t.name,
            "language": { "code": t.language },
            "components": [{ "type": "body", "parameters": [
                text(&due.client_name), text(&due.permit), text(&due.expiry), text(&due.reminder.days_left.to_string())
            ] }]
        }
    })
}

/// The consultant's e-mail: subject and body.
pub fn consultant_email(due: &Due) -> (String, String) {
    let r = &due.reminder;
    let subject = format!(
        "Renewal due: {} of {} expires {}",
        due.permit, due.client_name, due.expiry
    );
    let body = format!(
        "Hello {},\n\n{}\n\nDays left: {}\nClient: {}\nPractice: {}\n\nThis reminder is sent once for the {}-day window.\n— Nuzantara",
        due.consultant_name.as_deref().unwrap_or("team"),
        r.summary,
        r.days_left,
        due.client_name,
        due.practice_id,
        r.window
    );
    (subject, body)
}

/// The timeline line recording a delivery.
pub fn interaction_summary(channel: Channel, due: &Due, to: &str) -> String {
    match channel {
        Channel::WhatsApp => format!(
            "Renewal reminder ({}-day window) sent on WhatsApp to {to}: {} expires on {}.",
            due.reminder.window, due.permit, due.expiry
        ),
        Channel::Email => format!(
            "Renewal reminder ({}-day window) e-mailed to the consultant ({to}): {} expires on {}.",
            due.reminder.window, due.permit, due.expiry
        ),
    }
}

#[cfg(test)]
#[path = "reminder_delivery_tests.rs"]
mod tests;
