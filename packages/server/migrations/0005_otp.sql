-- OTP login: per-app channel configs, pending verifications, and messages kept for dev inspection.

CREATE TABLE otp_configs (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  channel TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
  is_default INTEGER NOT NULL,
  value TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE INDEX otp_configs_app ON otp_configs (app_id, channel);

-- A code sent to an identifier. Only an HMAC of the code and a hash of the verification token are
-- stored; the identifier is kept to create or find the user when the code is right.
CREATE TABLE otp_verifications (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  token_sha256 TEXT NOT NULL,
  config_id TEXT NOT NULL,
  identifier_type TEXT NOT NULL,
  identifier_value TEXT NOT NULL,
  code_mac TEXT NOT NULL,
  code_challenge TEXT,
  attempts INTEGER NOT NULL,
  sends INTEGER NOT NULL,
  last_sent_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  consumed_at BIGINT,
  created_at BIGINT NOT NULL
);

CREATE UNIQUE INDEX otp_verifications_token ON otp_verifications (token_sha256);

CREATE INDEX otp_verifications_expiry ON otp_verifications (expires_at);

CREATE TABLE dev_messages (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  channel TEXT NOT NULL,
  recipient TEXT NOT NULL,
  code TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE INDEX dev_messages_app ON dev_messages (app_id, id);
