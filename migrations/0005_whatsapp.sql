-- The WhatsApp channel (issue 15; see shared/src/whatsapp and workers/src/whatsapp).

-- One row per WhatsApp number that wrote to us: its conversation (one per number, created with the row), the CRM
-- client it is linked to (matched by E.164 phone/WhatsApp number, or a lead created for it), and the consultant
-- who took it over (the assistant does not answer while taken_over_by is set).
CREATE TABLE wa_contacts (
  wa_id            TEXT PRIMARY KEY,          -- digits with country code, as Meta sends them
  e164             TEXT NOT NULL,
  profile_name     TEXT,
  client_id        TEXT REFERENCES clients(id) ON DELETE SET NULL,
  conversation_id  TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  taken_over_by    TEXT REFERENCES users(id) ON DELETE SET NULL,
  taken_over_at    INTEGER,
  last_message_at  INTEGER NOT NULL,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL
);
CREATE INDEX idx_wa_contacts_recent ON wa_contacts(last_message_at);

-- Idempotency: each incoming message id (wamid) is processed once, by the queue message that first claimed it
-- (job_id); a redelivery by Meta finds the row and stops; a retry of the same queue message resumes it.
CREATE TABLE wa_inbound (
  wamid        TEXT PRIMARY KEY,
  wa_id        TEXT NOT NULL,
  kind         TEXT NOT NULL,                 -- text | image | document | audio | ... | reaction | other
  body         TEXT,
  job_id       TEXT NOT NULL,
  state        TEXT NOT NULL CHECK (state IN ('processing', 'answered', 'held', 'ignored', 'done')),
  sent_at      INTEGER,                       -- Meta's timestamp (ms)
  received_at  INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
);
CREATE INDEX idx_wa_inbound_contact ON wa_inbound(wa_id, received_at);

-- Everything we send, kept until Meta accepts it (nothing lost): the message (shared::whatsapp::graph::
-- OutgoingMessage as JSON), its order within an answer, Meta's wamid once accepted, and the attempts so far.
CREATE TABLE wa_outbox (
  id             TEXT PRIMARY KEY,
  wa_id          TEXT NOT NULL,
  inbound_wamid  TEXT,
  seq            INTEGER NOT NULL DEFAULT 0,
  message        TEXT NOT NULL,
  origin         TEXT NOT NULL CHECK (origin IN ('assistant', 'consultant', 'template')),
  author_id      TEXT REFERENCES users(id) ON DELETE SET NULL,
  state          TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'refused', 'dead')),
  wamid          TEXT UNIQUE,
  attempts       INTEGER NOT NULL DEFAULT 0,
  last_error     TEXT,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  UNIQUE (inbound_wamid, seq)
);
CREATE INDEX idx_wa_outbox_contact ON wa_outbox(wa_id, created_at);

-- Delivery status per sent wamid, kept apart from the outbox so a callback that arrives before the outbox row
-- knows its wamid is not lost. A status replaces the stored one only with a higher rank
-- (sent 1 < delivered 2 < read 3 < failed 4, terminal): shared/src/whatsapp/status.rs.
CREATE TABLE wa_status (
  wamid       TEXT PRIMARY KEY,
  status      TEXT NOT NULL CHECK (status IN ('sent', 'delivered', 'read', 'failed')),
  rank        INTEGER NOT NULL,
  status_at   INTEGER,
  error       TEXT,
  updated_at  INTEGER NOT NULL
);

-- Deliveries that failed for good (the queue's retries spent and dead-lettered, or refused by Meta), with the
-- job, so an admin sees them (GET /api/admin/whatsapp/failures) and nothing is lost.
CREATE TABLE wa_failures (
  id          TEXT PRIMARY KEY,
  kind        TEXT NOT NULL,                  -- message | status | send
  reference   TEXT NOT NULL,                  -- the wamid or outbox id the job was about
  wa_id       TEXT,
  error       TEXT NOT NULL,
  attempts    INTEGER NOT NULL DEFAULT 0,
  job         TEXT NOT NULL,
  created_at  INTEGER NOT NULL
);
CREATE INDEX idx_wa_failures_created ON wa_failures(created_at);
