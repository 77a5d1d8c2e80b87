import { randomBytes } from "node:crypto";
import { sha256 } from "../shared/sha256.js";

const PREFIX = "ovk_";

export interface ApiKeySecret {
  /** Shown once to the operator; never stored. */
  secret: string;
  /** What is stored and looked up. */
  sha256: string;
  /** Enough of the key to recognise it in a list without making it guessable. */
  hint: string;
}

/**
 * 256 random bits, base64url. A fast hash (SHA-256) is the right storage form for a
 * high-entropy secret: nothing to brute-force, and the lookup by hash never compares secrets
 * byte by byte, so timing reveals nothing about a valid key.
 */
export function generateApiKeySecret(): ApiKeySecret {
  const secret = PREFIX + randomBytes(32).toString("base64url");
  return { secret, sha256: hashApiKeySecret(secret), hint: `${secret.slice(0, PREFIX.length + 4)}…` };
}

export function hashApiKeySecret(secret: string): string {
  return sha256(secret);
}

/** Cheap shape check so garbage never reaches the database. */
export function looksLikeApiKey(value: string): boolean {
  return (
    value.length === PREFIX.length + 43 && value.startsWith(PREFIX) && /^[A-Za-z0-9_-]+$/.test(value.slice(4))
  );
}
