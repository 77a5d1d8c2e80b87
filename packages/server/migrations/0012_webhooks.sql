-- Webhooks (docs/webhooks.md): an app's endpoints and the events each receives. The verification
-- token is sealed (AES-256-GCM, bound to the webhook id): it is sent back in the activation
-- handshake, so it cannot be a one-way hash. activated_at is when the latest activation took
-- effect: events recorded before it are not sent to the webhook.
CREATE TABLE webhooks (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  url TEXT NOT NULL,
  -- The subscribed event names, space-separated, in the catalogue's order.
  events TEXT NOT NULL,
  verification_token_sealed TEXT NOT NULL,
  active INTEGER NOT NULL,
  activated_at BIGINT,
  last_http_code INTEGER,
  last_http_code_at BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE INDEX webhooks_app ON webhooks (app_id, id);
