-- Per-app configuration documents (password login now; more kinds later) and rate-limit counters.

CREATE TABLE app_configs (
  app_id TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  value TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (app_id, kind)
);

-- Fixed-window counters shared by every node: one row per limited key, reset when its window ends.
CREATE TABLE rate_limits (
  key TEXT PRIMARY KEY,
  window_start BIGINT NOT NULL,
  hits INTEGER NOT NULL,
  expires_at BIGINT NOT NULL
);

CREATE INDEX rate_limits_expiry ON rate_limits (expires_at);
