-- Custom domains: a host name serves one app's Frontend API (after verification in prod mode).

CREATE TABLE domains (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  host TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'verified')),
  cname_target TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  verified_at BIGINT
);

-- A host belongs to at most one app in the whole installation.
CREATE UNIQUE INDEX domains_host ON domains (host);

CREATE INDEX domains_app ON domains (app_id, id);
