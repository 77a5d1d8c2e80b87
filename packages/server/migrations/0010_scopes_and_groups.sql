-- What a token carries (docs/scopes-and-claims.md): the app's allowed scopes, its groups, and the
-- scopes and groups of each user. The foreign keys keep every granted scope an allowed one of the
-- same app: a group's scopes hold their allowed scope (removing it is refused while a group uses
-- it), a user's scopes go with it.

CREATE TABLE allowed_scopes (
  app_id TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  scope TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (app_id, scope)
);

-- A group has an id of its own besides its name: a session snapshots the ids of its user's
-- groups at login, so a group deleted and created again under the same name is not in them.
CREATE TABLE scope_groups (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE UNIQUE INDEX scope_groups_app_name ON scope_groups (app_id, name);

CREATE TABLE scope_group_scopes (
  group_id TEXT NOT NULL REFERENCES scope_groups (id) ON DELETE CASCADE,
  app_id TEXT NOT NULL,
  scope TEXT NOT NULL,
  PRIMARY KEY (group_id, scope),
  FOREIGN KEY (app_id, scope) REFERENCES allowed_scopes (app_id, scope)
);

CREATE INDEX scope_group_scopes_scope ON scope_group_scopes (app_id, scope);

CREATE TABLE user_scopes (
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  app_id TEXT NOT NULL,
  scope TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, scope),
  FOREIGN KEY (app_id, scope) REFERENCES allowed_scopes (app_id, scope) ON DELETE CASCADE
);

CREATE INDEX user_scopes_scope ON user_scopes (app_id, scope);

CREATE TABLE user_group_members (
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  group_id TEXT NOT NULL REFERENCES scope_groups (id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, group_id)
);

CREATE INDEX user_group_members_group ON user_group_members (group_id);

-- The ids of the user's groups when the session started, space-separated.
ALTER TABLE sessions ADD COLUMN group_ids TEXT NOT NULL DEFAULT '';

-- Incremented by every change to the allowed scopes, the groups or the claims mapping, in the
-- same transaction: each node's cache of them is keyed by it, and every token mint reads it with
-- the rows it reads anyway, so a change applies at the next mint on every node.
ALTER TABLE apps ADD COLUMN token_config_version BIGINT NOT NULL DEFAULT 0;
