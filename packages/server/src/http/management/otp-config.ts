import {
  DevMessagesResponse,
  OtpConfigListResponse,
  OtpConfigParams,
  OtpConfigRequest,
  OtpConfigResponse,
} from "@overture/protocol";
import {
  createOtpConfig as createConfig,
  deleteOtpConfig as deleteConfig,
  listDevMessages as devMessages,
  listOtpConfigs as listConfigs,
  replaceOtpConfig as replaceConfig,
} from "../../domain/login/otp/otp-configs.js";
import { describeDelivery } from "../../domain/login/otp/otp-delivery.js";
import type { OtpConfigRecord } from "../../domain/login/otp/otp-repository.js";
import { isoTime } from "../../domain/shared/clock.js";
import { fail } from "../api-error.js";
import { defineRoute } from "../route-spec.js";

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
    const created = await createConfig(deps.domain, app, body);
    if (!created.ok) fail(created);
    return { status: 201, body: { login_config: present(created.config) } };
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
    body: { login_configs: (await listConfigs(deps.domain, app)).map(present) },
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
    const replaced = await replaceConfig(deps.domain, app, params.loginConfigID, body);
    if (!replaced.ok) fail(replaced);
    return { status: 200, body: { login_config: present(replaced.config) } };
  },
});

export const deleteOtpConfig = defineRoute({
  operationId: "deleteLoginOtpConfig",
  summary: "Delete an OTP login config",
  tag,
  params: OtpConfigParams,
  responses: { 204: null },
  errors: ["config_not_found", "conflict"],
  handler: async ({ app, params, deps }) => {
    const deleted = await deleteConfig(deps.domain, app, params.loginConfigID);
    if (!deleted.ok) fail(deleted);
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
    const listed = await devMessages(deps.domain, app);
    if (!listed.ok) fail(listed);
    return {
      status: 200,
      body: {
        messages: listed.messages.map((m) => ({
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
