-- Passkeys (docs/passkeys.md): one row per WebAuthn credential a user registered. The credential's
-- public key (COSE, base64url) is public; what matters is that only its owner's authenticator
-- signs for it, and the signature counter, which a cloned authenticator gives away. A credential
-- works under the RP ID it was registered with, kept here.
CREATE TABLE passkey_credentials (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  credential_id TEXT NOT NULL,
  public_key TEXT NOT NULL,
  sign_count BIGINT NOT NULL,
  transports TEXT NOT NULL,
  backup_eligible INTEGER NOT NULL,
  backup_state INTEGER NOT NULL,
  aaguid TEXT NOT NULL,
  rp_id TEXT NOT NULL,
  nickname TEXT,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT
);

CREATE UNIQUE INDEX passkey_credentials_credential ON passkey_credentials (app_id, credential_id);

CREATE INDEX passkey_credentials_user ON passkey_credentials (app_id, user_id, id);
