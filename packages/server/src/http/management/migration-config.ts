import { MigrationConfigRequest, MigrationConfigResponse } from "@overture/protocol";
import { migrationConfig } from "../../domain/login/migration/migration-config.js";
import { isoTime } from "../../domain/shared/clock.js";
import { singleConfigRoutes } from "./single-config-routes.js";

export const migrationConfigRoutes = singleConfigRoutes({
  config: migrationConfig,
  tag: "Config - Migration",
  request: MigrationConfigRequest,
  response: MigrationConfigResponse,
  present: (c) => ({
    config: {
      session_validation_url: c.value.session_validation_url,
      created_at: isoTime(c.createdAt),
      updated_at: isoTime(c.updatedAt),
    },
  }),
  create: {
    operationId: "createMigrationConfig",
    summary: "Create the migration config",
    description:
      "The session validation hook that lazy migration calls. One per app; a second is a 409 `conflict` (use PUT). The URL must be https; `http` to a loopback host is accepted in `dev` mode only (docs/migration.md).",
  },
  get: { operationId: "getMigrationConfig", summary: "Get the migration config" },
  update: { operationId: "updateMigrationConfig", summary: "Change the session validation URL" },
  remove: {
    operationId: "deleteMigrationConfig",
    summary: "Delete the migration config",
    description: "Lazy migration for the app stops with it.",
  },
});
