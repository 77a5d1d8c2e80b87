-- The outbox can be leased: a dispatcher claims a batch of undelivered events for a while (its
-- lease), then marks them delivered or releases them; a lease that runs out makes them claimable
-- again, so a dispatcher that dies loses nothing (docs/events.md).

ALTER TABLE outbox_events ADD COLUMN lease_owner TEXT;

ALTER TABLE outbox_events ADD COLUMN lease_until BIGINT;

ALTER TABLE outbox_events ADD COLUMN delivered_at BIGINT;

CREATE INDEX outbox_events_undelivered ON outbox_events (id) WHERE delivered_at IS NULL;
