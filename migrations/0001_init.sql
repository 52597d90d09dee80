-- Nuzantara data model (D1 / SQLite). Timestamps are Unix milliseconds (INTEGER):
-- they sort, compare and cross the JS boundary without parsing.
PRAGMA foreign_keys = ON;

-- ───────────────────────────── people and access ─────────────────────────────

-- Everyone who can log in: team members (admin, consultant) and clients.
CREATE TABLE users (
  id            TEXT PRIMARY KEY,
  email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
  name          TEXT NOT NULL,
  role          TEXT NOT NULL CHECK (role IN ('admin', 'consultant', 'client')),
  -- "scheme$iterations$salt_b64$hash_b64": the scheme and cost travel with the hash so they can be raised later.
  password_hash TEXT NOT NULL,
  language      TEXT NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'id', 'it')),
  client_id     TEXT REFERENCES clients(id) ON DELETE SET NULL,
  disabled      INTEGER NOT NULL DEFAULT 0,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);
CREATE INDEX idx_users_client ON users(client_id);

-- Failed-login back-off, keyed by a hash of the e-mail whether or not such a user exists,
-- so that a lockout never tells an attacker which accounts are real.
CREATE TABLE login_failures (
  email_hash    TEXT PRIMARY KEY,
  failures      INTEGER NOT NULL,
  locked_until  INTEGER,
  updated_at    INTEGER NOT NULL
);

-- Team-specific profile of a user (department, languages spoken, active flag).
CREATE TABLE team_members (
  user_id     TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  department  TEXT NOT NULL DEFAULT 'general',
  position    TEXT,
  languages   TEXT NOT NULL DEFAULT '["en"]',
  active      INTEGER NOT NULL DEFAULT 1,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);

-- Refresh tokens: stored hashed, one-time use, grouped in families so that a replay revokes the whole chain.
CREATE TABLE refresh_tokens (
  id          TEXT PRIMARY KEY,
  user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  family_id   TEXT NOT NULL,
  token_hash  TEXT NOT NULL UNIQUE,
  expires_at  INTEGER NOT NULL,
  used_at     INTEGER,
  revoked_at  INTEGER,
  created_at  INTEGER NOT NULL
);
CREATE INDEX idx_refresh_user ON refresh_tokens(user_id);
CREATE INDEX idx_refresh_family ON refresh_tokens(family_id);

-- API keys for integrators (role "service"): shown once, stored hashed, scoped.
CREATE TABLE api_keys (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  prefix       TEXT NOT NULL,
  key_hash     TEXT NOT NULL UNIQUE,
  scopes       TEXT NOT NULL DEFAULT '[]',
  created_by   TEXT REFERENCES users(id) ON DELETE SET NULL,
  last_used_at INTEGER,
  revoked_at   INTEGER,
  created_at   INTEGER NOT NULL
);

-- ───────────────────────────── CRM ─────────────────────────────

CREATE TABLE clients (
  id             TEXT PRIMARY KEY,
  full_name      TEXT NOT NULL,
  email          TEXT UNIQUE COLLATE NOCASE,
  phone          TEXT,
  whatsapp       TEXT,
  nationality    TEXT,
  company_name   TEXT,
  status         TEXT NOT NULL DEFAULT 'lead' CHECK (status IN ('lead', 'active', 'inactive', 'archived')),
  consultant_id  TEXT REFERENCES users(id) ON DELETE SET NULL,
  language       TEXT NOT NULL DEFAULT 'en',
  notes          TEXT,
  version        INTEGER NOT NULL DEFAULT 1,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL
);
CREATE INDEX idx_clients_status ON clients(status, updated_at);
CREATE INDEX idx_clients_consultant ON clients(consultant_id);
CREATE INDEX idx_clients_name ON clients(full_name COLLATE NOCASE);

-- Kinds of work the firm sells (C1 visa, E33G KITAS, PT PMA setup…), seeded from the price table.
CREATE TABLE practice_types (
  code             TEXT PRIMARY KEY,
  name             TEXT NOT NULL,
  category         TEXT NOT NULL,
  default_fee_idr  INTEGER,
  duration_days    INTEGER,
  description      TEXT,
  created_at       INTEGER NOT NULL
);

-- A client's case. Status moves only along the allowed workflow (enforced in shared/).
CREATE TABLE practices (
  id               TEXT PRIMARY KEY,
  client_id        TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  type_code        TEXT NOT NULL REFERENCES practice_types(code),
  consultant_id    TEXT REFERENCES users(id) ON DELETE SET NULL,
  status           TEXT NOT NULL DEFAULT 'inquiry' CHECK (status IN
                     ('inquiry', 'quoted', 'in_progress', 'submitted', 'approved', 'rejected', 'completed', 'cancelled')),
  fee_idr          INTEGER,
  paid_idr         INTEGER NOT NULL DEFAULT 0,
  start_date       TEXT,
  submitted_at     TEXT,
  approved_at      TEXT,
  expiry_date      TEXT,
  notes            TEXT,
  version          INTEGER NOT NULL DEFAULT 1,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL
);
CREATE INDEX idx_practices_client ON practices(client_id);
CREATE INDEX idx_practices_status ON practices(status);
CREATE INDEX idx_practices_expiry ON practices(expiry_date);
CREATE INDEX idx_practices_consultant ON practices(consultant_id);

CREATE TABLE practice_status_history (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  practice_id  TEXT NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
  from_status  TEXT,
  to_status    TEXT NOT NULL,
  changed_by   TEXT REFERENCES users(id) ON DELETE SET NULL,
  changed_at   INTEGER NOT NULL
);
CREATE INDEX idx_status_history_practice ON practice_status_history(practice_id);

CREATE TABLE interactions (
  id               TEXT PRIMARY KEY,
  client_id        TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  practice_id      TEXT REFERENCES practices(id) ON DELETE SET NULL,
  conversation_id  TEXT REFERENCES conversations(id) ON DELETE SET NULL,
  kind             TEXT NOT NULL CHECK (kind IN ('chat', 'email', 'whatsapp', 'call', 'meeting', 'note', 'reminder')),
  summary          TEXT NOT NULL,
  created_by       TEXT REFERENCES users(id) ON DELETE SET NULL,
  -- Idempotency key for generated rows (renewal reminders: one per practice and window).
  dedupe_key       TEXT UNIQUE,
  occurred_at      INTEGER NOT NULL,
  created_at       INTEGER NOT NULL
);
CREATE INDEX idx_interactions_client ON interactions(client_id, occurred_at);
CREATE INDEX idx_interactions_creator ON interactions(created_by);

-- Client documents: bytes in R2, metadata here.
CREATE TABLE documents (
  id           TEXT PRIMARY KEY,
  client_id    TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  practice_id  TEXT REFERENCES practices(id) ON DELETE SET NULL,
  filename     TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size_bytes   INTEGER NOT NULL,
  sha256       TEXT NOT NULL,
  r2_key       TEXT NOT NULL UNIQUE,
  uploaded_by  TEXT REFERENCES users(id) ON DELETE SET NULL,
  deleted_at   INTEGER,
  created_at   INTEGER NOT NULL
);
CREATE INDEX idx_documents_client ON documents(client_id);
CREATE INDEX idx_documents_practice ON documents(practice_id);

CREATE TABLE work_sessions (
  id          TEXT PRIMARY KEY,
  user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  started_at  INTEGER NOT NULL,
  ended_at    INTEGER,
  notes       TEXT
);
CREATE INDEX idx_work_sessions_user ON work_sessions(user_id, started_at);

-- ───────────────────────────── chat and memory ─────────────────────────────

CREATE TABLE conversations (
  id          TEXT PRIMARY KEY,
  user_id     TEXT REFERENCES users(id) ON DELETE CASCADE,
  session_id  TEXT,
  title       TEXT NOT NULL DEFAULT '',
  language    TEXT,
  deleted_at  INTEGER,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
CREATE INDEX idx_conversations_user ON conversations(user_id, updated_at);

CREATE TABLE messages (
  id               TEXT PRIMARY KEY,
  conversation_id  TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  seq              INTEGER NOT NULL,
  role             TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'tool', 'system')),
  content          TEXT NOT NULL,
  model            TEXT,
  -- complete | partial (stream cut) | failed: a message is stored even when the answer did not finish.
  status           TEXT NOT NULL DEFAULT 'complete',
  sources          TEXT,
  tool_calls       TEXT,
  tokens_in        INTEGER,
  tokens_out       INTEGER,
  latency_ms       INTEGER,
  feedback         INTEGER CHECK (feedback IN (-1, 1)),
  created_at       INTEGER NOT NULL,
  UNIQUE (conversation_id, seq)
);

CREATE TABLE memory_facts (
  id          TEXT PRIMARY KEY,
  user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  content     TEXT NOT NULL,
  source      TEXT NOT NULL DEFAULT 'explicit',
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
CREATE INDEX idx_memory_user ON memory_facts(user_id, updated_at);

-- ───────────────────────────── knowledge base ─────────────────────────────

CREATE TABLE kb_collections (
  name         TEXT PRIMARY KEY,
  description  TEXT NOT NULL DEFAULT '',
  updated_at   INTEGER NOT NULL
);

-- One row per source document; content_hash drives incremental builds.
CREATE TABLE kb_documents (
  id             TEXT PRIMARY KEY,
  collection     TEXT NOT NULL REFERENCES kb_collections(name) ON DELETE CASCADE,
  source_path    TEXT NOT NULL UNIQUE,
  title          TEXT NOT NULL,
  language       TEXT NOT NULL,
  authority      TEXT,
  url            TEXT,
  effective_date TEXT,
  r2_key         TEXT,
  content_hash   TEXT NOT NULL,
  chunk_count    INTEGER NOT NULL DEFAULT 0,
  bytes          INTEGER NOT NULL DEFAULT 0,
  updated_at     INTEGER NOT NULL
);
CREATE INDEX idx_kb_documents_collection ON kb_documents(collection);

CREATE TABLE kb_chunks (
  rowid        INTEGER PRIMARY KEY,
  id           TEXT NOT NULL UNIQUE,
  document_id  TEXT NOT NULL REFERENCES kb_documents(id) ON DELETE CASCADE,
  collection   TEXT NOT NULL,
  ord          INTEGER NOT NULL,
  section      TEXT NOT NULL DEFAULT '',
  language     TEXT NOT NULL,
  page         INTEGER,
  text         TEXT NOT NULL,
  -- Extra exact-match terms (codes like 56101, E33G) kept out of the display text.
  keywords     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX idx_kb_chunks_document ON kb_chunks(document_id);
CREATE INDEX idx_kb_chunks_collection ON kb_chunks(collection);

-- BM25 keyword index over chunks (external content: the text lives once, in kb_chunks).
CREATE VIRTUAL TABLE kb_chunks_fts USING fts5(
  section, text, keywords,
  content = 'kb_chunks', content_rowid = 'rowid',
  tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER kb_chunks_ai AFTER INSERT ON kb_chunks BEGIN
  INSERT INTO kb_chunks_fts(rowid, section, text, keywords) VALUES (new.rowid, new.section, new.text, new.keywords);
END;
CREATE TRIGGER kb_chunks_ad AFTER DELETE ON kb_chunks BEGIN
  INSERT INTO kb_chunks_fts(kb_chunks_fts, rowid, section, text, keywords)
    VALUES ('delete', old.rowid, old.section, old.text, old.keywords);
END;

-- Local vector index (dev): embeddings as little-endian f32 blobs, searched by brute force in the worker.
-- Production uses Vectorize instead; the table stays empty there.
CREATE TABLE kb_vectors (
  chunk_id    TEXT PRIMARY KEY REFERENCES kb_chunks(id) ON DELETE CASCADE,
  collection  TEXT NOT NULL,
  dims        INTEGER NOT NULL,
  embedding   BLOB NOT NULL
);

-- ───────────────────────────── audit ─────────────────────────────

CREATE TABLE activity_log (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  actor_id    TEXT,
  actor_role  TEXT,
  action      TEXT NOT NULL,
  target_type TEXT,
  target_id   TEXT,
  ip          TEXT,
  request_id  TEXT,
  detail      TEXT,
  created_at  INTEGER NOT NULL
);
CREATE INDEX idx_activity_created ON activity_log(created_at);
CREATE INDEX idx_activity_actor ON activity_log(actor_id);
