import { createHash, createHmac } from "node:crypto";
import type { DomainDeps } from "../shared/domain-deps.js";

/**
 * What Overture sends the provider besides the state: the PKCE pair and the nonce, derived from
 * the state with a server key (HMAC), so the state row holds neither and neither can be guessed
 * from the state. Any node with the same master key derives the same.
 */
export function attemptSecrets(deps: Pick<DomainDeps, "secrets">, state: string) {
  const derive = (purpose: string) =>
    createHmac("sha256", deps.secrets.oauthState).update(`${purpose}\0${state}`).digest("base64url");
  const codeVerifier = derive("pkce");
  return {
    codeVerifier,
    codeChallenge: createHash("sha256").update(codeVerifier).digest("base64url"),
    nonce: derive("nonce"),
  };
}
