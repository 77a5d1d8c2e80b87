-- OAuth identities (see 0014_oauth_identities.sql). SQLite cannot change a CHECK constraint: the
-- table is rebuilt with the wider one, rows, indexes and all. Nothing references it.
CREATE TABLE user_identifiers_next (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  type TEXT NOT NULL CHECK (type IN ('email_address', 'phone_number', 'oauth')),
  value TEXT NOT NULL,
  created_at BIGINT NOT NULL
);

INSERT INTO user_identifiers_next (id, app_id, user_id, type, value, created_at)
  SELECT id, app_id, user_id, type, value, created_at FROM user_identifiers;

DROP TABLE user_identifiers;

ALTER TABLE user_identifiers_next RENAME TO user_identifiers;

CREATE UNIQUE INDEX user_identifiers_app_value ON user_identifiers (app_id, type, value);

CREATE INDEX user_identifiers_user ON user_identifiers (user_id);
