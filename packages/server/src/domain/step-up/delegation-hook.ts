import {
  type GrantMode,
  type Identifier,
  STEP_KEY_PATTERN,
  STEP_UP_LIMITS,
  type StepUpHookFailure,
  type StepUpStatus,
  type StepUpStep,
} from "@overture/protocol";
import type { AppRecord } from "../apps/app-repository.js";
import { isOtpStep, PASSKEY_STEP } from "./step-up-config.js";

/** What the delegation hook is told (prelude-api.md §7.1). */
export interface DelegationInput {
  scope: string;
  userId: string;
  identifiers: Identifier[];
  signals: { user_agent: string | null; platform: "WEB" | "ANDROID" | "IOS"; ip: string | null };
  metadata: Record<string, string>;
}

export type HookFailure = { reason: StepUpHookFailure; statusCode: number | null; detail: string };

/** The exchange, as hooks/delegation-hook-client.ts reports it: a JSON object, or why not. */
export type DelegationReply = { ok: true; answer: Record<string, unknown> } | ({ ok: false } & HookFailure);

/** An app's delegation hook: a signed call to the customer's backend (docs/step-up.md). */
export interface DelegationHook {
  decide(app: AppRecord, hookUrl: string, input: DelegationInput): Promise<DelegationReply>;
}

/** A decision, from a direct entry or a hook. */
export interface StepUpDecision {
  status: StepUpStatus;
  grantMode: GrantMode;
  /** Seconds; 0 for a single-use grant with no cap. */
  grantedFor: number;
  /** In order; empty unless `review`. */
  steps: StepUpStep[];
}

const STATUSES: ReadonlySet<unknown> = new Set(["continue", "review", "block"]);
const GRANT_MODES: ReadonlySet<unknown> = new Set(["single-use", "session-bound", "profile-bound"]);
const stepKey = new RegExp(STEP_KEY_PATTERN);

/**
 * A hook's answer held to §7.1, each violation with the reason `step_up.hook_failed` records:
 * `status` and `grant_mode` from their lists, `granted_for` 0–86400 and above 0 for a lasting
 * grant, and for `review` steps whose orders run 1..n and whose keys are built in or declared.
 * Fields it does not know are ignored, as a JSON consumer should.
 */
export function readDelegationAnswer(
  answer: Record<string, unknown>,
  declaredKeys: ReadonlySet<string>,
): { ok: true; decision: StepUpDecision } | ({ ok: false } & HookFailure) {
  const fail = (reason: StepUpHookFailure, detail: string) =>
    ({ ok: false, reason, statusCode: 200, detail }) as const;
  const { status, grant_mode: grantMode, granted_for: grantedFor, steps } = answer;
  if (!STATUSES.has(status)) return fail("invalid_status", "status is not continue, review or block");
  if (!GRANT_MODES.has(grantMode))
    return fail("invalid_grant_mode", "grant_mode is not single-use, session-bound or profile-bound");
  if (
    grantedFor !== undefined &&
    !(
      Number.isInteger(grantedFor) &&
      (grantedFor as number) >= 0 &&
      (grantedFor as number) <= STEP_UP_LIMITS.durationMax
    )
  )
    return fail("invalid_granted_for", "granted_for is not an integer from 0 to 86400");
  const seconds = (grantedFor as number | undefined) ?? 0;
  if (status !== "block" && grantMode !== "single-use" && seconds < 1)
    return fail("invalid_granted_for", `granted_for must be above 0 for a ${String(grantMode)} grant`);
  let ordered: StepUpStep[] = [];
  if (status === "review") {
    if (!Array.isArray(steps) || steps.length === 0) return fail("missing_steps", "review without steps");
    const checked = checkHookSteps(steps, declaredKeys);
    if (typeof checked === "string") return fail("invalid_step", checked);
    ordered = checked;
  }
  return {
    ok: true,
    decision: {
      status: status as StepUpStatus,
      grantMode: grantMode as GrantMode,
      grantedFor: seconds,
      steps: ordered,
    },
  };
}

function checkHookSteps(steps: unknown[], declaredKeys: ReadonlySet<string>): StepUpStep[] | string {
  if (steps.length > STEP_UP_LIMITS.stepsMax) return `more than ${STEP_UP_LIMITS.stepsMax} steps`;
  const read: StepUpStep[] = [];
  for (const [i, step] of steps.entries()) {
    if (typeof step !== "object" || step === null) return `steps[${i}] is not an object`;
    const { order, key, expiration_duration: duration } = step as Record<string, unknown>;
    if (!Number.isInteger(order) || (order as number) < 1 || (order as number) > steps.length)
      return `steps[${i}].order is not from 1 to ${steps.length}`;
    if (read.some((s) => s.order === order)) return `steps[${i}].order is used twice`;
    if (typeof key !== "string" || key.length > STEP_UP_LIMITS.stepKeyLengthMax || !stepKey.test(key))
      return `steps[${i}].key does not match ${STEP_KEY_PATTERN}`;
    if (!isOtpStep(key) && key !== PASSKEY_STEP && !declaredKeys.has(key))
      return `steps[${i}].key "${key}" is neither verify_email, verify_sms, verify_passkey nor a declared step key`;
    if (read.some((s) => s.key === key)) return `steps[${i}].key "${key}" appears twice`;
    if (
      !Number.isInteger(duration) ||
      (duration as number) < 0 ||
      (duration as number) > STEP_UP_LIMITS.durationMax
    )
      return `steps[${i}].expiration_duration is not an integer from 0 to 86400`;
    read.push({ order: order as number, key, expiration_duration: duration as number });
  }
  return read.sort((a, b) => a.order - b.order);
}
