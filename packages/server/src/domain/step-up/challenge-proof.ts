import type { AppRecord } from "../apps/app-repository.js";
import { parseDpopProof } from "../dpop/dpop-proof.js";
import { isActive } from "../sessions/sessions.js";
import type { DomainDeps } from "../shared/domain-deps.js";
import type { Failure } from "../shared/outcome.js";
import type { StepUpChallengeRecord } from "./step-up-repository.js";

export interface ProofInput {
  proof: string | undefined;
  method: string;
  url: string;
}

/**
 * The challenge flavour of DPoP (client-protocol.md §2.3) on `/otp/check` and `/stepup/continue`:
 * a proof by the key of the challenge's session whose `jti` is the challenge token's. No nonce and
 * no replay mark — the web SDK sends the same jti again when it retries — since the challenge
 * token itself is single-use: each step done replaces it.
 */
export async function checkChallengeProof(
  deps: Pick<DomainDeps, "store" | "clock">,
  app: AppRecord,
  challenge: StepUpChallengeRecord,
  input: ProofInput,
): Promise<
  | { ok: true }
  | Failure<"dpop_missing" | "dpop_invalid" | "dpop_nonce_required" | "dpop_key_mismatch" | "session_ended">
> {
  const now = deps.clock.now();
  const proof = await parseDpopProof(input.proof, input.method, input.url, now);
  if (!proof.ok) return proof;
  if (proof.jti !== challenge.tokenJti)
    return {
      ok: false,
      reason: "dpop_invalid",
      message: "The DPoP proof's jti must be the challenge token's jti.",
    };
  const session = await deps.store.sessions.get(app.id, challenge.sessionId);
  if (!session || !isActive(session, now))
    return { ok: false, reason: "session_ended", message: "The session has ended." };
  if (session.jkt !== proof.jkt) return { ok: false, reason: "dpop_key_mismatch" };
  return { ok: true };
}
