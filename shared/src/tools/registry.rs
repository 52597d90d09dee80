//! The tool registry: what the model may call, with JSON-Schema parameters that are validated
//! before execution, and who may call each tool directly (`POST /api/tools/{name}`).

use serde::Serialize;
use serde_json::{json, Value};

use crate::auth::Role;
use crate::llm::types::ToolSpec;

#[derive(Debug, Clone, Serialize)]
pub struct ToolDef {
    pub name: &'static str,
    pub description: &'static str,
    pub parameters: Value,
    /// Roles that may run it directly or have the chat run it for them.
    #[serde(skip)]
    pub roles: &'static [Role],
}

const EVERYONE: &[Role] = &[Role::Admin, Role::Consultant, Role::Client, Role::Service];
const SIGNED_IN: &[Role] = &[Role::Admin, Role::Consultant, Role::Client];
const TEAM: &[Role] = &[Role::Admin, Role::Consultant, Role::Service];

fn p(required: &[&str], props: Value) -> Value {
    json!({ "type": "object", "required": required, "properties": props, "additionalProperties": false })
}

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
        },
        ToolDef {
            name: "kbli_lookup",
            description: "Look up a KBLI 2020 business classification code by its number (e.g. 56101) or by words (e.g. restoran, villa rental), with its hierarchy.",
            parameters: p(&["query"], json!({
                "query": { "type": "string", "minLength": 1, "maxLength": 200 },
                "limit": { "type": "integer", "minimum": 1, "maximum": 10 }
            })),
            roles: EVERYONE,
        },
        ToolDef {
            name: "get_pricing",
            description: "Bali Zero's official 2025 price for a service, by code (C1, E33G, KITAP; old codes such as B211A map to the current ones), category (visa, KITAS, company, tax) or words (remote worker, PT PMA setup): fee, extension fee, duration, and reviewed corrections of outdated rules.",
            parameters: p(&["service"], json!({ "service": { "type": "string", "minLength": 1, "maxLength": 100 } })),
            roles: EVERYONE,
        },
        ToolDef {
            name: "calculate_quote",
            description: "An itemised quote in IDR for one or more services (people, extensions), optionally converted to other currencies at the configured rates.",
            parameters: p(&["items"], json!({
                "items": { "type": "array", "minItems": 1, "maxItems": 10, "items": {
                    "type": "object", "required": ["service"], "additionalProperties": false,
                    "properties": {
                        "service": { "type": "string", "minLength": 1, "maxLength": 100 },
                        "quantity": { "type": "integer", "minimum": 1, "maximum": 50 },
                        "extensions": { "type": "integer", "minimum": 0, "maximum": 5 }
                    }
                } },
                "currencies": { "type": "array", "maxItems": 4, "items": { "type": "string", "minLength": 3, "maxLength": 3 } }
            })),
            roles: EVERYONE,
        },
        ToolDef {
            name: "retrieve_memory",
            description: "Facts the signed-in user asked the assistant to remember (optionally filtered by words).",
            parameters: p(&[], json!({
                "query": { "type": "string", "maxLength": 200 },
                "limit": { "type": "integer", "minimum": 1, "maximum": 50 }
            })),
            roles: SIGNED_IN,
        },
        ToolDef {
            name: "save_memory",
            description: "Remember a fact for the signed-in user (e.g. their nationality, their company, their visa expiry).",
            parameters: p(&["fact"], json!({ "fact": { "type": "string", "minLength": 3, "maxLength": 500 } })),
            roles: SIGNED_IN,
        },
        ToolDef {
            name: "client_lookup",
            description: "Find CRM clients by name, e-mail, phone or company (team only).",
            parameters: p(&["query"], json!({ "query": { "type": "string", "minLength": 2, "maxLength": 120 } })),
            roles: TEAM,
        },
        ToolDef {
            name: "practice_status",
            description: "The practices (cases) of a CRM client and their status, fees and expiry dates (team only).",
            parameters: p(&["client_id"], json!({ "client_id": { "type": "string", "minLength": 1, "maxLength": 64 } })),
            roles: TEAM,
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
        },
    ]
});

pub fn tool(name: &str) -> Option<&'static ToolDef> {
    TOOLS.iter().find(|t| t.name == name)
}

impl ToolDef {
    pub fn allowed(&self, role: Option<Role>) -> bool {
        match role {
            None => self.roles == EVERYONE,
            Some(r) => self.roles.contains(&r),
        }
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

    #[test]
    fn crm_tools_are_team_only_and_memory_needs_a_user() {
        assert!(tool("client_lookup").unwrap().allowed(Some(Role::Consultant)));
        assert!(!tool("client_lookup").unwrap().allowed(Some(Role::Client)));
        assert!(!tool("client_lookup").unwrap().allowed(None));
        assert!(!tool("save_memory").unwrap().allowed(None));
        assert!(tool("get_pricing").unwrap().allowed(None));
        assert!(tool("nope").is_none());
    }
}
