import {
  DevMessagesResponse,
  OtpConfigListResponse,
  OtpConfigParams,
  OtpConfigRequest,
  OtpConfigResponse,
} from "@overture/protocol";
import type { AppRecord } from "../../domain/apps/app-repository.js";
import { checkDelivery, describeDelivery, sealDelivery } from "../../domain/login/otp/otp-delivery.js";
import type { OtpConfigRecord } from "../../domain/login/otp/otp-repository.js";
import { isoTime } from "../../domain/shared/clock.js";
import { newId } from "../../domain/shared/new-id.js";
import { ApiError } from "../api-error.js";
import { defineRoute, type HttpDeps } from "../route-spec.js";

const tag = "Config - Login OTP";

const present = (c: OtpConfigRecord) => ({
  id: c.id,
  config_type: "otp" as const,
  channel_type: c.channel,
  is_default: c.isDefault,
  template_id: c.templateId,
  sender_id: c.senderId,
  granted_scopes: c.grantedScopes,
  delivery: describeDelivery(c.delivery),
  created_at: isoTime(c.createdAt),
  updated_at: isoTime(c.updatedAt),
});

/** Writes a config; a default one clears the channel's other defaults in the same transaction. */
async function save(deps: HttpDeps, config: OtpConfigRecord, create: boolean): Promise<boolean> {
  return deps.domain.store.transaction(async (tx) => {
    let written = true;
    if (create) await tx.otp.createConfig(config);
    else written = await tx.otp.replaceConfig(config);
    if (written && config.isDefault) await tx.otp.clearDefault(config.appId, config.channel, config.id);
    return written;
  });
}

function fromRequest(
  deps: HttpDeps,
  app: AppRecord,
  body: OtpConfigRequest,
  base: Pick<OtpConfigRecord, "id" | "appId" | "createdAt">,
  now: number,
): OtpConfigRecord {
  const delivery = body.delivery ?? { type: "console" as const };
  const checked = checkDelivery(delivery, app.mode);
  if (!checked.ok) throw new ApiError("invalid_request", checked.message);
  return {
    ...base,
    channel: body.channel_type,
    isDefault: body.is_default ?? false,
    templateId: body.template_id ?? null,
    senderId: body.sender_id ?? null,
    grantedScopes: body.granted_scopes ?? [],
    delivery: sealDelivery(deps.domain.secrets.configSecrets, base.id, delivery),
    updatedAt: now,
  };
}

export const createOtpConfig = defineRoute({
  operationId: "createLoginOtpConfig",
  summary: "Add an OTP login config",
  description:
    "Several per app and channel; the client picks one with `login_config_id`, otherwise the channel's default is used.",
  tag,
  body: OtpConfigRequest,
  responses: { 201: OtpConfigResponse },
  errors: ["invalid_request"],
  handler: async ({ app, body, deps }) => {
    const now = deps.domain.clock.now();
    const config = fromRequest(
      deps,
      app,
      body,
      { id: newId("lcfg", now), appId: app.id, createdAt: now },
      now,
    );
    await save(deps, config, true);
    return { status: 201, body: { login_config: present(config) } };
  },
});

export const listOtpConfigs = defineRoute({
  operationId: "listLoginOtpConfigs",
  summary: "List the OTP login configs",
  tag,
  responses: { 200: OtpConfigListResponse },
  errors: [],
  handler: async ({ app, deps }) => ({
    status: 200,
    body: { login_configs: (await deps.domain.store.otp.listConfigs(app.id)).map(present) },
  }),
});

export const updateOtpConfig = defineRoute({
  operationId: "updateLoginOtpConfig",
  summary: "Replace an OTP login config",
  tag,
  params: OtpConfigParams,
  body: OtpConfigRequest,
  responses: { 200: OtpConfigResponse },
  errors: ["config_not_found", "invalid_request"],
  handler: async ({ app, params, body, deps }) => {
    const existing = await deps.domain.store.otp.getConfig(app.id, params.loginConfigID);
    if (!existing) throw new ApiError("config_not_found");
    const config = fromRequest(deps, app, body, existing, deps.domain.clock.now());
    await save(deps, config, false);
    return { status: 200, body: { login_config: present(config) } };
  },
});

export const deleteOtpConfig = defineRoute({
  operationId: "deleteLoginOtpConfig",
  summary: "Delete an OTP login config",
  tag,
  params: OtpConfigParams,
  responses: { 204: null },
  errors: ["config_not_found"],
  handler: async ({ app, params, deps }) => {
    if (!(await deps.domain.store.otp.deleteConfig(app.id, params.loginConfigID)))
      throw new ApiError("config_not_found");
    return { status: 204 };
  },
});

export const listDevMessages = defineRoute({
  operationId: "listDevMessages",
  summary: "Codes sent through the console sender (dev mode only)",
  description: "Newest first, the last 50. Answers 404 in prod mode.",
  tag: "Mode",
  responses: { 200: DevMessagesResponse },
  errors: ["not_found"],
  handler: async ({ app, deps }) => {
    if (app.mode !== "dev") throw new ApiError("not_found", "Dev messages exist only in dev mode.");
    const messages = await deps.domain.store.otp.listDevMessages(app.id, 50);
    return {
      status: 200,
      body: {
        messages: messages.map((m) => ({
          channel: m.channel,
          to: m.to,
          code: m.code,
          body: m.body,
          created_at: isoTime(m.createdAt),
        })),
      },
    };
  },
});
