import type { MigrationConfigRequest } from "@overture/protocol";
import { checkOutboundUrl } from "../../../outbound/outbound-url.js";
import { singleConfig } from "../../apps/single-config.js";

export const MIGRATION_CONFIG = "migration";

export interface MigrationConfigValue {
  session_validation_url: string;
}

/**
 * The app's migration config (docs/migration.md): the URL checked against the app's mode and
 * normalised. Creating it also creates the hook's signing key, so the key is in the JWKS before
 * the first call.
 */
export const migrationConfig = singleConfig<MigrationConfigValue, MigrationConfigRequest>({
  kind: MIGRATION_CONFIG,
  label: "migration",
  complete: (app, request) => {
    const checked = checkOutboundUrl(request.session_validation_url, app.mode, "session_validation_url");
    return checked.ok ? { ok: true, value: { session_validation_url: checked.url.href } } : checked;
  },
  afterCreate: async (deps, app) => {
    await deps.keys.hookKey(app.id);
  },
});
