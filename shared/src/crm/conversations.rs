//! Who may put a chat conversation on a client's timeline (`POST /crm/interactions/from-conversation`).
//!
//! A conversation belongs to whoever held it (`conversations.user_id`): what they asked the assistant,
//! perhaps about someone else entirely. Linking copies its first question into a timeline the whole team
//! reads, so:
//! - a team member may link their own conversations;
//! - an admin may link anyone's, including a visitor's (no owner); the worker audits that use;
//! - an API key owns no conversation: chats made with a key are stored without an owner (the chat store
//!   records users only), so nothing ties one to the key, and a key may link none;
//! - client users never write timelines (the route refuses them before this).
//!
//! Every refusal is answered like an unknown id (404), so conversation ids cannot be probed.

use crate::auth::{Principal, Role};

/// On what grounds a caller may link a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConversationUse {
    /// The caller's own conversation.
    Own,
    /// Someone else's (or an anonymous visitor's), by an admin: to be audited.
    AsAdmin,
}

/// `owner`: the conversation's `user_id` (`None` for a visitor's or an API key's chat). `None` back means
/// the caller may not use it.
pub fn conversation_use(caller: &Principal, owner: Option<&str>) -> Option<ConversationUse> {
    let own = owner == Some(caller.id.as_str());
    match caller.role {
        Role::Admin | Role::Consultant if own => Some(ConversationUse::Own),
        Role::Admin => Some(ConversationUse::AsAdmin),
        Role::Consultant | Role::Client | Role::Service => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(id: &str, role: Role) -> Principal {
        Principal {
            id: id.to_string(),
            role,
            client_id: None,
            scopes: Vec::new(),
            jti: None,
            token_exp: None,
        }
    }

    #[test]
    fn team_members_use_their_own_conversations() {
        for role in [Role::Admin, Role::Consultant] {
            assert_eq!(
                conversation_use(&who("u1", role), Some("u1")),
                Some(ConversationUse::Own)
            );
        }
    }

    #[test]
    fn only_an_admin_uses_someone_elses_and_that_is_marked_for_the_audit() {
        let admin = who("a1", Role::Admin);
        assert_eq!(conversation_use(&admin, Some("u2")), Some(ConversationUse::AsAdmin));
        assert_eq!(conversation_use(&admin, None), Some(ConversationUse::AsAdmin));
        let consultant = who("c1", Role::Consultant);
        assert_eq!(conversation_use(&consultant, Some("u2")), None);
        assert_eq!(
            conversation_use(&consultant, None),
            None,
            "a visitor's chat is nobody's to copy"
        );
    }

    #[test]
    fn api_keys_and_clients_use_none() {
        let key = who("k1", Role::Service);
        assert_eq!(conversation_use(&key, None), None);
        assert_eq!(
            conversation_use(&key, Some("k1")),
            None,
            "even an id equal to the key's is not the key's chat"
        );
        assert_eq!(conversation_use(&who("m1", Role::Client), Some("m1")), None);
    }
}
