-- Revocation that reaches live access tokens (see shared/src/auth/revocation.rs).
-- A user's session epoch: bumped when their password, role or account state changes; access tokens carry the
-- epoch they were issued under and older ones are refused.
ALTER TABLE users ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0;
-- API keys may expire; keys of a disabled (or deleted) owner are refused at use.
ALTER TABLE api_keys ADD COLUMN expires_at INTEGER;
