//! Who may call what. Every route declares an [`Access`]; [`Access::check`] is the one place it is enforced.

use serde::{Deserialize, Serialize};

use crate::error::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Consultant,
    Client,
    /// An integrator calling with an API key.
    Service,
}

impl Role {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "admin" => Self::Admin,
            "consultant" => Self::Consultant,
            "client" => Self::Client,
            "service" => Self::Service,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Consultant => "consultant",
            Self::Client => "client",
            Self::Service => "service",
        }
    }
    pub fn is_team(self) -> bool {
        matches!(self, Self::Admin | Self::Consultant)
    }
}

/// The authenticated caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// User id, or the API key id for `Service`.
    pub id: String,
    pub role: Role,
    /// The CRM client a `Client` user is, for ownership checks.
    pub client_id: Option<String>,
    /// API-key scopes (empty for users).
    pub scopes: Vec<String>,
    /// The access token's id, for logout.
    pub jti: Option<String>,
    pub token_exp: Option<u64>,
}

/// A route's access rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, no credentials read.
    Public,
    /// Anyone; credentials are read if present (e.g. chat remembers signed-in users).
    Optional { scope: &'static str },
    /// One of these roles; `Service` callers also need `scope`.
    Roles {
        roles: &'static [Role],
        scope: &'static str,
    },
    /// Operational detail (`/health/detailed`, `/metrics`): an admin, or a scraper presenting the
    /// configured `METRICS_TOKEN` (checked by the worker before credentials are read).
    Operator,
}

pub const TEAM: &[Role] = &[Role::Admin, Role::Consultant];
pub const ADMIN: &[Role] = &[Role::Admin];
pub const USERS: &[Role] = &[Role::Admin, Role::Consultant, Role::Client];
pub const ANY: &[Role] = &[Role::Admin, Role::Consultant, Role::Client, Role::Service];
pub const TEAM_OR_SERVICE: &[Role] = &[Role::Admin, Role::Consultant, Role::Service];

impl Access {
    pub fn needs_principal(self) -> bool {
        matches!(self, Access::Roles { .. } | Access::Operator)
    }

    /// 401 without credentials, 403 with the wrong role or a missing API-key scope.
    pub fn check(self, who: Option<&Principal>) -> Result<(), ApiError> {
        let (roles, scope) = match self {
            Access::Public => return Ok(()),
            Access::Optional { scope } => match who {
                Some(p) if p.role == Role::Service && !p.has_scope(scope) => {
                    return Err(ApiError::forbidden(format!("this API key lacks the '{scope}' scope")))
                }
                _ => return Ok(()),
            },
            Access::Roles { roles, scope } => (roles, scope),
            Access::Operator => (ADMIN, ""),
        };
        let p = who.ok_or_else(|| ApiError::unauthorized("sign in or send an API key"))?;
        if !roles.contains(&p.role) {
            return Err(ApiError::forbidden("your role may not do this"));
        }
        if p.role == Role::Service && !p.has_scope(scope) {
            return Err(ApiError::forbidden(format!("this API key lacks the '{scope}' scope")));
        }
        Ok(())
    }
}

impl Principal {
    /// The signed-in user's id; `None` for an API key, whose id is not a user (`created_by`, conversation
    /// owners).
    pub fn user_id(&self) -> Option<&str> {
        (self.role != Role::Service).then_some(self.id.as_str())
    }

    /// Whether an API key carries `scope` (or `*`). An empty `scope` means none is needed (e.g.
    /// `/api/auth/me`). Users have no scopes: their role decides.
    pub fn has_scope(&self, scope: &str) -> bool {
        scope.is_empty() || self.scopes.iter().any(|s| s == scope || s == "*")
    }
}

/// Scopes an API key may be given.
pub const SCOPES: &[&str] = &["search", "chat", "tools", "crm:read", "crm:write", "*"];

#[cfg(test)]
mod tests {
    use super::*;

    fn who(role: Role, scopes: &[&str]) -> Principal {
        Principal {
            id: "u1".into(),
            role,
            client_id: None,
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            jti: None,
            token_exp: None,
        }
    }

    #[test]
    fn roles_and_scopes_give_401_or_403() {
        let team = Access::Roles {
            roles: TEAM_OR_SERVICE,
            scope: "crm:read",
        };
        assert_eq!(team.check(None).unwrap_err().status(), 401);
        assert_eq!(team.check(Some(&who(Role::Client, &[]))).unwrap_err().status(), 403);
        assert!(team.check(Some(&who(Role::Consultant, &[]))).is_ok());
        assert_eq!(
            team.check(Some(&who(Role::Service, &["search"]))).unwrap_err().status(),
            403
        );
        assert!(team.check(Some(&who(Role::Service, &["crm:read"]))).is_ok());
        assert!(team.check(Some(&who(Role::Service, &["*"]))).is_ok());
        let any_key = Access::Roles { roles: ANY, scope: "" };
        assert!(any_key.check(Some(&who(Role::Service, &["search"]))).is_ok());
        assert!(Access::Public.check(None).is_ok());
        assert_eq!(Access::Operator.check(None).unwrap_err().status(), 401);
        assert!(Access::Operator.check(Some(&who(Role::Admin, &[]))).is_ok());
        for other in [Role::Consultant, Role::Client] {
            assert_eq!(
                Access::Operator.check(Some(&who(other, &[]))).unwrap_err().status(),
                403
            );
        }
        assert_eq!(
            Access::Operator
                .check(Some(&who(Role::Service, &["*"])))
                .unwrap_err()
                .status(),
            403,
            "an API key is not an operator"
        );
        let optional = Access::Optional { scope: "chat" };
        assert!(optional.check(None).is_ok());
        assert_eq!(
            optional
                .check(Some(&who(Role::Service, &["search"])))
                .unwrap_err()
                .status(),
            403
        );
    }

    #[test]
    fn role_names_round_trip() {
        for r in [Role::Admin, Role::Consultant, Role::Client, Role::Service] {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn an_api_key_is_not_a_user() {
        assert_eq!(who(Role::Service, &["*"]).user_id(), None);
        for role in [Role::Admin, Role::Consultant, Role::Client] {
            let p = who(role, &[]);
            assert_eq!(p.user_id(), Some(p.id.as_str()), "{role:?}");
        }
    }
}
