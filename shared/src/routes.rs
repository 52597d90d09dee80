//! The route table: every API route the worker serves, in one place.
//!
//! Matching is pure (method + path in, route + path parameters out) so the 404/405 rules are
//! tested natively; the worker's `router` module maps each [`Route`] to its handler.

use crate::auth::roles::{Access, ADMIN, ANY, USERS};
use crate::error::{ApiError, ErrorCode};
use CrmRoute as Crm;
use WhatsAppRoute as Wa;

/// The CRM routes. Each appears once in [`ROUTES`] as `Route::Crm(..)`, with its access rule; the CRM
/// dispatches on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CrmRoute {
    ClientList,
    ClientCreate,
    ClientByEmail,
    ClientGet,
    ClientUpdate,
    ClientArchive,
    ClientSummary,
    InteractionList,
    InteractionCreate,
    InteractionFromConversation,
    PracticeTypes,
    PracticeList,
    PracticeCreate,
    Renewals,
    PracticeGet,
    PracticeUpdate,
    PracticeStatus,
    PaymentCreate,
    DocumentList,
    DocumentUpload,
    DocumentGet,
    DocumentDelete,
    DocumentContent,
    Team,
    WorkSessions,
    ClockIn,
    ClockOut,
    Analytics,
    ExportClients,
    ExportPractices,
}

/// The WhatsApp channel's routes: Meta's webhook (public, signed) and the team's view of the conversations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WhatsAppRoute {
    Verify,
    Webhook,
    Conversations,
    Conversation,
    TakeOver,
    Release,
    Send,
    Failures,
}

/// Every route, by name. Handlers are chosen by matching on this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    Health,
    HealthDetailed,
    Metrics,
    OpenApi,
    Search,
    Collections,
    KbDocument,
    TeamLogin,
    ClientLogin,
    Refresh,
    Logout,
    Me,
    ChangePassword,
    AdminCreateUser,
    AdminListUsers,
    AdminUpdateUser,
    AdminCreateApiKey,
    AdminListApiKeys,
    AdminRevokeApiKey,
    AdminAudit,
    ChatStream,
    Chat,
    ChatCompletions,
    Models,
    Embeddings,
    Tools,
    RunTool,
    /// Sends an e-mail the `send_email` tool prepared (the confirmation step no tool can take).
    ConfirmEmail,
    Conversations,
    Conversation,
    ConversationExport,
    DeleteConversation,
    MessageFeedback,
    MemoryFacts,
    AddMemoryFact,
    EditMemoryFact,
    DeleteMemoryFact,
    /// The CRM and team routes (`/crm/...`), dispatched by the worker's `crm` module.
    Crm(CrmRoute),
    /// The WhatsApp channel, dispatched by the worker's `whatsapp` module.
    WhatsApp(WhatsAppRoute),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_uppercase().as_str() {
            "GET" | "HEAD" => Self::Get,
            "POST" => Self::Post,
            "PUT" => Self::Put,
            "PATCH" => Self::Patch,
            "DELETE" => Self::Delete,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }
}

const PUBLIC: Access = Access::Public;
/// Operational detail: admins, or the `METRICS_TOKEN` bearer.
const OPERATOR: Access = Access::Operator;
const KB: Access = Access::Optional { scope: "search" };
const CHAT: Access = Access::Optional { scope: "chat" };
const TOOLS: Access = Access::Optional { scope: "tools" };
const fn roles(roles: &'static [crate::auth::Role], scope: &'static str) -> Access {
    Access::Roles { roles, scope }
}

/// One row per route: method, path pattern (`{name}` matches one non-empty segment), route, and who may call it.
/// Kept one row per line (`tests/support/routes.mjs` reads the table from this file), so rustfmt leaves it alone.
#[rustfmt::skip]
pub const ROUTES: &[(Method, &str, Route, Access)] = &[
    (Method::Get, "/health", Route::Health, PUBLIC),
    (Method::Get, "/health/detailed", Route::HealthDetailed, OPERATOR),
    (Method::Get, "/metrics", Route::Metrics, OPERATOR),
    (Method::Get, "/openapi.json", Route::OpenApi, PUBLIC),
    // Knowledge base: public-law and published material, readable without signing in.
    (Method::Post, "/api/search", Route::Search, KB),
    (Method::Get, "/api/collections", Route::Collections, KB),
    (Method::Get, "/api/documents/{id}", Route::KbDocument, KB),
    // Auth
    (Method::Post, "/api/auth/team/login", Route::TeamLogin, PUBLIC),
    (Method::Post, "/api/auth/client/login", Route::ClientLogin, PUBLIC),
    (Method::Post, "/api/auth/refresh", Route::Refresh, PUBLIC),
    (Method::Post, "/api/auth/logout", Route::Logout, roles(USERS, "")),
    (Method::Get, "/api/auth/me", Route::Me, roles(ANY, "")),
    (Method::Post, "/api/auth/password", Route::ChangePassword, roles(USERS, "")),
    // Administration
    (Method::Post, "/api/admin/users", Route::AdminCreateUser, roles(ADMIN, "")),
    (Method::Get, "/api/admin/users", Route::AdminListUsers, roles(ADMIN, "")),
    (Method::Patch, "/api/admin/users/{id}", Route::AdminUpdateUser, roles(ADMIN, "")),
    (Method::Post, "/api/admin/api-keys", Route::AdminCreateApiKey, roles(ADMIN, "")),
    (Method::Get, "/api/admin/api-keys", Route::AdminListApiKeys, roles(ADMIN, "")),
    (Method::Delete, "/api/admin/api-keys/{id}", Route::AdminRevokeApiKey, roles(ADMIN, "")),
    (Method::Get, "/api/admin/audit", Route::AdminAudit, roles(ADMIN, "")),
    // Chat: open to visitors (a session id keeps their conversation), API keys need the `chat` scope.
    (Method::Post, "/bali-zero/chat-stream", Route::ChatStream, CHAT),
    (Method::Post, "/bali-zero/chat", Route::Chat, CHAT),
    (Method::Post, "/v1/chat/completions", Route::ChatCompletions, roles(ANY, "chat")),
    (Method::Get, "/v1/models", Route::Models, roles(ANY, "chat")),
    (Method::Post, "/v1/embeddings", Route::Embeddings, roles(ANY, "chat")),
    (Method::Get, "/api/tools", Route::Tools, TOOLS),
    (Method::Post, "/api/tools/{name}", Route::RunTool, TOOLS),
    (Method::Post, "/api/email/confirm", Route::ConfirmEmail, CRM_WRITE),
    // Conversations and memory: signed-in users, their own only.
    (Method::Get, "/api/conversations", Route::Conversations, roles(USERS, "")),
    (Method::Get, "/api/conversations/{id}", Route::Conversation, roles(USERS, "")),
    (Method::Get, "/api/conversations/{id}/export", Route::ConversationExport, roles(USERS, "")),
    (Method::Delete, "/api/conversations/{id}", Route::DeleteConversation, roles(USERS, "")),
    (Method::Post, "/api/messages/{id}/feedback", Route::MessageFeedback, roles(USERS, "")),
    (Method::Get, "/api/memory", Route::MemoryFacts, roles(USERS, "")),
    (Method::Post, "/api/memory", Route::AddMemoryFact, roles(USERS, "")),
    (Method::Patch, "/api/memory/{id}", Route::EditMemoryFact, roles(USERS, "")),
    (Method::Delete, "/api/memory/{id}", Route::DeleteMemoryFact, roles(USERS, "")),
    // CRM (issue 6): the team (and API keys with crm:read / crm:write) see and edit everything. CRM_OWN routes
    // also admit client users, who get only what is theirs: the handlers filter by their client id, and
    // someone else's record is a 404. Static segments (by-email, renewals) come before `{id}`.
    (Method::Get, "/crm/clients", Route::Crm(Crm::ClientList), CRM_READ),
    (Method::Post, "/crm/clients", Route::Crm(Crm::ClientCreate), CRM_WRITE),
    (Method::Get, "/crm/clients/by-email", Route::Crm(Crm::ClientByEmail), CRM_READ),
    (Method::Get, "/crm/clients/{id}", Route::Crm(Crm::ClientGet), CRM_OWN),
    (Method::Patch, "/crm/clients/{id}", Route::Crm(Crm::ClientUpdate), CRM_WRITE),
    (Method::Delete, "/crm/clients/{id}", Route::Crm(Crm::ClientArchive), CRM_WRITE),
    (Method::Get, "/crm/clients/{id}/summary", Route::Crm(Crm::ClientSummary), CRM_READ),
    (Method::Get, "/crm/clients/{id}/interactions", Route::Crm(Crm::InteractionList), CRM_READ),
    (Method::Post, "/crm/clients/{id}/interactions", Route::Crm(Crm::InteractionCreate), CRM_WRITE),
    (Method::Post, "/crm/interactions/from-conversation", Route::Crm(Crm::InteractionFromConversation), CRM_WRITE),
    (Method::Get, "/crm/practice-types", Route::Crm(Crm::PracticeTypes), CRM_OWN),
    (Method::Get, "/crm/practices", Route::Crm(Crm::PracticeList), CRM_OWN),
    (Method::Post, "/crm/practices", Route::Crm(Crm::PracticeCreate), CRM_WRITE),
    (Method::Get, "/crm/practices/renewals", Route::Crm(Crm::Renewals), CRM_READ),
    (Method::Get, "/crm/practices/{id}", Route::Crm(Crm::PracticeGet), CRM_OWN),
    (Method::Patch, "/crm/practices/{id}", Route::Crm(Crm::PracticeUpdate), CRM_WRITE),
    (Method::Post, "/crm/practices/{id}/status", Route::Crm(Crm::PracticeStatus), CRM_WRITE),
    (Method::Post, "/crm/practices/{id}/payments", Route::Crm(Crm::PaymentCreate), CRM_WRITE),
    (Method::Get, "/crm/documents", Route::Crm(Crm::DocumentList), CRM_OWN),
    (Method::Post, "/crm/documents", Route::Crm(Crm::DocumentUpload), CRM_OWN_WRITE),
    (Method::Get, "/crm/documents/{id}", Route::Crm(Crm::DocumentGet), CRM_OWN),
    (Method::Delete, "/crm/documents/{id}", Route::Crm(Crm::DocumentDelete), CRM_WRITE),
    (Method::Get, "/crm/documents/{id}/content", Route::Crm(Crm::DocumentContent), CRM_OWN),
    (Method::Get, "/crm/team", Route::Crm(Crm::Team), CRM_READ),
    (Method::Get, "/crm/work-sessions", Route::Crm(Crm::WorkSessions), CRM_STAFF),
    (Method::Post, "/crm/work-sessions/clock-in", Route::Crm(Crm::ClockIn), CRM_STAFF),
    (Method::Post, "/crm/work-sessions/clock-out", Route::Crm(Crm::ClockOut), CRM_STAFF),
    (Method::Get, "/crm/analytics", Route::Crm(Crm::Analytics), CRM_READ),
    (Method::Get, "/crm/export/clients.csv", Route::Crm(Crm::ExportClients), CRM_READ),
    (Method::Get, "/crm/export/practices.csv", Route::Crm(Crm::ExportPractices), CRM_READ),
    // WhatsApp (issue 15): Meta's webhook is public and proves itself by its signature (POST) or the verify
    // token (GET); the team sees the conversations and may take one over; admins see failed deliveries.
    (Method::Get, "/webhooks/whatsapp", Route::WhatsApp(Wa::Verify), PUBLIC),
    (Method::Post, "/webhooks/whatsapp", Route::WhatsApp(Wa::Webhook), PUBLIC),
    (Method::Get, "/api/whatsapp/conversations", Route::WhatsApp(Wa::Conversations), WA_TEAM),
    (Method::Get, "/api/whatsapp/conversations/{wa_id}", Route::WhatsApp(Wa::Conversation), WA_TEAM),
    (Method::Post, "/api/whatsapp/conversations/{wa_id}/takeover", Route::WhatsApp(Wa::TakeOver), WA_TEAM),
    (Method::Post, "/api/whatsapp/conversations/{wa_id}/release", Route::WhatsApp(Wa::Release), WA_TEAM),
    (Method::Post, "/api/whatsapp/conversations/{wa_id}/messages", Route::WhatsApp(Wa::Send), WA_TEAM),
    (Method::Get, "/api/admin/whatsapp/failures", Route::WhatsApp(Wa::Failures), roles(ADMIN, "")),
];

const CRM_READ: Access = roles(crate::auth::roles::TEAM_OR_SERVICE, "crm:read");
const CRM_WRITE: Access = roles(crate::auth::roles::TEAM_OR_SERVICE, "crm:write");
const CRM_OWN: Access = roles(ANY, "crm:read");
/// Writes a client user may make to their own records (an upload); API keys need crm:write.
const CRM_OWN_WRITE: Access = roles(ANY, "crm:write");
/// Taking over a conversation is a person's act: team users only, no API keys.
const WA_TEAM: Access = roles(crate::auth::roles::TEAM, "");
/// Work sessions belong to a person: team users only, no API keys.
const CRM_STAFF: Access = roles(crate::auth::roles::TEAM, "");

/// Path prefixes the worker owns. Anything else falls through to the static PWA assets.
pub const API_ROOTS: &[&str] = &[
    "/api",
    "/health",
    "/metrics",
    "/bali-zero",
    "/v1",
    "/crm",
    "/openapi.json",
    "/webhooks",
];

pub fn is_api_path(path: &str) -> bool {
    API_ROOTS.iter().any(|root| {
        path.strip_prefix(root)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matched {
    pub route: Route,
    pub access: Access,
    /// The pattern, used as the `route` label in metrics (bounded cardinality).
    pub pattern: &'static str,
    pub params: Vec<(&'static str, String)>,
}

impl Matched {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
    }
}

/// Finds the route for a request: 404 when no pattern matches the path, 405 (with `Allow`)
/// when the path exists under other methods.
pub fn match_route(method: &str, path: &str) -> Result<Matched, ApiError> {
    let path = if path.len() > 1 {
        path.trim_end_matches('/')
    } else {
        path
    };
    let mut allowed: Vec<&str> = Vec::new();
    let method = Method::parse(method);
    for (m, pattern, route, access) in ROUTES {
        if let Some(params) = match_pattern(pattern, path) {
            if Some(*m) == method {
                return Ok(Matched {
                    route: *route,
                    access: *access,
                    pattern,
                    params,
                });
            }
            if !allowed.contains(&m.as_str()) {
                allowed.push(m.as_str());
            }
        }
    }
    if allowed.is_empty() {
        Err(ApiError::new(ErrorCode::NotFound, format!("no route for {path}")))
    } else {
        Err(ApiError::new(
            ErrorCode::MethodNotAllowed,
            format!("allowed methods: {}", allowed.join(", ")),
        )
        .with_header("Allow", allowed.join(", ")))
    }
}

fn match_pattern(pattern: &'static str, path: &str) -> Option<Vec<(&'static str, String)>> {
    let mut pat = pattern.split('/');
    let mut segs = path.split('/');
    let mut params = Vec::new();
    loop {
        match (pat.next(), segs.next()) {
            (None, None) => return Some(params),
            (Some(p), Some(s)) if p.starts_with('{') && p.ends_with('}') => {
                if s.is_empty() {
                    return None;
                }
                params.push((&p[1..p.len() - 1], percent_decode(s)?));
            }
            (Some(p), Some(s)) if p == s => {}
            _ => return None,
        }
    }
}

/// Decodes `%XX` escapes in a path segment. An escape is `%` and exactly two ASCII hex digits: anything
/// else after a `%` (`%+1`, `%-1`, `%1` at the end, `%zz`) is malformed, as is a result that is not UTF-8,
/// and gets `None`, so the path does not match (a JSON 404) rather than smuggling a byte such as 0x01 into
/// an id. (`u8::from_str_radix` is not enough: it takes a leading sign, so it reads `+1` as 1.)
fn percent_decode(s: &str) -> Option<String> {
    let mut out = Vec::with_capacity(s.len());
    let mut rest = s.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        rest = tail;
        if b == b'%' {
            let [hi, lo, tail @ ..] = rest else { return None };
            out.push((hex_digit(*hi)? << 4) | hex_digit(*lo)?);
            rest = tail;
        } else {
            out.push(b);
        }
    }
    String::from_utf8(out).ok()
}

fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_static_and_parameterised_routes() {
        assert_eq!(match_route("GET", "/health").unwrap().route, Route::Health);
        assert_eq!(match_route("GET", "/health/").unwrap().route, Route::Health);
        let m = match_route("GET", "/api/documents/kbli%2F56101").unwrap();
        assert_eq!(m.route, Route::KbDocument);
        assert_eq!(m.param("id"), Some("kbli/56101"));
        assert_eq!(m.pattern, "/api/documents/{id}");
    }

    #[test]
    fn unknown_path_is_404_and_wrong_method_is_405_with_allow() {
        let e = match_route("GET", "/nope").unwrap_err();
        assert_eq!(e.status(), 404);
        let e = match_route("DELETE", "/api/search").unwrap_err();
        assert_eq!(e.status(), 405);
        assert_eq!(e.headers, vec![("Allow".to_string(), "POST".to_string())]);
        let e = match_route("BREW", "/health").unwrap_err();
        assert_eq!(e.status(), 405);
    }

    #[test]
    fn empty_or_malformed_parameters_do_not_match() {
        assert_eq!(match_route("GET", "/api/documents/").unwrap_err().status(), 404);
        assert_eq!(match_route("GET", "/api/documents/%zz").unwrap_err().status(), 404);
        assert_eq!(match_route("GET", "/api/documents/a/b").unwrap_err().status(), 404);
        assert_eq!(match_route("GET", "/crm/practices/%+1").unwrap_err().status(), 404);
    }

    #[test]
    fn percent_decode_takes_only_two_hex_digits_and_utf8() {
        assert_eq!(percent_decode("plain-id_1").as_deref(), Some("plain-id_1"));
        assert_eq!(percent_decode("kbli%2F56101").as_deref(), Some("kbli/56101"));
        assert_eq!(percent_decode("%e2%82%ac").as_deref(), Some("\u{20AC}"));
        assert_eq!(percent_decode("%E2%82%AC").as_deref(), Some("\u{20AC}"));
        assert_eq!(
            percent_decode("caf\u{E9}%20x").as_deref(),
            Some("caf\u{E9} x"),
            "raw UTF-8 passes through"
        );
        for bad in [
            "%+1", "%-1", "%1", "%", "a%", "%zz", "%g0", "%0g", "% 1", "%+f", "%1\u{E9}", "%%41",
        ] {
            assert_eq!(percent_decode(bad), None, "{bad:?}");
        }
        for not_utf8 in ["%ff", "%c3%28", "%e2%82", "%80", "%ed%a0%80"] {
            assert_eq!(percent_decode(not_utf8), None, "{not_utf8:?}");
        }
    }

    #[test]
    fn every_route_is_unique_and_only_health_openapi_and_login_are_public() {
        for (i, (m, p, r, a)) in ROUTES.iter().enumerate() {
            assert!(is_api_path(p), "{p} must be under an API root");
            assert!(
                !ROUTES[i + 1..].iter().any(|(m2, p2, _, _)| m2 == m && p2 == p),
                "duplicate {p}"
            );
            assert!(
                !ROUTES[i + 1..].iter().any(|(_, _, r2, _)| r2 == r),
                "route {r:?} listed twice"
            );
            if *a == Access::Public {
                assert!(
                    *p == "/health"
                        || *p == "/openapi.json"
                        || p.starts_with("/api/auth/")
                        || p.starts_with("/webhooks/"),
                    "{p} is public"
                );
            }
            if p.starts_with("/health/") || *p == "/metrics" {
                assert_eq!(*a, Access::Operator, "{p} shows internals");
            }
        }
    }

    #[test]
    fn api_paths_are_told_apart_from_pwa_assets() {
        assert!(is_api_path("/health"));
        assert!(is_api_path("/api/search"));
        assert!(is_api_path("/metrics"));
        assert!(!is_api_path("/"));
        assert!(!is_api_path("/app.js"));
        assert!(!is_api_path("/healthy.png"));
        assert!(!is_api_path("/apiary.html"));
    }
}
