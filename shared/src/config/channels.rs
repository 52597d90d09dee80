//! The settings of the outside channels (WhatsApp Cloud API, Google Workspace): each optional, each checked
//! whole (some but not all of a channel's secrets is a mistake the operator hears about at once).

use super::{is_http_url, parse_num};

/// The WhatsApp Cloud API channel: on when its four secrets are set (all or none).
#[derive(Debug, Clone, PartialEq)]
pub struct WhatsAppConfig {
    /// Graph API base, e.g. `https://graph.facebook.com/v21.0` (tests: a local fake).
    pub api_base: String,
    /// The business phone number's id: messages are sent from it, and webhooks for other ids are ignored.
    pub phone_number_id: String,
    /// Bearer token of the Graph API (a system user's permanent token).
    pub token: String,
    /// Key of the `X-Hub-Signature-256` HMAC over each webhook delivery.
    pub app_secret: String,
    /// The token Meta echoes in the verification handshake.
    pub verify_token: String,
    /// First retry delay of a failed send (seconds, doubled per attempt).
    pub retry_base_secs: u32,
    /// How long one Graph API call may take before it counts as failed.
    pub timeout_ms: u64,
}

/// `GOOGLE_SERVICE_ACCOUNT_JSON` (secret) turns Google on; the URLs are configurable for tests.
pub(super) fn read_google(
    get: &impl Fn(&str) -> Option<String>,
    errors: &mut Vec<String>,
) -> Option<crate::google::GoogleConfig> {
    let json = get("GOOGLE_SERVICE_ACCOUNT_JSON")?;
    let token_url = get("GOOGLE_TOKEN_URL");
    let api_base = get("GOOGLE_API_BASE").unwrap_or_else(|| "https://www.googleapis.com".into());
    if !is_http_url(&api_base) {
        errors.push("GOOGLE_API_BASE is not an http(s) URL".into());
    }
    let reminder_sender = get("GOOGLE_REMINDER_SENDER");
    if reminder_sender
        .as_deref()
        .is_some_and(|s| !crate::google::mime::valid_address(s))
    {
        errors.push("GOOGLE_REMINDER_SENDER is not an e-mail address".into());
    }
    let default_minutes = parse_num(get, "GOOGLE_CONSULTATION_MINUTES", 60, 15..=240, errors) as u32;
    match crate::google::ServiceAccount::parse(&json, token_url) {
        Ok(account) => Some(crate::google::GoogleConfig {
            account,
            api_base: api_base.trim_end_matches('/').into(),
            reminder_sender,
            default_minutes,
        }),
        Err(e) => {
            errors.push(e);
            None
        }
    }
}

/// WhatsApp renewal reminders: on with the WhatsApp channel, with an approved template per client language
/// (`WHATSAPP_REMINDER_TEMPLATES`, JSON; default `permit_renewal_reminder`).
pub(super) fn read_reminder_whatsapp(
    get: &impl Fn(&str) -> Option<String>,
    errors: &mut Vec<String>,
    channel: Option<&WhatsAppConfig>,
) -> Option<crate::crm::reminder_delivery::WhatsAppSender> {
    let templates = match get("WHATSAPP_REMINDER_TEMPLATES") {
        None => Default::default(),
        Some(json) => crate::crm::reminder_delivery::Templates::parse(&json).unwrap_or_else(|e| {
            errors.push(e);
            Default::default()
        }),
    };
    let c = channel?;
    Some(crate::crm::reminder_delivery::WhatsAppSender {
        api_base: c.api_base.clone(),
        phone_number_id: c.phone_number_id.clone(),
        token: c.token.clone(),
        templates,
    })
}

/// The WhatsApp settings: none set is "off"; some but not all of the four secrets is a mistake.
pub(super) fn read_whatsapp(get: &impl Fn(&str) -> Option<String>, errors: &mut Vec<String>) -> Option<WhatsAppConfig> {
    const REQUIRED: [&str; 4] = [
        "WHATSAPP_TOKEN",
        "WHATSAPP_PHONE_NUMBER_ID",
        "WHATSAPP_APP_SECRET",
        "WHATSAPP_VERIFY_TOKEN",
    ];
    let values: Vec<Option<String>> = REQUIRED.iter().map(|k| get(k)).collect();
    if values.iter().all(Option::is_none) {
        return None;
    }
    let missing: Vec<&str> = REQUIRED
        .iter()
        .zip(&values)
        .filter(|(_, v)| v.is_none())
        .map(|(k, _)| *k)
        .collect();
    if !missing.is_empty() {
        errors.push(format!("the WhatsApp channel needs {} as well", missing.join(", ")));
        return None;
    }
    let api_base = get("WHATSAPP_API_BASE").unwrap_or_else(|| "https://graph.facebook.com/v21.0".into());
    if !is_http_url(&api_base) {
        errors.push("WHATSAPP_API_BASE is not an http(s) URL".into());
    }
    let retry_base_secs = parse_num(get, "WHATSAPP_RETRY_BASE_SECS", 10, 0..=600, errors) as u32;
    let timeout_ms = parse_num(get, "WHATSAPP_TIMEOUT_MS", 10_000, 100..=60_000, errors);
    let [token, phone_number_id, app_secret, verify_token] =
        [0, 1, 2, 3].map(|i| values[i].clone().unwrap_or_default());
    if !phone_number_id.bytes().all(|b| b.is_ascii_digit()) {
        errors.push("WHATSAPP_PHONE_NUMBER_ID is the numeric id of the business phone number".into());
    }
    Some(WhatsAppConfig {
        api_base: api_base.trim_end_matches('/').to_string(),
        phone_number_id,
        token,
        app_secret,
        verify_token,
        retry_base_secs,
        timeout_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::cfg;

    #[test]
    fn google_and_whatsapp_reminders_are_optional_and_checked() {
        let c = cfg(&[]).unwrap();
        assert!(c.google.is_none() && c.reminder_whatsapp.is_none());
        let (pem, _) = crate::google::auth::tests::key_pair();
        let sa = serde_json::json!({ "client_email": "sa@p.iam.gserviceaccount.com", "private_key": pem }).to_string();
        let g = cfg(&[
            ("GOOGLE_SERVICE_ACCOUNT_JSON", &sa),
            ("GOOGLE_API_BASE", "http://127.0.0.1:9/"),
        ])
        .unwrap()
        .google
        .unwrap();
        assert_eq!(
            (g.api_base.as_str(), g.account.token_uri.as_str(), g.default_minutes),
            ("http://127.0.0.1:9", "https://oauth2.googleapis.com/token", 60)
        );
        let broken = serde_json::json!({ "client_email": "x@y.z", "private_key": &pem[..300] }).to_string();
        let err = cfg(&[
            ("GOOGLE_SERVICE_ACCOUNT_JSON", &broken),
            ("GOOGLE_REMINDER_SENDER", "not-an-address"),
        ])
        .unwrap_err();
        assert_eq!(err.0.len(), 2, "{err}");
        assert!(!err.to_string().contains("-----BEGIN"), "no key material in errors");
        let channel = [
            ("WHATSAPP_TOKEN", "t"),
            ("WHATSAPP_PHONE_NUMBER_ID", "123"),
            ("WHATSAPP_APP_SECRET", "s"),
            ("WHATSAPP_VERIFY_TOKEN", "v"),
        ];
        let w = cfg(&channel).unwrap().reminder_whatsapp.unwrap();
        assert_eq!(w.api_base, "https://graph.facebook.com/v21.0");
        assert_eq!(w.templates.for_language("it").language, "it");
        assert!(!format!("{w:?}").contains("\"t\""));
        let mut bad_templates = channel.to_vec();
        bad_templates.push(("WHATSAPP_REMINDER_TEMPLATES", "{}"));
        assert!(cfg(&bad_templates).is_err());
    }

    #[test]
    fn whatsapp_is_off_unless_configured_and_needs_all_four_secrets() {
        assert_eq!(cfg(&[]).unwrap().whatsapp, None);
        let four = [
            ("WHATSAPP_TOKEN", "token-1"),
            ("WHATSAPP_PHONE_NUMBER_ID", "1234567890"),
            ("WHATSAPP_APP_SECRET", "app-secret"),
            ("WHATSAPP_VERIFY_TOKEN", "verify-me"),
        ];
        let wa = cfg(&four).unwrap().whatsapp.unwrap();
        assert_eq!(wa.api_base, "https://graph.facebook.com/v21.0");
        assert_eq!((wa.retry_base_secs, wa.timeout_ms), (10, 10_000));
        let mut local = four.to_vec();
        local.extend([
            ("WHATSAPP_API_BASE", "http://127.0.0.1:9/v21.0/"),
            ("WHATSAPP_RETRY_BASE_SECS", "1"),
        ]);
        let wa = cfg(&local).unwrap().whatsapp.unwrap();
        assert_eq!(
            (wa.api_base.as_str(), wa.retry_base_secs),
            ("http://127.0.0.1:9/v21.0", 1)
        );
        let err = cfg(&four[..2]).unwrap_err().to_string();
        assert!(err.contains("WHATSAPP_APP_SECRET, WHATSAPP_VERIFY_TOKEN"), "{err}");
        let mut bad = four.to_vec();
        bad[1] = ("WHATSAPP_PHONE_NUMBER_ID", "+62 811");
        assert!(cfg(&bad).is_err());
    }
}
