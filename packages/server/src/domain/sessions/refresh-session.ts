import { createHmac } from "node:crypto";
import type { AppRecord } from "../apps/app-repository.js";
import { REPLAYED, type ReplayMark } from "../dpop/check-dpop.js";
import type { DomainDeps } from "../shared/domain-deps.js";
import type { Failure } from "../shared/outcome.js";
import { sha256 } from "../shared/sha256.js";
import { grantToSpend, type PendingGrant, spendGrant } from "../step-up/spend-step-up.js";
import {
  type ClientContext,
  endSession,
  type IssuedSession,
  idleEnd,
  isActive,
  issueSessionTokens,
  REFRESH_RETRY_GRACE_MS,
  readsIdentifiers,
} from "./sessions.js";

/**
 * Rotates a refresh token (docs/sessions.md). A spent token presented again revokes the session,
 * except the grace-window retry described at REFRESH_RETRY_GRACE_MS.
 */
export async function refreshSession(
  deps: DomainDeps,
  app: AppRecord,
  input: { refreshToken: string | undefined; jkt: string; replayMark: ReplayMark; stepUpToken?: string },
  client: ClientContext,
): Promise<
  | ({ ok: true; retried: boolean } & IssuedSession)
  | Failure<
      | "session_ended"
      | "dpop_key_mismatch"
      | "token_reused"
      | "dpop_invalid"
      | "challenge_invalid"
      | "challenge_expired"
      | "challenge_mismatch"
      | "step_not_completed"
    >
> {
  const now = deps.clock.now();
  if (!input.refreshToken)
    return { ok: false, reason: "session_ended", message: "No refresh token was sent." };
  const presented = sha256(input.refreshToken);
  const found = await deps.store.sessions.findByRefreshToken(app.id, presented, {
    withIdentifiers: readsIdentifiers(deps, app),
  });
  if (!found) return { ok: false, reason: "session_ended", message: "The refresh token is not valid." };
  const { session, user } = found;
  if (!isActive(session, now))
    return { ok: false, reason: "session_ended", message: "The session has ended." };
  if (session.jkt !== input.jkt) return { ok: false, reason: "dpop_key_mismatch" };
  if (user.status !== "active") {
    await endSession(deps, app.id, session, "user_disabled", now);
    return { ok: false, reason: "session_ended", message: "The session has ended." };
  }

  // A step-up grant asked for is checked before anything rotates, and spent with the rotation. A
  // spent refresh token is a grace retry or reuse, decided below: a retry's step-up token was spent
  // by the rotation it repeats, whose grant the user's stored grants already show.
  let stepUp: PendingGrant | undefined;
  if (input.stepUpToken !== undefined && found.token.spentAt === null) {
    const toSpend = await grantToSpend(deps, app, input.stepUpToken, session, now);
    if (!toSpend.ok) return toSpend;
    stepUp = toSpend.pending;
  }

  const successor = successorOf(deps.secrets.refreshSuccessor, input.refreshToken);
  const rotation = {
    appId: app.id,
    // The proof's replay mark goes with the rotation: one commit per refresh instead of two.
    proofJti: input.replayMark.jti,
    proofExpiresAt: input.replayMark.expiresAt,
    presentedSha256: presented,
    successorSha256: sha256(successor),
    sessionId: session.id,
    generation: found.token.generation + 1,
    now,
    idleExpiresAt: idleEnd(app, session, now),
  };
  // One atomic repository call (a single statement on PostgreSQL); with a step-up grant to spend
  // too, a transaction around both, the grant's failure undoing the rotation.
  const rotated = stepUp
    ? await deps.store.transaction<"replayed" | "spent" | "rotated" | "grant_spent">(async (tx, rollback) => {
        const outcome = await tx.sessions.rotate(rotation);
        if (outcome === "rotated" && !(await spendGrant(tx, stepUp, now))) return rollback("grant_spent");
        return outcome;
      })
    : await deps.store.sessions.rotate(rotation);

  if (rotated === "replayed") return REPLAYED;
  if (rotated === "grant_spent")
    return { ok: false, reason: "token_reused", message: "This step-up token was already used." };
  if (rotated === "spent") {
    // The proof's mark was written although nothing rotated: no replay either way.
    // Spent before (or by a concurrent request): a grace retry, or reuse.
    const again = await deps.store.sessions.findByRefreshToken(app.id, presented);
    const token = again?.token;
    const current = again?.session;
    const graceRetry =
      token?.spentAt != null &&
      current !== undefined &&
      isActive(current, now) &&
      token.generation === current.generation - 1 &&
      now - token.spentAt <= REFRESH_RETRY_GRACE_MS;
    if (!graceRetry) {
      await endSession(deps, app.id, session, "token_reused", now);
      return {
        ok: false,
        reason: "token_reused",
        message: "A spent refresh token was presented; the session is revoked.",
      };
    }
    // Only hand back the session's current token: one rotated before successors were derived
    // (migration 0007) has another successor, and its retry cannot be answered.
    const issued = await deps.store.sessions.findByRefreshToken(app.id, sha256(successor));
    if (issued?.session.id !== session.id || issued.token.generation !== current.generation) {
      return { ok: false, reason: "session_ended", message: "This refresh token was already rotated." };
    }
  }
  // Only a rotation of this request spent the grant; a concurrent one that won did not.
  const issued = await issueSessionTokens(
    deps,
    app,
    client,
    user,
    session,
    successor,
    now,
    stepUp && rotated === "rotated" ? [stepUp.grant] : [],
  );
  // `retried`: the answer of an earlier rotation, given again in the grace window.
  return { ...issued, retried: rotated !== "rotated" };
}

/**
 * The token that replaces `token` at rotation: 256 bits of HMAC-SHA256 under a key derived from the
 * master key. Deterministic, so a grace retry gets the same successor again with nothing about it
 * stored; unpredictable without the key, so it is as good as random to anyone else.
 */
function successorOf(key: Buffer, token: string): string {
  return `ovr_${createHmac("sha256", key).update(token, "utf8").digest("base64url")}`;
}
