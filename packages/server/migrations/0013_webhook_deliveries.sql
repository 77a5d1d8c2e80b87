-- Webhook delivery (docs/webhooks.md). The dispatcher routes each outbox event to the active
-- webhooks subscribed to it (one row per webhook and event; routing again inserts nothing), then
-- marks the event routed (outbox_events.delivered_at). Each webhook's rows go out in event order,
-- in batches; a failing batch holds the rows behind it until it succeeds or fails for good.
CREATE TABLE webhook_deliveries (
  webhook_id TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  event_id TEXT NOT NULL,
  app_id TEXT NOT NULL,
  -- pending, delivered or failed (two weeks of attempts without a 2xx).
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at BIGINT NOT NULL,
  first_attempt_at BIGINT,
  last_attempt_at BIGINT,
  last_status INTEGER,
  last_error TEXT,
  last_latency_ms INTEGER,
  delivered_at BIGINT,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (webhook_id, event_id)
);

CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (webhook_id, event_id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_done ON webhook_deliveries (delivered_at) WHERE status = 'delivered';

-- One sender per webhook at a time, across nodes: a lease on the webhook's row, which a node that
-- dies simply lets run out (its batch is then sent again: at-least-once).
ALTER TABLE webhooks ADD COLUMN lease_owner TEXT;
ALTER TABLE webhooks ADD COLUMN lease_until BIGINT;
