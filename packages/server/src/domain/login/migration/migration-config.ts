import type { MigrationConfigRequest } from "@overture/protocol";
import { checkOutboundUrl } from "../../../outbound/outbound-url.js";
import type { AppRecord } from "../../apps/app-repository.js";
import type { ConfigRecord } from "../../apps/config-repository.js";
import type { Store } from "../../shared/store.js";

export const MIGRATION_CONFIG = "migration";

export interface MigrationConfigValue {
  session_validation_url: string;
}

type Invalid = { ok: false; reason: "invalid_input"; message: string };

/** The config as stored: the URL checked against the app's mode and normalised. */
export function completeMigrationConfig(
  app: AppRecord,
  request: MigrationConfigRequest,
): { ok: true; value: MigrationConfigValue } | Invalid {
  const checked = checkOutboundUrl(request.session_validation_url, app.mode, "session_validation_url");
  if (!checked.ok) return { ok: false, reason: "invalid_input", message: checked.message };
  return { ok: true, value: { session_validation_url: checked.url.href } };
}

export function getMigrationConfig(
  store: Pick<Store, "configs">,
  appId: string,
): Promise<ConfigRecord<MigrationConfigValue> | null> {
  return store.configs.get<MigrationConfigValue>(appId, MIGRATION_CONFIG);
}
