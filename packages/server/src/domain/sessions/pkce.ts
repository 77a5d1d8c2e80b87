import { createHash, timingSafeEqual } from "node:crypto";

/** RFC 7636 §4.1: 43–128 characters of the unreserved set. */
export const CODE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

/** S256 only: `plain` would let a stolen challenge token be finalized by whoever saw the challenge. */
export function verifyPkce(codeChallenge: string, codeVerifier: string): boolean {
  if (!CODE_VERIFIER.test(codeVerifier)) return false;
  const computed = createHash("sha256").update(codeVerifier, "ascii").digest();
  const expected = Buffer.from(codeChallenge, "base64url");
  return expected.length === computed.length && timingSafeEqual(expected, computed);
}
