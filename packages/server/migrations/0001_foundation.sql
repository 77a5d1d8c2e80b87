-- Foundation: applications, management API keys, users, identifiers and the event outbox.
-- Portable SQL for SQLite and PostgreSQL. Timestamps are Unix epoch milliseconds (UTC).
-- Statements are separated by a semicolon at the end of a line.

CREATE TABLE apps (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  mode TEXT NOT NULL CHECK (mode IN ('dev', 'prod')),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  secret_sha256 TEXT NOT NULL,
  hint TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  revoked_at BIGINT
);

CREATE UNIQUE INDEX api_keys_secret_sha256 ON api_keys (secret_sha256);

CREATE INDEX api_keys_app ON api_keys (app_id);

CREATE TABLE users (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  external_id TEXT,
  status TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
  profile TEXT NOT NULL,
  password_hash TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

-- NULL external_ids never collide (both engines treat NULLs as distinct in unique indexes).
CREATE UNIQUE INDEX users_app_external_id ON users (app_id, external_id);

CREATE INDEX users_app_id ON users (app_id, id);

CREATE TABLE user_identifiers (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  type TEXT NOT NULL CHECK (type IN ('email_address', 'phone_number')),
  value TEXT NOT NULL,
  created_at BIGINT NOT NULL
);

-- Uniqueness per app is the database's job: two concurrent requests can never both win.
CREATE UNIQUE INDEX user_identifiers_app_value ON user_identifiers (app_id, type, value);

CREATE INDEX user_identifiers_user ON user_identifiers (user_id);

CREATE TABLE outbox_events (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  type TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE INDEX outbox_events_app ON outbox_events (app_id, id);
