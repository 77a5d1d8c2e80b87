-- Per-app daily counters (docs/migration.md, "Overview"): users created by source, legacy sessions
-- exchanged, migration-hook failures. Each increment goes to one of a few shards picked at random,
-- so concurrent writers of one app and day do not queue on one row; reads sum the shards.
CREATE TABLE daily_counts (
  app_id TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  day TEXT NOT NULL,
  metric TEXT NOT NULL,
  shard INTEGER NOT NULL,
  count BIGINT NOT NULL,
  PRIMARY KEY (app_id, day, metric, shard)
);
