//! Payments of a practice: they add up, so they need no version.

use serde::{Deserialize, Serialize};

use super::check::{invalid, opt, text, MAX_IDR, MAX_NOTES};
use super::dates::Date;
use crate::error::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PaymentMethod {
    Transfer,
    Cash,
    Card,
    Other,
}

impl PaymentMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Transfer => "transfer",
            Self::Cash => "cash",
            Self::Card => "card",
            Self::Other => "other",
        }
    }
}

/// `POST /crm/practices/{id}/payments`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentBody {
    pub amount_idr: i64,
    pub paid_on: Option<String>,
    pub method: Option<PaymentMethod>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    pub amount_idr: i64,
    pub paid_on: String,
    pub method: PaymentMethod,
    pub note: Option<String>,
}

impl PaymentBody {
    pub fn validate(self, today: Date) -> Result<Payment, ApiError> {
        if !(1..=MAX_IDR).contains(&self.amount_idr) {
            return Err(invalid(
                "amount_idr",
                &format!("must be a whole amount of rupiah from 1 to {MAX_IDR}"),
            ));
        }
        let paid_on = match self.paid_on {
            Some(d) => Date::parse("paid_on", &d)?,
            None => today,
        };
        if paid_on > today.add_days(1) {
            return Err(invalid("paid_on", "cannot be in the future"));
        }
        Ok(Payment {
            amount_idr: self.amount_idr,
            paid_on: paid_on.to_string(),
            method: self.method.unwrap_or(PaymentMethod::Transfer),
            note: opt(self.note, |s| text("note", s, 1, MAX_NOTES, true))?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payments() {
        let today = Date::parse_opt("2025-06-01").unwrap();
        let p = PaymentBody {
            amount_idr: 5_000_000,
            paid_on: None,
            method: None,
            note: None,
        }
        .validate(today)
        .unwrap();
        assert_eq!((p.paid_on.as_str(), p.method), ("2025-06-01", PaymentMethod::Transfer));
        assert!(PaymentBody {
            amount_idr: 0,
            paid_on: None,
            method: None,
            note: None
        }
        .validate(today)
        .is_err());
        assert!(PaymentBody {
            amount_idr: 1,
            paid_on: Some("2030-01-01".into()),
            method: None,
            note: None
        }
        .validate(today)
        .is_err());
    }
}
