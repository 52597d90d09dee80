-- Google Workspace tools and renewal reminders that reach people (issue 15).

-- One row per reminder delivery: (practice, expiry, window, channel) is claimed before sending, so a cron
-- re-run or two overlapping runs send once; a failed or skipped delivery is retried by the next run.
CREATE TABLE reminder_deliveries (
  delivery_key  TEXT PRIMARY KEY,                 -- renewal:<practice>:<expiry>:<window>:<channel>
  practice_id   TEXT NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
  client_id     TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  window_days   INTEGER NOT NULL CHECK (window_days IN (30, 14, 7)),
  channel       TEXT NOT NULL CHECK (channel IN ('whatsapp', 'email')),
  status        TEXT NOT NULL CHECK (status IN ('claimed', 'sent', 'failed', 'skipped')),
  attempts      INTEGER NOT NULL DEFAULT 0,
  recipient     TEXT,
  provider_id   TEXT,                             -- wamid… or the Gmail message id
  detail        TEXT,                             -- why it failed or was skipped
  claimed_at    INTEGER,
  updated_at    INTEGER NOT NULL
);
CREATE INDEX idx_reminder_deliveries_practice ON reminder_deliveries(practice_id);
CREATE INDEX idx_reminder_deliveries_status ON reminder_deliveries(status, updated_at);

-- E-mails prepared by the send_email tool, waiting for their confirmation. Only the token's hash is kept;
-- a confirmation marks the row used with a conditional update, so it sends once.
CREATE TABLE email_confirmations (
  token_hash    TEXT PRIMARY KEY,
  principal_id  TEXT NOT NULL,
  client_id     TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  payload       TEXT NOT NULL,                    -- the PreparedEmail, JSON
  expires_at    INTEGER NOT NULL,
  used_at       INTEGER,
  created_at    INTEGER NOT NULL
);
CREATE INDEX idx_email_confirmations_expires ON email_confirmations(expires_at);
