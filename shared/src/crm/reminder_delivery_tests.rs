use super::*;
use crate::crm::dates::Date;
use crate::crm::renewals::reminder;

fn due(days_left: i64, language: &str) -> Due {
    let today = Date::parse_opt("2026-12-01").unwrap();
    let expiry = today.add_days(days_left);
    Due {
        practice_id: "p1".into(),
        client_id: "c1".into(),
        expiry: expiry.to_string(),
        reminder: reminder("p1", "Remote Worker KITAS (E33G)", "Marco Rossi", expiry, today).unwrap(),
        permit: "Remote Worker KITAS (E33G)".into(),
        client_name: "Marco Rossi".into(),
        language: language.into(),
        whatsapp: Some("+39 333 123 4567".into()),
        consultant_email: Some("dewi@balizero.com".into()),
        consultant_name: Some("Dewi".into()),
    }
}

#[test]
fn each_threshold_and_channel_has_its_own_delivery_key() {
    let keys: Vec<String> = [30, 20, 14, 9, 7, 1]
        .iter()
        .flat_map(|d| [due(*d, "en").key(Channel::WhatsApp), due(*d, "en").key(Channel::Email)])
        .collect();
    let expiry = |d: i64| Date::parse_opt("2026-12-01").unwrap().add_days(d);
    assert_eq!(keys[0], format!("renewal:p1:{}:30:whatsapp", expiry(30)));
    assert_eq!(keys[1], format!("renewal:p1:{}:30:email", expiry(30)));
    // 20 days left is still the 30-day window, 9 the 14-day one, 1 the 7-day one.
    assert_eq!(keys[2], format!("renewal:p1:{}:30:whatsapp", expiry(20)));
    assert_eq!(keys[6], format!("renewal:p1:{}:14:whatsapp", expiry(9)));
    assert_eq!(keys[10], format!("renewal:p1:{}:7:whatsapp", expiry(1)));
}

#[test]
fn templates_follow_the_client_language_with_english_as_fallback() {
    let d = Templates::default();
    assert_eq!(d.for_language("it").language, "it");
    assert_eq!(d.for_language("id").language, "id");
    assert_eq!(d.for_language("fr").language, "en_US");
    let custom =
        Templates::parse(r#"{"en":{"name":"renew_en","language":"en_GB"},"it":{"name":"rinnovo","language":"it"}}"#)
            .unwrap();
    assert_eq!(custom.for_language("it").name, "rinnovo");
    assert_eq!(custom.for_language("id").name, "renew_en");
    assert!(
        Templates::parse(r#"{"it":{"name":"rinnovo","language":"it"}}"#).is_err(),
        "en is required"
    );
    assert!(Templates::parse(r#"{"en":{"name":"","language":"en"}}"#).is_err());
    assert!(Templates::parse("renew").is_err());
}

#[test]
fn the_template_message_carries_the_client_the_permit_and_the_date() {
    let d = due(14, "it");
    let t = Templates::default();
    let body = template_message("393331234567", t.for_language(&d.language), &d);
    assert_eq!(body["type"], "template");
    assert_eq!(body["to"], "393331234567");
    assert_eq!(body["template"]["name"], "permit_renewal_reminder");
    assert_eq!(body["template"]["language"]["code"], "it");
    let params: Vec<&str> = body["template"]["components"][0]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        params,
        ["Marco Rossi", "Remote Worker KITAS (E33G)", d.expiry.as_str(), "14"]
    );
}

#[test]
fn whatsapp_numbers_are_e164_digits_or_refused() {
    assert_eq!(whatsapp_number("+39 333 123 4567").as_deref(), Some("393331234567"));
    assert_eq!(whatsapp_number("0812-3456-789").as_deref(), Some("628123456789"));
    assert_eq!(whatsapp_number("0039 333 1234567").as_deref(), Some("393331234567"));
    assert_eq!(whatsapp_number("62 812 3456 789").as_deref(), Some("628123456789"));
    for bad in [
        "",
        "12345",
        "333 123 4567",
        "+39 333 123 4567 ext 2",
        "+1234567890123456",
    ] {
        assert_eq!(whatsapp_number(bad), None, "{bad}");
    }
}

#[test]
fn the_consultant_email_and_timeline_lines_name_the_permit_and_window() {
    let d = due(7, "en");
    let (subject, body) = consultant_email(&d);
    assert_eq!(
        subject,
        format!(
            "Renewal due: Remote Worker KITAS (E33G) of Marco Rossi expires {}",
            d.expiry
        )
    );
    assert!(
        body.starts_with("Hello Dewi,\n\nRenewal reminder (7-day window)"),
        "{body}"
    );
    assert!(interaction_summary(Channel::WhatsApp, &d, "393331234567").contains("sent on WhatsApp to 393331234567"));
    assert!(interaction_summary(Channel::Email, &d, "dewi@balizero.com")
        .contains("(7-day window) e-mailed to the consultant (dewi@balizero.com)"));
}
