import { PasskeyConfigQuery, PasskeyConfigRequest, PasskeyConfigResponse } from "@overture/protocol";
import type { ConfigRecord } from "../../domain/apps/config-repository.js";
import { type PasskeyConfigValue, passkeyConfig } from "../../domain/passkeys/passkey-config.js";
import { isoTime } from "../../domain/shared/clock.js";
import { fail } from "../api-error.js";
import { defineRoute } from "../route-spec.js";

const tag = "Config - Login Passkey";

const present = (c: ConfigRecord<PasskeyConfigValue>) => ({
  config: { ...c.value, created_at: isoTime(c.createdAt), updated_at: isoTime(c.updatedAt) },
});

/** `PUT|GET|DELETE /config/passkey` (prelude-api.md M73–M75; docs/passkeys.md). */
export const passkeyConfigRoutes = {
  put: defineRoute({
    operationId: "putPasskeyConfig",
    summary: "Create or replace the passkey config",
    description:
      "The app as a WebAuthn relying party. The whole document: omitted fields return to their defaults. Every rule is checked before anything is stored (docs/passkeys.md). A new `rp_id` while passkeys registered under another exist is a 409 `conflict` unless `?force=true`: those passkeys stop working.",
    tag,
    body: PasskeyConfigRequest,
    query: PasskeyConfigQuery,
    responses: { 200: PasskeyConfigResponse },
    errors: ["conflict"],
    handler: async ({ app, body, query, deps }) => {
      const saved = await passkeyConfig.put(deps.domain, app, body, { force: query.force === "true" });
      if (!saved.ok) fail(saved);
      return { status: 200, body: present(saved.config) };
    },
  }),
  get: defineRoute({
    operationId: "getPasskeyConfig",
    summary: "Get the passkey config",
    tag,
    responses: { 200: PasskeyConfigResponse },
    errors: ["config_not_found"],
    handler: async ({ app, deps }) => {
      const found = await passkeyConfig.get(deps.domain, app);
      if (!found.ok) fail(found);
      return { status: 200, body: present(found.config) };
    },
  }),
  remove: defineRoute({
    operationId: "deletePasskeyConfig",
    summary: "Delete the passkey config",
    description:
      "Passkey registration and login stop with it. Refused (409 `conflict`) while a step-up rule has a " +
      "`verify_passkey` step.",
    tag,
    responses: { 204: null },
    errors: ["config_not_found", "conflict"],
    handler: async ({ app, deps }) => {
      const removed = await passkeyConfig.remove(deps.domain, app);
      if (!removed.ok) fail(removed);
      return { status: 204 };
    },
  }),
};
