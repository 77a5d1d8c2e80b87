import type { Store } from "../storage/repositories.js";
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
  deps: { store: Store; nonceKey: Buffer },
  appId: string,
  input: DpopCheckInput,
): Promise<DpopProof | DpopFailure> {
  const proof = parseDpopProof(input.proof, input.method, input.url, input.now);
  if (!proof.ok) return proof;
  if (!isValidNonce(deps.nonceKey, appId, proof.nonce, input.now)) {
    return { ok: false, reason: "use_dpop_nonce", message: "Retry with the nonce in the DPoP-Nonce header." };
  }
  const fresh = await deps.store.spentTokens.markSpent(
    appId,
    "dpop",
    proof.jti,
    proof.iat * 1000 + IAT_WINDOW_MS,
  );
  if (!fresh)
    return { ok: false, reason: "invalid_dpop_proof", message: "This DPoP proof was already used." };
  return proof;
}
