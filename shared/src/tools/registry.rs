//! The tool registry: what the model may call, with JSON-Schema parameters that are validated
//! before execution, and who may call each tool directly (`POST /api/tools/{name}`).

use serde::Serialize;
use serde_json::{json, Value};

use super::google;
use super::params::{object as p, quote_items};
use crate::auth::{Principal, Role};
use crate::llm::types::ToolSpec;

#[derive(Debug, Clone, Serialize)]
pub struct ToolDef {
    pub name: &'static str,
    pub description: &'static str,
    pub parameters: Value,
    /// Roles that may run it directly or have the chat run it for them.
    #[serde(skip)]
    pub roles: &'static [Role],
    /// The API-key scope it needs (`crm:read`, `crm:write`), beside the route's own scope: a key made for
    /// `tools` or `chat` must not read or write the CRM through a tool when `/crm/...` would refuse it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permission: Option<&'static str>,
}

const EVERYONE: &[Role] = &[Role::Admin, Role::Consultant, Role::Client, Role::Service];
const SIGNED_IN: &[Role] = &[Role::Admin, Role::Consultant, Role::Client];
const TEAM: &[Role] = &[Role::Admin, Role::Consultant, Role::Service];

/// Every tool. Order is the order offered to the model.
pub static TOOLS: std::sync::LazyLock<Vec<ToolDef>> = std::sync::LazyLock::new(|| {
    vec![
        ToolDef {
            name: "search_kb",
            description: "Search the firm's knowledge base (visas, KITAS/KITAP, PT PMA, tax, KBLI, PP 28/2025, property, culture). Returns passages with citations.",
            parameters: p(&["query"], json!({
                "query": { "type": "string", "minLength": 1, "maxLength": 500 },
                "collections": { "type": "array", "maxItems": 8, "items": { "type": "string", "maxLength": 64 } },
                "top_k": { "type": "integer", "minimum": 1, "maximum": 10 }
            })),
            roles: EVERYONE,
            permission: None,
        },
        ToolDef {
            name: "kbli_lookup",
            description: "Look up a KBLI 2020 business classification code by its number (e.g. 56101) or by words (e.g. restoran, villa rental), with its hierarchy.",
            parameters: p(&["query"], json!({
                "query": { "type": "string", "minLength": 1, "maxLength": 200 },
                "limit": { "type": "integer", "minimum": 1, "maximum": 10 }
            })),
            roles: EVERYONE,
            permission: None,
        },
        ToolDef {
            name: "get_pricing",
            description: "Bali Zero's official 2025 price for a service, by code (C1, E33G, KITAP; old codes such as B211A map to the current ones), category (visa, KITAS, company, tax) or words (remote worker, PT PMA setup): fee, extension fee, duration, and reviewed corrections of outdated rules.",
            parameters: p(&["service"], json!({ "service": { "type": "string", "minLength": 1, "maxLength": 100 } })),
            roles: EVERYONE,
            permission: None,
        },
        ToolDef {
            name: "calculate_quote",
            description: "An itemised quote in IDR for one or more services (people, extensions), optionally converted to other currencies at the configured rates.",
            parameters: p(&["items"], json!({
                "items": quote_items(),
                "currencies": { "type": "array", "maxItems": 4, "items": { "type": "string", "minLength": 3, "maxLength": 3 } }
            })),
            roles: EVERYONE,
            permission: None,
        },
        ToolDef {
            name: "retrieve_memory",
            description: "Facts the signed-in user asked the assistant to remember (optionally filtered by words).",
            parameters: p(&[], json!({
                "query": { "type": "string", "maxLength": 200 },
                "limit": { "type": "integer", "minimum": 1, "maximum": 50 }
            })),
            roles: SIGNED_IN,
            permission: None,
        },
        ToolDef {
            name: "save_memory",
            description: "Remember a fact for the signed-in user (e.g. their nationality, their company, their visa expiry).",
            parameters: p(&["fact"], json!({ "fact": { "type": "string", "minLength": 3, "maxLength": 500 } })),
            roles: SIGNED_IN,
            permission: None,
        },
        ToolDef {
            name: "client_lookup",
            description: "Find CRM clients by name, e-mail, phone or company (team only).",
            parameters: p(&["query"], json!({ "query": { "type": "string", "minLength": 2, "maxLength": 120 } })),
            roles: TEAM,
            permission: Some("crm:read"),
        },
        ToolDef {
            name: "practice_status",
            description: "The practices (cases) of a CRM client and their status, fees and expiry dates (team only).",
            parameters: p(&["client_id"], json!({ "client_id": { "type": "string", "minLength": 1, "maxLength": 64 } })),
            roles: TEAM,
            permission: Some("crm:read"),
        },
        ToolDef {
            name: "log_interaction",
            description: "Add a note, call, e-mail, WhatsApp or meeting to a CRM client's timeline (team only).",
            parameters: p(&["client_id", "kind", "summary"], json!({
                "client_id": { "type": "string", "minLength": 1, "maxLength": 64 },
                "kind": { "enum": ["note", "call", "email", "whatsapp", "meeting", "chat"] },
                "summary": { "type": "string", "minLength": 1, "maxLength": 2000 }
            })),
            roles: TEAM,
            permission: Some("crm:write"),
        },
        ToolDef {
            name: "create_lead",
            description: "Create a CRM lead for a prospective client (team only).",
            parameters: p(&["full_name"], json!({
                "full_name": { "type": "string", "minLength": 1, "maxLength": 120 },
                "email": { "type": "string", "maxLength": 254 },
                "phone": { "type": "string", "maxLength": 40 },
                "nationality": { "type": "string", "maxLength": 60 },
                "notes": { "type": "string", "maxLength": 2000 }
            })),
            roles: TEAM,
            permission: Some("crm:write"),
        },
        // Google Workspace: listed and run only when Google is configured (`ToolDef::available`).
        ToolDef {
            name: google::BOOK_CONSULTATION,
            description: google::BOOK_DESCRIPTION,
            parameters: google::book_parameters(),
            roles: EVERYONE,
            permission: Some("crm:write"),
        },
        ToolDef {
            name: google::SEND_EMAIL,
            description: google::SEND_DESCRIPTION,
            parameters: google::send_parameters(),
            roles: TEAM,
            permission: Some("crm:write"),
        },
    ]
});

pub fn tool(name: &str) -> Option<&'static ToolDef> {
    TOOLS.iter().find(|t| t.name == name)
}

/// The tools `who` may use in this deployment (`GET /api/tools`, and the specs offered to a model).
pub fn offered(who: Option<&Principal>, config: &crate::config::Config) -> Vec<&'static ToolDef> {
    TOOLS.iter().filter(|t| t.allowed(who) && t.available(config)).collect()
}

impl ToolDef {
    /// Whether `who` may run this tool, directly or through the chat: the role must be listed, and an API
    /// key must also carry the tool's permission. Nobody signed in gets only the tools everyone has.
    pub fn allowed(&self, who: Option<&Principal>) -> bool {
        match who {
            None => self.roles == EVERYONE && self.permission.is_none(),
            Some(p) => {
                self.roles.contains(&p.role)
                    && (p.role != Role::Service || self.permission.is_none_or(|perm| p.has_scope(perm)))
            }
        }
    }
    /// Why `who` may not run this tool (see [`ToolDef::allowed`]): an API key is told the scope it lacks.
    pub fn refusal(&self, who: Option<&Principal>) -> String {
        match (self.permission, who) {
            (Some(perm), Some(p)) if p.role == Role::Service => {
                format!("this API key lacks the '{perm}' scope the {} tool needs", self.name)
            }
            _ => format!("the {} tool is not available to you", self.name),
        }
    }
    /// Whether the integration this tool needs is configured (the Google tools need Google).
    pub fn available(&self, config: &crate::config::Config) -> bool {
        !google::needs_google(self.name) || config.google.is_some()
    }
    pub fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: self.name.to_string(),
            description: self.description.to_string(),
            parameters: self.parameters.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tools_are_unique_and_their_schemas_are_strict_objects() {
        let mut names: Vec<&str> = TOOLS.iter().map(|t| t.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), TOOLS.len());
        for t in TOOLS.iter() {
            assert_eq!(t.parameters["type"], "object", "{}", t.name);
            assert_eq!(t.parameters["additionalProperties"], false, "{}", t.name);
            assert!(t.description.len() > 20);
        }
    }

    fn who(role: Role, scopes: &[&str]) -> Principal {
        Principal {
            id: "p1".into(),
            role,
            client_id: None,
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            jti: None,
            token_exp: None,
        }
    }

    #[test]
    fn crm_tools_are_team_only_and_memory_needs_a_user() {
        let allowed = |name: &str, p: Option<Principal>| tool(name).unwrap().allowed(p.as_ref());
        assert!(allowed("client_lookup", Some(who(Role::Consultant, &[]))));
        assert!(!allowed("client_lookup", Some(who(Role::Client, &[]))));
        assert!(!allowed("client_lookup", None));
        assert!(!allowed("save_memory", None));
        assert!(allowed("get_pricing", None));
        assert!(tool("nope").is_none());
    }

    #[test]
    fn an_api_key_needs_the_crm_scope_a_crm_tool_declares() {
        let allowed = |name: &str, scopes: &[&str]| tool(name).unwrap().allowed(Some(&who(Role::Service, scopes)));
        for scopes in [&["tools"][..], &["chat"], &["search", "tools", "chat"]] {
            for name in ["client_lookup", "practice_status", "log_interaction", "create_lead"] {
                assert!(!allowed(name, scopes), "{name} with {scopes:?}");
            }
            assert!(allowed("get_pricing", scopes));
        }
        assert!(allowed("client_lookup", &["tools", "crm:read"]));
        assert!(allowed("practice_status", &["crm:read"]));
        assert!(
            !allowed("log_interaction", &["tools", "crm:read"]),
            "reading is not writing"
        );
        assert!(allowed("create_lead", &["crm:write"]));
        assert!(allowed("log_interaction", &["*"]));
        let crm: Vec<&str> = TOOLS.iter().filter(|t| t.roles == TEAM).map(|t| t.name).collect();
        assert!(
            TOOLS.iter().filter(|t| t.roles == TEAM).all(|t| t.permission.is_some()),
            "{crm:?}"
        );
    }

    #[test]
    fn google_tools_book_for_clients_too_but_send_only_for_the_team_and_only_when_configured() {
        let allowed = |name: &str, p: Option<Principal>| tool(name).unwrap().allowed(p.as_ref());
        assert!(allowed("book_consultation", Some(who(Role::Client, &[]))));
        assert!(allowed("book_consultation", Some(who(Role::Consultant, &[]))));
        assert!(!allowed("book_consultation", None));
        assert!(!allowed("book_consultation", Some(who(Role::Service, &["tools"]))));
        assert!(allowed("send_email", Some(who(Role::Consultant, &[]))));
        assert!(!allowed("send_email", Some(who(Role::Client, &[]))));
        assert!(!allowed("send_email", Some(who(Role::Service, &["tools", "crm:read"]))));
        assert!(allowed("send_email", Some(who(Role::Service, &["crm:write"]))));
        let off = crate::config::Config::from_lookup(|k| (k == "JWT_SECRET").then(|| "x".repeat(40))).unwrap();
        assert!(!tool("send_email").unwrap().available(&off) && !tool("book_consultation").unwrap().available(&off));
        assert!(tool("get_pricing").unwrap().available(&off));
        let names = |who: Option<Principal>| offered(who.as_ref(), &off).iter().map(|t| t.name).collect::<Vec<_>>();
        let team = names(Some(who(Role::Consultant, &[])));
        assert!(team.contains(&"client_lookup") && !team.contains(&"send_email"));
        assert!(names(None).iter().all(|n| tool(n).unwrap().allowed(None)));
        assert!(names(None).contains(&"get_pricing") && !names(None).contains(&"save_memory"));
    }

    #[test]
    fn a_refusal_names_the_scope_an_api_key_lacks() {
        let crm = tool("client_lookup").unwrap();
        assert_eq!(
            crm.refusal(Some(&who(Role::Service, &["tools"]))),
            "this API key lacks the 'crm:read' scope the client_lookup tool needs"
        );
        assert_eq!(
            crm.refusal(Some(&who(Role::Client, &[]))),
            "the client_lookup tool is not available to you"
        );
        assert_eq!(crm.refusal(None), "the client_lookup tool is not available to you");
    }

    #[test]
    fn google_tool_arguments_are_checked_by_their_schemas() {
        use crate::tools::schema::validate;
        let book = &tool("book_consultation").unwrap().parameters;
        assert!(validate(book, &json!({ "start": "2026-12-03T10:00:00+08:00" })).is_ok());
        assert!(validate(
            book,
            &json!({ "start": "2026-12-03T10:00:00+08:00", "duration_minutes": 600 })
        )
        .is_err());
        assert!(
            validate(book, &json!({ "client_id": "c1" })).is_err(),
            "start is required"
        );
        let send = &tool("send_email").unwrap().parameters;
        assert!(validate(
            send,
            &json!({ "client_id": "c1", "kind": "checklist", "documents": ["Passport"] })
        )
        .is_ok());
        assert!(validate(send, &json!({ "client_id": "c1", "kind": "fax" })).is_err());
        // No argument can carry a confirmation: sending is confirmed outside the tool.
        let sneaky = json!({ "client_id": "c1", "kind": "quote", "items": [{ "service": "E33G" }], "confirmation_token": "emc_x" });
        assert!(validate(send, &sneaky).is_err());
        assert!(send["properties"]
            .as_object()
            .unwrap()
            .keys()
            .all(|k| !k.contains("confirm")));
    }
}
