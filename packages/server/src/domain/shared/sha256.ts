import { createHash } from "node:crypto";

/**
 * Hex SHA-256 of a string: how high-entropy secrets (refresh, verification and API tokens) are
 * stored and looked up. Enough for values a guesser cannot enumerate; passwords use argon2id.
 */
export function sha256(value: string): string {
  return createHash("sha256").update(value, "utf8").digest("hex");
}
