import type { DomainDeps } from "../shared/domain-deps.js";
import type { Store } from "../shared/store.js";
import { isValidNonce } from "./dpop-nonce.js";
import { type DpopFailure, type DpopProof, IAT_WINDOW_MS, parseDpopProof } from "./dpop-proof.js";

export interface DpopCheckInput {
  proof: string | undefined;
  method: string;
  /** The externally visible URL of this request. */
  url: string;
  now: number;
}

/**
 * The full RFC 9449 check for session endpoints: the stateless checks, then a server nonce (a
 * missing or stale one answers `use_dpop_nonce`, and the client retries with the one we send), then
 * the jti replay mark, kept as long as the proof's iat could still pass.
 */
export async function checkDpop(
  deps: Pick<DomainDeps, "store" | "secrets">,
  appId: string,
  input: DpopCheckInput,
  options: { deferReplayMark?: boolean } = {},
): Promise<(DpopProof & { replayMark: ReplayMark }) | DpopFailure> {
  const proof = await parseDpopProof(input.proof, input.method, input.url, input.now);
  if (!proof.ok) return proof;
  if (!isValidNonce(deps.secrets.dpopNonce, appId, proof.nonce, input.now)) {
    return {
      ok: false,
      reason: "dpop_nonce_required",
      message: "Retry with the nonce in the DPoP-Nonce header.",
    };
  }
  const replayMark: ReplayMark = { jti: proof.jti, expiresAt: proof.iat * 1000 + IAT_WINDOW_MS };
  // Finalize and refresh write the mark inside their own transaction instead (one commit, not two).
  if (!options.deferReplayMark && !(await markProof(deps.store, appId, replayMark))) return REPLAYED;
  return { ...proof, replayMark };
}

/** A proof's jti, to be marked used until its iat could no longer pass. */
export interface ReplayMark {
  jti: string;
  expiresAt: number;
}

export const REPLAYED = {
  ok: false,
  reason: "dpop_invalid",
  message: "This DPoP proof was already used.",
} as const satisfies DpopFailure;

/** Marks the proof used, through `repos` (a transaction's, when deferred); false on a replay. */
export function markProof(
  repos: Pick<Store, "spentTokens">,
  appId: string,
  mark: ReplayMark,
): Promise<boolean> {
  return repos.spentTokens.markSpent(appId, "dpop", mark.jti, mark.expiresAt);
}
