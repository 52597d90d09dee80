//! Delivery statuses of the messages we send (Meta's status callbacks). Callbacks can arrive twice or out of
//! order, so a status only replaces an earlier one in `sent < delivered < read`; `failed` is terminal.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    Sent,
    Delivered,
    Read,
    Failed,
}

impl DeliveryStatus {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "sent" => Self::Sent,
            "delivered" => Self::Delivered,
            "read" => Self::Read,
            "failed" => Self::Failed,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Read => "read",
            Self::Failed => "failed",
        }
    }

    /// The order stored with each status (the D1 upsert compares ranks, so the rule holds under races too):
    /// a higher rank replaces a lower one; `failed` ranks above all, so nothing replaces it.
    pub fn rank(self) -> i64 {
        match self {
            Self::Sent => 1,
            Self::Delivered => 2,
            Self::Read => 3,
            Self::Failed => 4,
        }
    }

    /// Whether `self` may replace `current`.
    pub fn supersedes(self, current: Option<Self>) -> bool {
        current.is_none_or(|c| self.rank() > c.rank())
    }
}

#[cfg(test)]
mod tests {
    use super::DeliveryStatus::{self, *};

    /// Applies callbacks in arrival order under the rule.
    fn settle(arrivals: &[DeliveryStatus]) -> Option<DeliveryStatus> {
        arrivals
            .iter()
            .fold(None, |cur, s| if s.supersedes(cur) { Some(*s) } else { cur })
    }

    #[test]
    fn a_later_status_wins_whatever_order_the_callbacks_come_in() {
        assert_eq!(settle(&[Sent, Delivered, Read]), Some(Read));
        assert_eq!(settle(&[Read, Sent, Delivered]), Some(Read));
        assert_eq!(settle(&[Delivered, Sent]), Some(Delivered));
        assert_eq!(settle(&[Delivered, Delivered]), Some(Delivered));
    }

    #[test]
    fn failed_is_terminal() {
        assert_eq!(settle(&[Sent, Failed, Delivered, Read]), Some(Failed));
        assert_eq!(settle(&[Failed, Sent]), Some(Failed));
    }

    #[test]
    fn parses_the_four_names_only() {
        for s in [Sent, Delivered, Read, Failed] {
            assert_eq!(DeliveryStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(DeliveryStatus::parse("deleted"), None);
    }
}
