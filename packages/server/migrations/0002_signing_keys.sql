-- Per-app signing keys. The private key is encrypted with the installation's master key
-- (AES-256-GCM, the key id as associated data). Retired keys stay published until expires_at.

ALTER TABLE apps ADD COLUMN token_alg TEXT NOT NULL DEFAULT 'ES256';

CREATE TABLE signing_keys (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  purpose TEXT NOT NULL CHECK (purpose IN ('token', 'hook')),
  alg TEXT NOT NULL CHECK (alg IN ('ES256', 'RS256', 'PS256')),
  public_jwk TEXT NOT NULL,
  private_key TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  retired_at BIGINT,
  expires_at BIGINT
);

CREATE INDEX signing_keys_app ON signing_keys (app_id, purpose, id);
