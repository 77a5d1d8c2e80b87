-- A social login in progress (docs/social-login.md): one row per authorize, taken (deleted) by its
-- callback, so a state works once. Only hashes of the state and of the browser-binding cookie are
-- kept; the PKCE verifier and nonce sent to the provider are derived from the state, not stored.
CREATE TABLE oauth_states (
  state_hash TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  provider TEXT NOT NULL,
  browser_hash TEXT NOT NULL,
  redirect_uri TEXT NOT NULL,
  code_challenge TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE INDEX oauth_states_expires ON oauth_states (expires_at);
