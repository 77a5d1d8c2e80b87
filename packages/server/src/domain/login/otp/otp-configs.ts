import type { OtpConfigRequest } from "@overture/protocol";
import type { AppRecord } from "../../apps/app-repository.js";
import { listOAuthConfigs } from "../../oauth/oauth-config.js";
import { unknownScope } from "../../scopes/allowed-scopes.js";
import type { DomainDeps } from "../../shared/domain-deps.js";
import { newId } from "../../shared/new-id.js";
import type { Failure } from "../../shared/outcome.js";
import type { Repositories } from "../../shared/store.js";
import { checkDelivery, sealDelivery } from "./otp-delivery.js";
import type { DevMessage, OtpConfigRecord } from "./otp-repository.js";

const NOT_FOUND: Failure<"not_configured"> = {
  ok: false,
  reason: "not_configured",
  message: "This configuration does not exist.",
};

/**
 * OTP login configs: several per app and channel. Saving one as the default clears the channel's
 * other defaults in the same transaction; its sender's credentials are sealed (otp-delivery.ts).
 */
export async function createOtpConfig(
  deps: DomainDeps,
  app: AppRecord,
  input: OtpConfigRequest,
): Promise<{ ok: true; config: OtpConfigRecord } | Failure<"invalid_input">> {
  const now = deps.clock.now();
  const config = fromRequest(
    deps,
    app,
    input,
    { id: newId("lcfg", now), appId: app.id, createdAt: now },
    now,
  );
  if (!config.ok) return config;
  return deps.store.transaction<{ ok: true; config: OtpConfigRecord } | Failure<"invalid_input">>(
    async (tx, rollback) => {
      const unknown = await grantsUnknown(tx, config.record);
      if (unknown) return rollback(unknown);
      await tx.otp.createConfig(config.record);
      if (config.record.isDefault) await tx.otp.clearDefault(app.id, config.record.channel, config.record.id);
      return { ok: true, config: config.record };
    },
  );
}

export async function replaceOtpConfig(
  deps: DomainDeps,
  app: AppRecord,
  id: string,
  input: OtpConfigRequest,
): Promise<{ ok: true; config: OtpConfigRecord } | Failure<"invalid_input" | "not_configured">> {
  const existing = await deps.store.otp.getConfig(app.id, id);
  if (!existing) return NOT_FOUND;
  const config = fromRequest(deps, app, input, existing, deps.clock.now());
  if (!config.ok) return config;
  return deps.store.transaction<
    { ok: true; config: OtpConfigRecord } | Failure<"invalid_input" | "not_configured">
  >(async (tx, rollback) => {
    const unknown = await grantsUnknown(tx, config.record);
    if (unknown) return rollback(unknown);
    if (!(await tx.otp.replaceConfig(config.record))) return NOT_FOUND;
    if (config.record.isDefault) await tx.otp.clearDefault(app.id, config.record.channel, config.record.id);
    return { ok: true, config: config.record };
  });
}

export function listOtpConfigs(deps: Pick<DomainDeps, "store">, app: AppRecord): Promise<OtpConfigRecord[]> {
  return deps.store.otp.listConfigs(app.id);
}

/**
 * Deletes a config, except a `prod` app's last email config while a social login provider verifies
 * emails with it (`options.verify_email`, docs/social-login.md): its sign-ins would fail at the code.
 */
export async function deleteOtpConfig(
  deps: Pick<DomainDeps, "store">,
  app: AppRecord,
  id: string,
): Promise<{ ok: true } | Failure<"not_configured" | "config_in_use">> {
  const configs = await deps.store.otp.listConfigs(app.id);
  const target = configs.find((c) => c.id === id);
  if (!target) return NOT_FOUND;
  if (
    app.mode === "prod" &&
    target.channel === "email" &&
    !configs.some((c) => c.id !== id && c.channel === "email")
  ) {
    const verifying = (await listOAuthConfigs(deps, app.id))
      .filter((c) => c.value.options.verify_email)
      .map((c) => c.provider);
    if (verifying.length > 0)
      return {
        ok: false,
        reason: "config_in_use",
        message: `The ${verifying.join(", ")} login config verifies emails with this one (options.verify_email); turn that off first.`,
      };
  }
  return (await deps.store.otp.deleteConfig(app.id, id)) ? { ok: true } : NOT_FOUND;
}

/** The codes the console sender kept, newest first; they exist in `dev` mode only. */
export async function listDevMessages(
  deps: Pick<DomainDeps, "store">,
  app: AppRecord,
): Promise<{ ok: true; messages: DevMessage[] } | Failure<"dev_mode_only">> {
  if (app.mode !== "dev")
    return { ok: false, reason: "dev_mode_only", message: "Dev messages exist only in dev mode." };
  return { ok: true, messages: await deps.store.otp.listDevMessages(app.id, 50) };
}

/**
 * A granted scope must be an allowed scope; it stays one (locked) until the config is written, so
 * removing it meanwhile waits and then finds this config using it (allowed-scopes.ts).
 */
async function grantsUnknown(
  tx: Repositories,
  config: OtpConfigRecord,
): Promise<Failure<"invalid_input"> | null> {
  const unknown = await unknownScope(tx, config.appId, config.grantedScopes, "granted_scopes[]", "share");
  return unknown ? { ok: false, reason: "invalid_input", message: unknown } : null;
}

function fromRequest(
  deps: DomainDeps,
  app: AppRecord,
  input: OtpConfigRequest,
  base: Pick<OtpConfigRecord, "id" | "appId" | "createdAt">,
  now: number,
): { ok: true; record: OtpConfigRecord } | Failure<"invalid_input"> {
  const delivery = input.delivery ?? { type: "console" as const };
  const checked = checkDelivery(delivery, app.mode);
  if (!checked.ok) return { ok: false, reason: "invalid_input", message: checked.message };
  return {
    ok: true,
    record: {
      ...base,
      channel: input.channel_type,
      isDefault: input.is_default ?? false,
      templateId: input.template_id ?? null,
      senderId: input.sender_id ?? null,
      grantedScopes: input.granted_scopes ?? [],
      delivery: sealDelivery(deps.secrets.configSecrets, base.id, delivery),
      updatedAt: now,
    },
  };
}
