import { PasswordConfigRequest, PasswordConfigResponse } from "@overture/protocol";
import { passwordConfig } from "../../domain/passwords/password-config.js";
import { isoTime } from "../../domain/shared/clock.js";
import { singleConfigRoutes } from "./single-config-routes.js";

export const passwordConfigRoutes = singleConfigRoutes({
  config: passwordConfig,
  tag: "Config - Login Password",
  request: PasswordConfigRequest,
  response: PasswordConfigResponse,
  present: (c) => ({
    config: { ...c.value, created_at: isoTime(c.createdAt), updated_at: isoTime(c.updatedAt) },
  }),
  create: {
    operationId: "createLoginPasswordConfig",
    summary: "Enable password login",
    description:
      "Omitted fields take their defaults (docs/passwords.md). One per app; a second is a 409 `conflict`.",
  },
  get: { operationId: "getLoginPasswordConfig", summary: "Get the password login config" },
  update: {
    operationId: "updateLoginPasswordConfig",
    summary: "Replace the password login config",
    description: "The whole document: omitted fields return to their defaults.",
  },
  remove: {
    operationId: "deleteLoginPasswordConfig",
    summary: "Disable password login",
    description: "Stored passwords are kept; password login answers `forbidden` until a config exists again.",
  },
});
