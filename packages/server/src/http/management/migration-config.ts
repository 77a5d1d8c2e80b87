import { MigrationConfigRequest, MigrationConfigResponse } from "@overture/protocol";
import type { ConfigRecord } from "../../domain/apps/config-repository.js";
import {
  completeMigrationConfig,
  getMigrationConfig,
  MIGRATION_CONFIG,
  type MigrationConfigValue,
} from "../../domain/login/migration/migration-config.js";
import { isoTime } from "../../domain/shared/clock.js";
import { ApiError, fail } from "../api-error.js";
import { defineRoute } from "../route-spec.js";

const tag = "Config - Migration";

const present = (c: ConfigRecord<MigrationConfigValue>) => ({
  config: {
    session_validation_url: c.value.session_validation_url,
    created_at: isoTime(c.createdAt),
    updated_at: isoTime(c.updatedAt),
  },
});

export const createMigrationConfig = defineRoute({
  operationId: "createMigrationConfig",
  summary: "Create the migration config",
  description:
    "The session validation hook that lazy migration calls. One per app; a second is a 409 `conflict` (use PUT). The URL must be https; `http` to a loopback host is accepted in `dev` mode only (docs/migration.md).",
  tag,
  body: MigrationConfigRequest,
  responses: { 201: MigrationConfigResponse },
  errors: ["conflict"],
  handler: async ({ app, body, deps }) => {
    const complete = completeMigrationConfig(app, body);
    if (!complete.ok) fail(complete);
    const now = deps.domain.clock.now();
    if (!(await deps.domain.store.configs.create(app.id, MIGRATION_CONFIG, complete.value, now))) {
      throw new ApiError("conflict", "This app already has a migration config; update it with PUT.");
    }
    // The hook's signing key is published from now on, so the receiver can fetch it ahead of calls.
    await deps.domain.keys.hookKey(app.id);
    return { status: 201, body: present({ value: complete.value, createdAt: now, updatedAt: now }) };
  },
});

export const getMigrationConfigRoute = defineRoute({
  operationId: "getMigrationConfig",
  summary: "Get the migration config",
  tag,
  responses: { 200: MigrationConfigResponse },
  errors: ["config_not_found"],
  handler: async ({ app, deps }) => {
    const config = await getMigrationConfig(deps.domain.store, app.id);
    if (!config) throw new ApiError("config_not_found");
    return { status: 200, body: present(config) };
  },
});

export const updateMigrationConfig = defineRoute({
  operationId: "updateMigrationConfig",
  summary: "Change the session validation URL",
  tag,
  body: MigrationConfigRequest,
  responses: { 200: MigrationConfigResponse },
  errors: ["config_not_found"],
  handler: async ({ app, body, deps }) => {
    const complete = completeMigrationConfig(app, body);
    if (!complete.ok) fail(complete);
    const now = deps.domain.clock.now();
    if (!(await deps.domain.store.configs.replace(app.id, MIGRATION_CONFIG, complete.value, now))) {
      throw new ApiError("config_not_found");
    }
    return { status: 200, body: present((await getMigrationConfig(deps.domain.store, app.id))!) };
  },
});

export const deleteMigrationConfig = defineRoute({
  operationId: "deleteMigrationConfig",
  summary: "Delete the migration config",
  description: "Lazy migration for the app stops with it.",
  tag,
  responses: { 204: null },
  errors: ["config_not_found"],
  handler: async ({ app, deps }) => {
    if (!(await deps.domain.store.configs.delete(app.id, MIGRATION_CONFIG)))
      throw new ApiError("config_not_found");
    return { status: 204 };
  },
});
