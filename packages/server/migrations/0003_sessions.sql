-- Sessions, their rotating refresh tokens, and single-use marks for challenge tokens and DPoP
-- proofs. Per-app session lifetimes live on the app row (seconds).

ALTER TABLE apps ADD COLUMN access_ttl_seconds INTEGER NOT NULL DEFAULT 300;

ALTER TABLE apps ADD COLUMN session_ttl_seconds INTEGER NOT NULL DEFAULT 2592000;

ALTER TABLE apps ADD COLUMN idle_ttl_seconds INTEGER NOT NULL DEFAULT 604800;

CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  jkt TEXT NOT NULL,
  method TEXT NOT NULL,
  scopes TEXT NOT NULL,
  user_agent TEXT,
  ip TEXT,
  generation INTEGER NOT NULL,
  created_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  idle_expires_at BIGINT NOT NULL,
  revoked_at BIGINT,
  revoked_reason TEXT
);

CREATE INDEX sessions_user ON sessions (app_id, user_id, id);

-- One row per refresh token ever issued; only its SHA-256 is kept. The successor of a rotated
-- token is kept sealed for the short retry grace window, then erased.
CREATE TABLE refresh_tokens (
  token_sha256 TEXT PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  generation INTEGER NOT NULL,
  created_at BIGINT NOT NULL,
  spent_at BIGINT,
  successor_sealed TEXT
);

CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id, generation);

-- Single-use marks: a spent challenge token or a seen DPoP proof jti. The primary key makes the
-- mark atomic; rows past expires_at are purged.
CREATE TABLE spent_tokens (
  app_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  jti TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  PRIMARY KEY (app_id, kind, jti)
);

CREATE INDEX spent_tokens_expiry ON spent_tokens (expires_at);
