import type { AppRecord } from "../apps/app-repository.js";
import type { SessionRecord } from "../sessions/session-repository.js";
import type { DomainDeps } from "../shared/domain-deps.js";
import { newId } from "../shared/new-id.js";
import type { Failure } from "../shared/outcome.js";
import type { Repositories } from "../shared/store.js";
import type { StepUpChallengeRecord, StepUpGrantRecord } from "./step-up-repository.js";
import { COMPLETED, currentStep, readStepUpToken } from "./step-up-token.js";

export interface PendingGrant {
  challenge: StepUpChallengeRecord;
  grant: StepUpGrantRecord;
}

/**
 * What a `/refresh {step_up_token}` would grant (docs/step-up.md, "Grants"): a completed challenge
 * of this very session. A `single-use` grant lasts as long as the one access token it goes into
 * (less, when `granted_for` says so); `session-bound` and `profile-bound` ones for `granted_for`.
 */
export async function grantToSpend(
  deps: Pick<DomainDeps, "keys" | "store">,
  app: AppRecord,
  token: string,
  session: SessionRecord,
  now: number,
): Promise<
  | { ok: true; pending: PendingGrant }
  | Failure<
      "challenge_invalid" | "challenge_expired" | "token_reused" | "challenge_mismatch" | "step_not_completed"
    >
> {
  const read = await readStepUpToken(deps, app, token, now);
  if (!read.ok) return read;
  const { challenge } = read;
  if (challenge.sessionId !== session.id || challenge.userId !== session.userId)
    return {
      ok: false,
      reason: "challenge_mismatch",
      message: "This step-up token belongs to another session.",
    };
  if (currentStep(challenge) !== COMPLETED)
    return {
      ok: false,
      reason: "step_not_completed",
      message: `The step-up challenge is at its "${currentStep(challenge)}" step.`,
    };
  const seconds =
    challenge.grantMode === "single-use"
      ? Math.min(app.accessTtlSeconds, challenge.grantedFor || app.accessTtlSeconds)
      : challenge.grantedFor;
  return {
    ok: true,
    pending: {
      challenge,
      grant: {
        id: newId("grt", now),
        appId: app.id,
        userId: session.userId,
        sessionId: challenge.grantMode === "profile-bound" ? null : session.id,
        scope: challenge.scope,
        grantMode: challenge.grantMode,
        expiresAt: now + seconds * 1000,
        createdAt: now,
      },
    },
  };
}

/** Spends the challenge and stores its grant, in the refresh's transaction; false when spent already. */
export async function spendGrant(tx: Repositories, pending: PendingGrant, now: number): Promise<boolean> {
  if (!(await tx.stepUp.spend(pending.challenge.id, pending.challenge.tokenJti, now))) return false;
  await tx.stepUp.addGrant(pending.grant);
  return true;
}
