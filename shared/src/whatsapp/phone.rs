//! Phone numbers in E.164 (`+6281234567890`), the one form clients' numbers are compared in: the CRM keeps
//! them as typed ("0812-3456-7890", "+39 333 123 4567"), WhatsApp sends bare digits with the country code.

use std::fmt;

/// The country code assumed for a national number written with a leading 0: the firm is in Bali.
pub const DEFAULT_COUNTRY: &str = "62";

/// A phone number in E.164: `+`, a country code not starting with 0, 8 to 15 digits in all.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct E164(String);

impl E164 {
    /// Reads a number as people write it: spaces, dashes, dots and brackets are ignored; `+` or `00` start
    /// an international number; a single leading `0` is a national Indonesian number; bare digits (as
    /// WhatsApp's `wa_id`) already carry their country code.
    pub fn parse(raw: &str) -> Result<Self, PhoneError> {
        let compact: String = raw
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')' | '\u{a0}'))
            .collect();
        let digits = if let Some(rest) = compact.strip_prefix('+') {
            rest.to_string()
        } else if let Some(rest) = compact.strip_prefix("00") {
            rest.to_string()
        } else if let Some(rest) = compact.strip_prefix('0') {
            format!("{DEFAULT_COUNTRY}{rest}")
        } else {
            compact
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PhoneError::NotDigits);
        }
        if digits.starts_with('0') {
            return Err(PhoneError::NoCountryCode);
        }
        if !(8..=15).contains(&digits.len()) {
            return Err(PhoneError::Length(digits.len()));
        }
        Ok(Self(format!("+{digits}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits without `+`: WhatsApp's `wa_id` and the Graph API's `to`.
    pub fn digits(&self) -> &str {
        &self.0[1..]
    }

    /// The last digits, enough to find candidate records by substring before comparing them exactly.
    pub fn tail(&self, n: usize) -> &str {
        let d = self.digits();
        &d[d.len().saturating_sub(n)..]
    }
}

impl fmt::Display for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhoneError {
    NotDigits,
    NoCountryCode,
    Length(usize),
}

impl fmt::Display for PhoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotDigits => f.write_str("a phone number has only digits (and + - . ( ) spaces)"),
            Self::NoCountryCode => f.write_str("the country code is missing"),
            Self::Length(n) => write!(f, "{n} digits; E.164 numbers have 8 to 15"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ways_people_write_one_number_give_one_e164() {
        for raw in [
            "+62 812-3456-7890",
            "0812 3456 7890",
            "6281234567890",
            "0062 (812) 3456.7890",
            "+6281234567890",
        ] {
            assert_eq!(E164::parse(raw).unwrap().as_str(), "+6281234567890", "{raw}");
        }
        let it = E164::parse("+39 333 123 4567").unwrap();
        assert_eq!(
            (it.as_str(), it.digits(), it.tail(4)),
            ("+393331234567", "393331234567", "4567")
        );
    }

    #[test]
    fn what_is_not_a_phone_number_is_refused() {
        assert_eq!(E164::parse(""), Err(PhoneError::NotDigits));
        assert_eq!(E164::parse("+62 812 abc"), Err(PhoneError::NotDigits));
        assert_eq!(E164::parse("+0812345678"), Err(PhoneError::NoCountryCode));
        assert_eq!(E164::parse("+1234"), Err(PhoneError::Length(4)));
        assert_eq!(E164::parse("+1234567890123456"), Err(PhoneError::Length(16)));
        assert_eq!(E164::parse("++628123456789"), Err(PhoneError::NotDigits));
    }
}
