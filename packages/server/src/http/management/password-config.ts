import { PasswordConfigRequest, PasswordConfigResponse } from "@overture/protocol";
import type { ConfigRecord } from "../../domain/apps/config-repository.js";
import {
  completePasswordConfig,
  getPasswordConfig,
  PASSWORD_CONFIG,
  type PasswordConfigValue,
} from "../../domain/passwords/password-config.js";
import { isoTime } from "../../domain/shared/clock.js";
import { ApiError, fail } from "../api-error.js";
import { defineRoute } from "../route-spec.js";

const tag = "Config - Login Password";

const present = (c: ConfigRecord<PasswordConfigValue>) => ({
  config: { ...c.value, created_at: isoTime(c.createdAt), updated_at: isoTime(c.updatedAt) },
});

export const createPasswordConfig = defineRoute({
  operationId: "createLoginPasswordConfig",
  summary: "Enable password login",
  description: "Omitted fields take their defaults (docs/passwords.md). One per app; a second is a 409.",
  tag,
  body: PasswordConfigRequest,
  responses: { 201: PasswordConfigResponse },
  errors: ["config_already_exists"],
  handler: async ({ app, body, deps }) => {
    const complete = completePasswordConfig(body);
    if (!complete.ok) fail(complete);
    if (
      !(await deps.domain.store.configs.create(
        app.id,
        PASSWORD_CONFIG,
        complete.value,
        deps.domain.clock.now(),
      ))
    ) {
      throw new ApiError("config_already_exists");
    }
    const saved = await getPasswordConfig(deps.domain.store, app.id);
    return { status: 201, body: present(saved!) };
  },
});

export const getPasswordConfigRoute = defineRoute({
  operationId: "getLoginPasswordConfig",
  summary: "Get the password login config",
  tag,
  responses: { 200: PasswordConfigResponse },
  errors: ["config_not_found"],
  handler: async ({ app, deps }) => {
    const config = await getPasswordConfig(deps.domain.store, app.id);
    if (!config) throw new ApiError("config_not_found");
    return { status: 200, body: present(config) };
  },
});

export const updatePasswordConfig = defineRoute({
  operationId: "updateLoginPasswordConfig",
  summary: "Replace the password login config",
  description: "The whole document: omitted fields return to their defaults.",
  tag,
  body: PasswordConfigRequest,
  responses: { 200: PasswordConfigResponse },
  errors: ["config_not_found"],
  handler: async ({ app, body, deps }) => {
    const complete = completePasswordConfig(body);
    if (!complete.ok) fail(complete);
    if (
      !(await deps.domain.store.configs.replace(
        app.id,
        PASSWORD_CONFIG,
        complete.value,
        deps.domain.clock.now(),
      ))
    ) {
      throw new ApiError("config_not_found");
    }
    return { status: 200, body: present((await getPasswordConfig(deps.domain.store, app.id))!) };
  },
});

export const deletePasswordConfig = defineRoute({
  operationId: "deleteLoginPasswordConfig",
  summary: "Disable password login",
  description: "Stored passwords are kept; password login answers `forbidden` until a config exists again.",
  tag,
  responses: { 204: null },
  errors: ["config_not_found"],
  handler: async ({ app, deps }) => {
    if (!(await deps.domain.store.configs.delete(app.id, PASSWORD_CONFIG)))
      throw new ApiError("config_not_found");
    return { status: 204 };
  },
});
