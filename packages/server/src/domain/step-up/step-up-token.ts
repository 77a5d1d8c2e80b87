import { randomUUID } from "node:crypto";
import type { GrantMode } from "@overture/protocol";
import type { KeyRing } from "../../keys/key-ring.js";
import type { AppRecord } from "../apps/app-repository.js";
import type { DomainDeps } from "../shared/domain-deps.js";
import { signJws, timeClaims, verifyJws } from "../shared/jws.js";
import type { Failure } from "../shared/outcome.js";
import { DEFAULT_DURATION_SECONDS } from "./step-up-config.js";
import type { StepUpChallengeRecord } from "./step-up-repository.js";

export const COMPLETED = "completed";
/** How long a completed challenge waits to be spent on /refresh. */
export const COMPLETED_TTL_MS = 5 * 60_000;

const GRANT_MODES: ReadonlySet<unknown> = new Set<GrantMode>([
  "single-use",
  "session-bound",
  "profile-bound",
]);

/** The key of the step the challenge waits for, or `completed`. */
export function currentStep(c: Pick<StepUpChallengeRecord, "steps" | "stepsDone">): string {
  return c.steps[c.stepsDone]?.key ?? COMPLETED;
}

/** When the token of a challenge that has done `stepsDone` steps ends: its step's deadline. */
export function deadline(c: Pick<StepUpChallengeRecord, "steps">, stepsDone: number, now: number): number {
  const step = c.steps[stepsDone];
  if (!step) return now + COMPLETED_TTL_MS;
  return now + (step.expiration_duration || DEFAULT_DURATION_SECONDS) * 1000;
}

export const newTokenJti = () => randomUUID();

/**
 * A step-up challenge token (prelude-api.md §6.3, client-protocol.md §7): what the web SDK reads —
 * `challenge_id`, `current_step`, `steps[]` with `done`, `scope_requested`, `sub`, `sid`,
 * `metadata`, `jti`, `exp` — plus `grant_mode`. Signed like a login challenge, whose verifier
 * refuses it for its grant mode, as this one refuses a login challenge.
 */
export async function issueStepUpToken(
  keys: KeyRing,
  app: AppRecord,
  issuer: string,
  c: StepUpChallengeRecord,
  now: number,
): Promise<string> {
  const key = await keys.signingKey(app);
  return signJws(
    { alg: key.alg, kid: key.kid, typ: "JWT" },
    {
      iss: issuer,
      sub: c.userId,
      sid: c.sessionId,
      jti: c.tokenJti,
      iat: Math.floor(now / 1000),
      exp: Math.floor(c.expiresAt / 1000),
      token_use: "challenge",
      app_id: app.id,
      challenge_id: c.id,
      grant_mode: c.grantMode,
      scope_requested: c.scope,
      current_step: currentStep(c),
      steps: c.steps.map((step, i) => ({ ...step, done: i < c.stepsDone })),
      metadata: c.metadata,
    },
    key.privateKey,
  );
}

export type StepUpTokenFailure = Failure<"challenge_invalid" | "challenge_expired" | "token_reused">;

/**
 * The challenge a step-up token stands for, if the token is its current one: signed by one of the
 * app's keys, not expired, and not replaced by a later step's token or spent (`token_reused`).
 */
export async function readStepUpToken(
  deps: Pick<DomainDeps, "keys" | "store">,
  app: AppRecord,
  token: string,
  now: number,
): Promise<{ ok: true; challenge: StepUpChallengeRecord } | StepUpTokenFailure> {
  const invalid = { ok: false, reason: "challenge_invalid" } as const;
  const verified = await verifyJws(token, (kid) => deps.keys.verificationKey(app.id, kid));
  if (verified?.header.typ !== "JWT") return invalid;
  const { payload } = verified;
  if (payload.token_use !== "challenge" || payload.app_id !== app.id || !GRANT_MODES.has(payload.grant_mode))
    return invalid;
  if (typeof payload.challenge_id !== "string" || typeof payload.jti !== "string") return invalid;
  const time = timeClaims(payload, now);
  if (time === "expired") return { ok: false, reason: "challenge_expired" };
  if (time !== "valid") return invalid;
  const challenge = await deps.store.stepUp.getChallenge(app.id, payload.challenge_id);
  if (!challenge || challenge.userId !== payload.sub) return invalid;
  if (challenge.tokenJti !== payload.jti || challenge.spentAt !== null)
    return { ok: false, reason: "token_reused", message: "This challenge token was already used." };
  return { ok: true, challenge };
}
