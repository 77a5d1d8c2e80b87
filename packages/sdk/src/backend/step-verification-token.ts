import type { webcrypto } from "node:crypto";
import { base64UrlEncode } from "../base64url.js";

type CryptoKey = webcrypto.CryptoKey;

export interface StepVerificationIssuerOptions {
  /**
   * Your RS256 signing key (RSASSA-PKCS1-v1_5 with SHA-256), whose public half your `jwks_url`
   * publishes under `kid`.
   */
  privateKey: CryptoKey;
  kid: string;
  /** Seconds the token is valid; default 300, at most 3600 (Overture refuses longer). */
  lifetimeSeconds?: number;
  now?: () => number;
}

const json = (value: unknown) => base64UrlEncode(new TextEncoder().encode(JSON.stringify(value)));

/**
 * For the customer's backend: once the user passed a custom step (KYC, a second factor of yours),
 * issue the verification token the client sends to `/stepup/continue` (prelude-api.md §7.3,
 * docs/step-up.md): RS256, `sub` the user, `challenge_id` and `key` from the challenge token's
 * `challenge_id` and `current_step`, `status: completed`, a fresh `jti`.
 */
export function createStepVerificationIssuer(options: StepVerificationIssuerOptions) {
  const now = options.now ?? Date.now;
  const lifetime = options.lifetimeSeconds ?? 300;
  return async function issueStepVerificationToken(step: {
    userId: string;
    challengeId: string;
    key: string;
  }): Promise<string> {
    const iat = Math.floor(now() / 1000);
    const input = `${json({ alg: "RS256", typ: "JWT", kid: options.kid })}.${json({
      sub: step.userId,
      challenge_id: step.challengeId,
      key: step.key,
      status: "completed",
      iat,
      nbf: iat,
      exp: iat + lifetime,
      jti: crypto.randomUUID(),
    })}`;
    const signature = await crypto.subtle.sign(
      "RSASSA-PKCS1-v1_5",
      options.privateKey,
      new TextEncoder().encode(input),
    );
    return `${input}.${base64UrlEncode(new Uint8Array(signature))}`;
  };
}
