//! The CRM tools of the chat (`client_lookup`, `practice_status`, `log_interaction`, `create_lead`):
//! parsing a call's arguments into validated input. Their specs (names, descriptions, JSON Schemas) live in
//! the chat's tool registry (`crate::tools::registry`), which checks calls against them first; the worker
//! runs them with `crm::tools::run`, with the caller's rights.

use serde::Deserialize;
use serde_json::Value;

use super::check;
use super::clients::{self, ClientFields, NewClientBody};
use super::interactions::InteractionKind;
use crate::error::ApiError;

pub const CLIENT_LOOKUP: &str = "client_lookup";
pub const LOG_INTERACTION: &str = "log_interaction";
pub const PRACTICE_STATUS: &str = "practice_status";
pub const CREATE_LEAD: &str = "create_lead";
/// Longest lookup query (the registry's limit).
pub const MAX_LOOKUP: usize = 120;

/// A parsed, validated tool call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CrmTool {
    ClientLookup {
        query: String,
    },
    LogInteraction {
        client_id: String,
        kind: InteractionKind,
        summary: String,
        practice_id: Option<String>,
    },
    PracticeStatus {
        practice_id: Option<String>,
        client_id: Option<String>,
    },
    CreateLead(ClientFields),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LookupArgs {
    query: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LogArgs {
    client_id: String,
    kind: InteractionKind,
    summary: String,
    practice_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusArgs {
    practice_id: Option<String>,
    client_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LeadArgs {
    full_name: String,
    email: Option<String>,
    phone: Option<String>,
    whatsapp: Option<String>,
    nationality: Option<String>,
    language: Option<crate::lang::Lang>,
    notes: Option<String>,
    company_name: Option<String>,
}

fn args<T: serde::de::DeserializeOwned>(name: &str, v: &Value) -> Result<T, ApiError> {
    T::deserialize(v).map_err(|e| ApiError::validation(format!("{name}: invalid arguments: {e}")))
}

impl CrmTool {
    /// `None` when `name` is not a CRM tool; a 422 when its arguments are wrong.
    pub fn parse(name: &str, arguments: &Value) -> Option<Result<CrmTool, ApiError>> {
        let parsed = match name {
            CLIENT_LOOKUP => args::<LookupArgs>(name, arguments)
                .and_then(|a| check::text("query", &a.query, 1, MAX_LOOKUP, false))
                .map(|query| CrmTool::ClientLookup { query }),
            LOG_INTERACTION => args::<LogArgs>(name, arguments).and_then(|a| {
                if a.kind == InteractionKind::Reminder {
                    return Err(ApiError::validation("kind: reminders are written by the renewal job"));
                }
                Ok(CrmTool::LogInteraction {
                    client_id: check::id("client_id", &a.client_id)?,
                    kind: a.kind,
                    summary: check::text("summary", &a.summary, 1, check::MAX_NOTES, true)?,
                    practice_id: a
                        .practice_id
                        .as_deref()
                        .map(|p| check::id("practice_id", p))
                        .transpose()?,
                })
            }),
            PRACTICE_STATUS => args::<StatusArgs>(name, arguments).and_then(|a| match (&a.practice_id, &a.client_id) {
                (None, None) => Err(ApiError::validation("give practice_id or client_id")),
                _ => Ok(CrmTool::PracticeStatus {
                    practice_id: a
                        .practice_id
                        .as_deref()
                        .map(|p| check::id("practice_id", p))
                        .transpose()?,
                    client_id: a.client_id.as_deref().map(|c| check::id("client_id", c)).transpose()?,
                }),
            }),
            CREATE_LEAD => args::<LeadArgs>(name, arguments).and_then(|a| {
                NewClientBody {
                    full_name: a.full_name,
                    email: a.email,
                    phone: a.phone,
                    whatsapp: a.whatsapp,
                    nationality: a.nationality,
                    company_name: a.company_name,
                    status: Some(clients::ClientStatus::Lead),
                    consultant_id: None,
                    language: a.language,
                    notes: a.notes,
                }
                .validate()
                .map(CrmTool::CreateLead)
            }),
            _ => return None,
        };
        Some(parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_and_validates_calls() {
        assert_eq!(
            CrmTool::parse(CLIENT_LOOKUP, &json!({ "query": " Rossi " }))
                .unwrap()
                .unwrap(),
            CrmTool::ClientLookup { query: "Rossi".into() }
        );
        let log = CrmTool::parse(
            LOG_INTERACTION,
            &json!({ "client_id": "c1", "kind": "call", "summary": "Asked about E33G" }),
        )
        .unwrap()
        .unwrap();
        assert!(matches!(
            log,
            CrmTool::LogInteraction {
                kind: InteractionKind::Call,
                ..
            }
        ));
        let lead = CrmTool::parse(
            CREATE_LEAD,
            &json!({ "full_name": "Sari Dewi", "email": "SARI@example.co.id" }),
        )
        .unwrap()
        .unwrap();
        match lead {
            CrmTool::CreateLead(c) => assert_eq!(
                (c.email.as_deref(), c.status),
                (Some("sari@example.co.id"), clients::ClientStatus::Lead)
            ),
            other => panic!("{other:?}"),
        }
        assert!(CrmTool::parse("web_search", &json!({})).is_none());
        for (name, a) in [
            (CLIENT_LOOKUP, json!({})),
            (CLIENT_LOOKUP, json!({ "query": "x", "extra": 1 })),
            (
                LOG_INTERACTION,
                json!({ "client_id": "../x", "kind": "note", "summary": "s" }),
            ),
            (
                LOG_INTERACTION,
                json!({ "client_id": "c", "kind": "reminder", "summary": "s" }),
            ),
            (PRACTICE_STATUS, json!({})),
            (CREATE_LEAD, json!({ "full_name": "A", "email": "nope" })),
        ] {
            assert_eq!(
                CrmTool::parse(name, &a).unwrap().unwrap_err().status(),
                422,
                "{name} {a}"
            );
        }
    }
}
