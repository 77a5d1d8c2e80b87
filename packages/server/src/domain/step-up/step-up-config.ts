import type { AllowedScopeConfig, StepUpConfigRequest, StepUpStep } from "@overture/protocol";
import { checkOutboundUrl } from "../../outbound/outbound-url.js";
import { singleConfig } from "../apps/single-config.js";
import { PASSKEY_CONFIG } from "../passkeys/passkey-config.js";
import { unknownScope } from "../scopes/allowed-scopes.js";

export const STEP_UP_CONFIG = "step_up";

/** Stored as written, but for `granted_for` below 1 on a lasting grant, stored as the 600 it means. */
export type StepUpConfigValue = StepUpConfigRequest;

/** Steps Overture runs itself; any other key must be declared in `step_keys`. */
export const OTP_STEPS = { verify_email: "email_address", verify_sms: "phone_number" } as const;
export type OtpStepKey = keyof typeof OTP_STEPS;
export const PASSKEY_STEP = "verify_passkey";
const BUILT_IN_STEPS: ReadonlySet<string> = new Set([...Object.keys(OTP_STEPS), PASSKEY_STEP]);

/** Scopes that only the `managed` mode serves: OTP to a new identifier, then attached (§9.4). */
export const REGISTER_SCOPES = {
  "prld:email:register": "verify_email",
  "prld:phone:register": "verify_sms",
} as const;
export type RegisterScope = keyof typeof REGISTER_SCOPES;

/** The seed's default for a lasting grant whose `granted_for` is below 1, and for a step's 0. */
export const DEFAULT_DURATION_SECONDS = 600;

export function isOtpStep(key: string): key is OtpStepKey {
  return key in OTP_STEPS;
}

export function isRegisterScope(scope: string): scope is RegisterScope {
  return scope in REGISTER_SCOPES;
}

/** A direct entry one of whose steps is `verify_passkey`: it applies to users with a passkey only. */
export function usesPasskeyStep(entry: AllowedScopeConfig): boolean {
  return entry.direct?.steps?.some((s) => s.key === PASSKEY_STEP) ?? false;
}

type Checked = { ok: true; value: StepUpConfigValue } | { ok: false; message: string };

/**
 * Every rule of seed 003 that its schema cannot say (docs/step-up.md, "Config rules"), each
 * refused with the path of what breaks it. Allowed scopes are checked in the write's transaction.
 */
export function completeStepUpConfig(mode: "dev" | "prod", request: StepUpConfigRequest): Checked {
  const refuse = (message: string): Checked => ({ ok: false, message });

  const declared = new Set<string>();
  for (const [i, stepKey] of request.step_keys.entries()) {
    if (BUILT_IN_STEPS.has(stepKey.key))
      return refuse(`step_keys[${i}].key "${stepKey.key}" is a built-in step; declare only custom keys.`);
    if (declared.has(stepKey.key)) return refuse(`step_keys[${i}].key "${stepKey.key}" is declared twice.`);
    declared.add(stepKey.key);
  }

  let jwksNeededBy: string | null = null;
  const directPairs = new Map<string, number>();
  const delegatedScopes = new Map<string, number>();
  const managedScopes = new Map<string, number>();
  const entries: AllowedScopeConfig[] = [];
  for (const [i, entry] of request.allowed_scopes.entries()) {
    const at = `allowed_scopes[${i}]`;
    const shape = modeShape(entry, at);
    if (shape) return refuse(shape);
    if (isRegisterScope(entry.scope) !== (entry.mode === "managed"))
      return refuse(
        entry.mode === "managed"
          ? `${at}.mode "managed" serves only prld:email:register and prld:phone:register.`
          : `${at}.scope "${entry.scope}" is served by mode "managed" only.`,
      );
    if (entry.mode === "managed") {
      const first = managedScopes.get(entry.scope);
      if (first !== undefined)
        return refuse(`${at}: "${entry.scope}" already has a managed entry (allowed_scopes[${first}]).`);
      managedScopes.set(entry.scope, i);
      entries.push(entry);
      continue;
    }
    if (entry.mode === "delegated" && entry.delegated) {
      const first = delegatedScopes.get(entry.scope);
      if (first !== undefined)
        return refuse(
          `${at}: "${entry.scope}" already has a delegated entry (allowed_scopes[${first}]); at most one per scope.`,
        );
      delegatedScopes.set(entry.scope, i);
      const hook = checkOutboundUrl(entry.delegated.delegation_hook, mode, `${at}.delegated.delegation_hook`);
      if (!hook.ok) return refuse(hook.message);
      jwksNeededBy ??= `${at} is delegated`;
      entries.push({ ...entry, delegated: { delegation_hook: hook.url.href } });
      continue;
    }
    const direct = entry.direct;
    if (!direct) return refuse(`${at}.direct is required when mode is "direct".`);
    const types = new Set<string>();
    for (const [t, type] of direct.identifier_types.entries()) {
      if (types.has(type)) return refuse(`${at}.direct.identifier_types[${t}] "${type}" is listed twice.`);
      types.add(type);
      const pair = `${entry.scope}\u0000${type}`;
      const first = directPairs.get(pair);
      if (first !== undefined)
        return refuse(
          `${at}.direct.identifier_types[${t}]: ("${entry.scope}", ${type}) is already configured by allowed_scopes[${first}]; each (scope, identifier_type) pair once among direct entries.`,
        );
      directPairs.set(pair, i);
    }
    const granting = direct.status === "continue" || direct.status === "review";
    if (granting && direct.granted_for === undefined)
      return refuse(`${at}.direct.granted_for is required when status is "${direct.status}".`);
    if (granting && direct.grant_mode === undefined)
      return refuse(`${at}.direct.grant_mode is required when status is "${direct.status}".`);
    if (direct.status === "review" && (direct.steps === undefined || direct.steps.length === 0))
      return refuse(`${at}.direct.steps is required, and not empty, when status is "review".`);
    if (direct.status !== "review" && direct.steps !== undefined)
      return refuse(`${at}.direct.steps must be omitted when status is "${direct.status}".`);
    const steps = direct.steps ? checkSteps(direct.steps, `${at}.direct.steps`, declared) : null;
    if (typeof steps === "string") return refuse(steps);
    if (steps?.some((s) => !BUILT_IN_STEPS.has(s.key))) jwksNeededBy ??= `${at} has a custom step`;
    const lasting = direct.grant_mode === "session-bound" || direct.grant_mode === "profile-bound";
    entries.push({
      ...entry,
      direct: {
        ...direct,
        ...(lasting &&
          direct.granted_for !== undefined &&
          direct.granted_for < 1 && { granted_for: DEFAULT_DURATION_SECONDS }),
      },
    });
  }

  let jwksUrl: string | undefined;
  if (request.jwks_url !== undefined) {
    const checked = checkOutboundUrl(request.jwks_url, mode, "jwks_url");
    if (!checked.ok) return refuse(checked.message);
    jwksUrl = checked.url.href;
  } else if (jwksNeededBy) {
    return refuse(`jwks_url is required: ${jwksNeededBy}, and custom steps are verified with its keys.`);
  }
  return {
    ok: true,
    value: {
      ...(jwksUrl !== undefined && { jwks_url: jwksUrl }),
      step_keys: request.step_keys,
      allowed_scopes: entries,
    },
  };
}

/** Exactly one of `direct` and `delegated`, the one `mode` names; neither for `managed`. */
function modeShape(entry: AllowedScopeConfig, at: string): string | null {
  if (entry.mode === "managed")
    return entry.direct || entry.delegated
      ? `${at}: a managed entry has neither direct nor delegated.`
      : null;
  const other = entry.mode === "direct" ? "delegated" : "direct";
  if (entry[other] !== undefined) return `${at}.${other} must be omitted when mode is "${entry.mode}".`;
  if (entry[entry.mode] === undefined) return `${at}.${entry.mode} is required when mode is "${entry.mode}".`;
  return null;
}

/** Orders 1..n, each once; keys built in or declared, each once in a sequence. */
function checkSteps(steps: StepUpStep[], at: string, declared: ReadonlySet<string>): StepUpStep[] | string {
  const orders = new Set<number>();
  const keys = new Set<string>();
  for (const [s, step] of steps.entries()) {
    if (step.order > steps.length)
      return `${at}[${s}].order ${step.order} is past the last step: orders run from 1 to ${steps.length}.`;
    if (orders.has(step.order)) return `${at}[${s}].order ${step.order} is used twice.`;
    orders.add(step.order);
    if (!BUILT_IN_STEPS.has(step.key) && !declared.has(step.key))
      return `${at}[${s}].key "${step.key}" is neither verify_email, verify_sms, verify_passkey nor a key declared in step_keys.`;
    if (keys.has(step.key)) return `${at}[${s}].key "${step.key}" appears twice in the sequence.`;
    keys.add(step.key);
  }
  return steps;
}

/**
 * The app's step-up config (seed 003, docs/step-up.md). Every scope it names must be an allowed
 * scope, read with a share lock so that removing one waits for this write; creating it also
 * creates the key delegation-hook calls are signed with.
 */
export const stepUpConfig = singleConfig<StepUpConfigValue, StepUpConfigRequest>({
  kind: STEP_UP_CONFIG,
  label: "step-up",
  complete: (app, request) => completeStepUpConfig(app.mode, request),
  checkInTx: async (tx, app, value) => {
    const passkeyStepAt = value.allowed_scopes.findIndex((e) => usesPasskeyStep(e));
    if (passkeyStepAt >= 0 && !(await tx.configs.get(app.id, PASSKEY_CONFIG)))
      return `allowed_scopes[${passkeyStepAt}] has a verify_passkey step, which needs a passkey config: PUT /config/passkey first.`;
    return unknownScope(
      tx,
      app.id,
      value.allowed_scopes.map((e) => e.scope),
      "allowed_scopes[].scope",
      "share",
    );
  },
  afterCreate: async (deps, app) => {
    await deps.keys.hookKey(app.id);
  },
});
