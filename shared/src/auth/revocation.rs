//! Revocation that reaches live access tokens. A JWT is valid until it expires, so disabling a user, changing
//! their role or their password would otherwise leave their tokens working for up to an hour. Each user has a
//! session epoch (`users.session_epoch`); tokens carry the epoch they were issued under (`Claims::ver`), and every
//! request compares the token with the user's current state. The state is cached per isolate for a few seconds
//! ([`StateCache`]), so revocation takes effect within that TTL everywhere and at once in the isolate that made
//! the change, for one D1 read per user per TTL instead of one per request.

use std::collections::HashMap;

use crate::auth::jwt::Claims;
use crate::auth::{Principal, Role};
use crate::error::ApiError;

/// How long an isolate trusts a user's state before reading it again (milliseconds). Also the longest a
/// revoked token can still work in another isolate.
pub const DEFAULT_TTL_MS: u64 = 5_000;

/// What a request needs to know about the user behind a token, as stored now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserState {
    pub role: Role,
    pub client_id: Option<String>,
    pub disabled: bool,
    pub epoch: u32,
}

/// The caller for a verified token, or 401 when the token no longer stands for the user as they are now:
/// account missing or disabled, or issued before the last password, role or account change.
pub fn principal_for(claims: Claims, state: Option<&UserState>) -> Result<Principal, ApiError> {
    let state = state.ok_or_else(|| ApiError::unauthorized("account no longer exists"))?;
    if state.disabled {
        return Err(ApiError::unauthorized("account disabled"));
    }
    if claims.ver != state.epoch || claims.role != state.role {
        return Err(ApiError::unauthorized(
            "session ended by a password, role or account change; sign in again",
        ));
    }
    Ok(Principal {
        id: claims.sub,
        role: state.role,
        client_id: state.client_id.clone(),
        scopes: Vec::new(),
        jti: Some(claims.jti),
        token_exp: Some(claims.exp),
    })
}

/// Users' states with the time each was read. Time is passed in, so expiry is tested without clocks.
#[derive(Debug, Default)]
pub struct StateCache {
    entries: HashMap<String, (u64, Option<UserState>)>,
}

/// Beyond this many users the cache is cleared rather than grown: an isolate serves a small team.
const MAX_ENTRIES: usize = 10_000;

impl StateCache {
    /// The cached state of `user_id` if read less than `ttl_ms` ago (`Some(None)`: known not to exist).
    pub fn get(&self, user_id: &str, now_ms: u64, ttl_ms: u64) -> Option<Option<UserState>> {
        self.entries
            .get(user_id)
            .filter(|(at, _)| now_ms.saturating_sub(*at) < ttl_ms)
            .map(|(_, s)| s.clone())
    }

    pub fn put(&mut self, user_id: &str, state: Option<UserState>, now_ms: u64) {
        if self.entries.len() >= MAX_ENTRIES {
            self.entries.clear();
        }
        self.entries.insert(user_id.to_string(), (now_ms, state));
    }

    /// Forgets a user, so the isolate that changed them sees the change on the next request.
    pub fn forget(&mut self, user_id: &str) {
        self.entries.remove(user_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(role: Role, ver: u32) -> Claims {
        Claims::new("u1", role, None, 1_800_000_000, "j1".into()).with_epoch(ver)
    }

    fn state(role: Role, disabled: bool, epoch: u32) -> UserState {
        UserState {
            role,
            client_id: Some("c1".into()),
            disabled,
            epoch,
        }
    }

    #[test]
    fn a_token_of_the_current_epoch_and_role_stands_for_the_user_as_stored() {
        let p = principal_for(claims(Role::Client, 3), Some(&state(Role::Client, false, 3))).unwrap();
        assert_eq!(
            (p.id.as_str(), p.role, p.client_id.as_deref()),
            ("u1", Role::Client, Some("c1"))
        );
        assert_eq!(p.jti.as_deref(), Some("j1"));
    }

    #[test]
    fn disabled_missing_older_epoch_or_changed_role_are_401() {
        let cases = [
            (claims(Role::Admin, 0), Some(state(Role::Admin, true, 0)), "disabled"),
            (claims(Role::Admin, 0), None, "no longer exists"),
            (
                claims(Role::Admin, 0),
                Some(state(Role::Admin, false, 1)),
                "sign in again",
            ),
            (
                claims(Role::Admin, 1),
                Some(state(Role::Consultant, false, 1)),
                "sign in again",
            ),
        ];
        for (c, s, msg) in cases {
            let e = principal_for(c, s.as_ref()).unwrap_err();
            assert_eq!(e.status(), 401);
            assert!(e.message.contains(msg), "{}", e.message);
        }
    }

    #[test]
    fn the_cache_expires_after_the_ttl_and_forgets_on_demand() {
        let mut cache = StateCache::default();
        assert_eq!(cache.get("u1", 0, DEFAULT_TTL_MS), None);
        cache.put("u1", Some(state(Role::Consultant, false, 0)), 1_000);
        assert!(cache.get("u1", 1_000 + DEFAULT_TTL_MS - 1, DEFAULT_TTL_MS).is_some());
        assert_eq!(cache.get("u1", 1_000 + DEFAULT_TTL_MS, DEFAULT_TTL_MS), None);
        assert_eq!(cache.get("u1", 1_000, 0), None, "a TTL of 0 reads the store every time");
        cache.put("gone", None, 1_000);
        assert_eq!(cache.get("gone", 1_001, DEFAULT_TTL_MS), Some(None));
        cache.forget("u1");
        assert_eq!(cache.get("u1", 1_001, DEFAULT_TTL_MS), None);
    }
}
