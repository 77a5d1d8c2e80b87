import type { AllowedScopeConfig, Identifier, StepUpStatus } from "@overture/protocol";
import type { AppRecord } from "../apps/app-repository.js";
import { recordEvent } from "../events/record-event.js";
import { normalizeIdentifier } from "../identity/normalize-identifier.js";
import type { ClientContext } from "../sessions/sessions.js";
import { isoTime } from "../shared/clock.js";
import type { DomainDeps } from "../shared/domain-deps.js";
import { newId } from "../shared/new-id.js";
import type { Failure } from "../shared/outcome.js";
import { consumeRateLimit } from "../shared/rate-limit.js";
import {
  type DelegationInput,
  type HookFailure,
  readDelegationAnswer,
  type StepUpDecision,
} from "./delegation-hook.js";
import { hasUsablePasskey, type PasskeyRequestOptions, passkeyStepOptions } from "./passkey-step.js";
import {
  DEFAULT_DURATION_SECONDS,
  isRegisterScope,
  REGISTER_SCOPES,
  type StepUpConfigValue,
  stepUpConfig,
  usesPasskeyStep,
} from "./step-up-config.js";
import { checkMetadata } from "./step-up-metadata.js";
import type { StepUpChallengeRecord } from "./step-up-repository.js";
import { deadline, issueStepUpToken, newTokenJti } from "./step-up-token.js";

/** Step-up requests per session (ttl in nanoseconds): a person asks a few times a minute at most. */
export const STEP_UP_REQUESTS_PER_SESSION = { ttl: 60_000_000_000, limit: 20 };
/** Delegation hook calls per app: each costs the customer's backend a request. */
export const DELEGATION_CALLS_PER_APP = { ttl: 60_000_000_000, limit: 600 };

type RequestFailure = Failure<
  | "not_configured"
  | "scope_not_allowed"
  | "invalid_metadata"
  | "rate_limited"
  | "step_up_hook_failed"
  | "session_ended"
  | "identifier_taken"
>;

/**
 * `POST /v1/session/stepup/request` (docs/step-up.md, "Decisions"): the first `direct` entry for the
 * scope, in declaration order, whose identifier types the user holds; else the scope's `delegated`
 * entry, whose hook decides; a register scope's `managed` entry; else refused. `continue` answers
 * a token already completed, `review` one at its first step, `block` none (§9.7's reading of C2).
 */
export async function requestStepUp(
  deps: DomainDeps,
  app: AppRecord,
  input: {
    userId: string;
    sessionId: string;
    scope: string;
    metadata: Record<string, unknown> | undefined;
  },
  client: ClientContext,
): Promise<
  | { ok: true; status: StepUpStatus; challengeToken?: string; passkeyOptions?: PasskeyRequestOptions }
  | RequestFailure
> {
  const now = deps.clock.now();
  const limited = await consumeRateLimit(
    deps.store,
    { operation: "stepup", appId: app.id, dimension: "session", value: input.sessionId },
    STEP_UP_REQUESTS_PER_SESSION,
    now,
  );
  if (!limited.ok) return limited;
  const config = await stepUpConfig.read(deps, app.id);
  if (!config)
    return { ok: false, reason: "not_configured", message: "Step-up is not configured for this app." };
  const metadata = checkMetadata(input.metadata, isRegisterScope(input.scope));
  if (!metadata.ok) return metadata;
  const notAllowed = {
    ok: false,
    reason: "scope_not_allowed",
    message: `"${input.scope}" cannot be requested through step-up.`,
  } as const;
  if (!config.value.allowed_scopes.some((e) => e.scope === input.scope)) return notAllowed;
  // A scope the app has since stopped allowing would never reach a token.
  if ((await deps.store.scopes.findAllowed(app.id, [input.scope])).length === 0) return notAllowed;

  const user = await deps.store.users.get(app.id, input.userId);
  if (user?.status !== "active")
    return { ok: false, reason: "session_ended", message: "The session has ended." };
  const identifiers = user.identifiers.filter(
    (i): i is Identifier => i.type === "email_address" || i.type === "phone_number",
  );

  const decided = await decide(deps, app, config.value, {
    scope: input.scope,
    userId: user.id,
    identifiers,
    signals: { user_agent: client.userAgent, platform: platformOf(client.userAgent), ip: client.ip },
    metadata: metadata.metadata,
  });
  if (!decided.ok) return decided;
  const { decision, registerIdentifier } = decided;
  if (decision.status === "block") return { ok: true, status: "block" };

  const steps = decision.status === "review" ? decision.steps : [];
  const challenge: StepUpChallengeRecord = {
    id: newId("chl", now),
    appId: app.id,
    userId: user.id,
    sessionId: input.sessionId,
    scope: input.scope,
    grantMode: decision.grantMode,
    grantedFor: decision.grantedFor,
    steps,
    stepsDone: 0,
    tokenJti: newTokenJti(),
    metadata: metadata.metadata,
    registerIdentifier,
    expiresAt: deadline({ steps }, 0, now),
    spentAt: null,
    createdAt: now,
  };
  await deps.store.stepUp.createChallenge(challenge);
  const challengeToken = await issueStepUpToken(deps.keys, app, client.issuer, challenge, now);
  const passkeyOptions = await passkeyStepOptions(deps, app, challenge);
  return { ok: true, status: decision.status, challengeToken, ...(passkeyOptions && { passkeyOptions }) };
}

/**
 * The decision for a scope: a register scope's `managed` entry; else the first `direct` entry whose
 * identifier types the user holds, in declaration order; else the `delegated` entry's hook.
 */
async function decide(
  deps: DomainDeps,
  app: AppRecord,
  config: StepUpConfigValue,
  input: DelegationInput,
): Promise<{ ok: true; decision: StepUpDecision; registerIdentifier: Identifier | null } | RequestFailure> {
  const entries = config.allowed_scopes.filter((e) => e.scope === input.scope);
  if (isRegisterScope(input.scope)) {
    const target = registerTarget(input.scope, input.metadata.identifier as string, input.identifiers);
    if (!target.ok) return target;
    return {
      ok: true,
      registerIdentifier: target.identifier,
      decision: {
        status: "review",
        grantMode: "single-use",
        grantedFor: 0,
        steps: [
          { order: 1, key: REGISTER_SCOPES[input.scope], expiration_duration: DEFAULT_DURATION_SECONDS },
        ],
      },
    };
  }
  const held = (type: string) => input.identifiers.some((i) => i.type === type);
  // A rule with a verify_passkey step applies to users who have a passkey, as one with an OTP step
  // to users who have its identifier; else the next rule does.
  const passkeyHeld = entries.some(usesPasskeyStep) && (await hasUsablePasskey(deps, app, input.userId));
  const direct = entries.find(
    (e) =>
      e.mode === "direct" && e.direct?.identifier_types.some(held) && (passkeyHeld || !usesPasskeyStep(e)),
  )?.direct;
  if (direct)
    return {
      ok: true,
      registerIdentifier: null,
      decision: {
        status: direct.status,
        grantMode: direct.grant_mode ?? "single-use",
        grantedFor: direct.granted_for ?? 0,
        steps: [...(direct.steps ?? [])].sort((a, b) => a.order - b.order),
      },
    };
  const delegated = entries.find((e) => e.mode === "delegated")?.delegated;
  if (!delegated)
    return {
      ok: false,
      reason: "scope_not_allowed",
      message: `No step-up rule for "${input.scope}" applies to this account's identifier types.`,
    };
  const asked = await askHook(deps, app, delegated, config.step_keys, input);
  return asked.ok ? { ok: true, decision: asked.decision, registerIdentifier: null } : asked;
}

/**
 * The identifier a register scope would add: valid, of the scope's type, and not already the
 * user's. Whether another user owns it is only said once the OTP proved the caller holds it
 * (attachRegisteredIdentifier), so this request cannot probe who has an account.
 */
function registerTarget(
  scope: keyof typeof REGISTER_SCOPES,
  value: string,
  own: Identifier[],
): { ok: true; identifier: Identifier } | Failure<"invalid_metadata" | "identifier_taken"> {
  const type = scope === "prld:email:register" ? "email_address" : "phone_number";
  const normalized = normalizeIdentifier({ type, value });
  if (!normalized.ok)
    return {
      ok: false,
      reason: "invalid_metadata",
      message: `metadata.identifier is not a valid ${type === "email_address" ? "email address" : "E.164 phone number"}.`,
    };
  if (own.some((i) => i.type === type && i.value === normalized.identifier.value))
    return { ok: false, reason: "identifier_taken", message: "This identifier is already on your account." };
  return { ok: true, identifier: normalized.identifier };
}

async function askHook(
  deps: DomainDeps,
  app: AppRecord,
  delegated: NonNullable<AllowedScopeConfig["delegated"]>,
  stepKeys: { key: string }[],
  input: DelegationInput,
): Promise<{ ok: true; decision: StepUpDecision } | RequestFailure> {
  const limited = await consumeRateLimit(
    deps.store,
    { operation: "stepup-hook", appId: app.id, dimension: "app", value: app.id },
    DELEGATION_CALLS_PER_APP,
    deps.clock.now(),
  );
  if (!limited.ok) return limited;
  const reply = await deps.delegationHook.decide(app, delegated.delegation_hook, input);
  const read = reply.ok ? readDelegationAnswer(reply.answer, new Set(stepKeys.map((k) => k.key))) : reply;
  if (!read.ok) return hookFailed(deps, app, input, read);
  return read;
}

/** Nothing is granted: logged with its detail, recorded as `step_up.hook_failed`. */
async function hookFailed(
  deps: DomainDeps,
  app: AppRecord,
  input: DelegationInput,
  hook: HookFailure,
): Promise<RequestFailure> {
  const now = deps.clock.now();
  deps.log.warn(
    { app_id: app.id, reason: hook.reason, status_code: hook.statusCode, detail: hook.detail },
    "step-up delegation hook failed",
  );
  await deps.store.transaction((tx) =>
    recordEvent(
      tx,
      app.id,
      "step_up.hook_failed",
      {
        reason: hook.reason,
        scope_requested: input.scope,
        user_id: input.userId,
        status_code: hook.statusCode,
        occurred_at: isoTime(now),
      },
      now,
    ),
  );
  return { ok: false, reason: "step_up_hook_failed" };
}

/** §7.1's `platform`, from the User-Agent: the mobile SDKs' HTTP stacks name their OS. */
export function platformOf(userAgent: string | null): DelegationInput["signals"]["platform"] {
  if (!userAgent) return "WEB";
  if (/android|okhttp/i.test(userAgent)) return "ANDROID";
  if (/iphone|ipad|ios|cfnetwork|darwin/i.test(userAgent)) return "IOS";
  return "WEB";
}
