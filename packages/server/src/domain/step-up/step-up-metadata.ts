import { STEP_UP_METADATA_LIMITS as LIMITS } from "@overture/protocol";
import type { Failure } from "../shared/outcome.js";

const IDENTIFIER_KEY = "identifier";

/**
 * The client's metadata as §4.11 bounds it: at most 5 keys of 1–12 characters, string values of at
 * most 32 — except the reserved `identifier` (≤ 320), which the register scopes require.
 */
export function checkMetadata(
  metadata: Record<string, unknown> | undefined,
  identifierRequired: boolean,
): { ok: true; metadata: Record<string, string> } | Failure<"invalid_metadata"> {
  const invalid = (message: string) => ({ ok: false, reason: "invalid_metadata", message }) as const;
  const entries = Object.entries(metadata ?? {});
  if (entries.length > LIMITS.keysMax) return invalid(`metadata has at most ${LIMITS.keysMax} keys.`);
  for (const [key, value] of entries) {
    if (key.length === 0 || [...key].length > LIMITS.keyLengthMax)
      return invalid(`metadata keys have 1 to ${LIMITS.keyLengthMax} characters.`);
    if (typeof value !== "string") return invalid(`metadata.${key} must be a string.`);
    const max = key === IDENTIFIER_KEY ? LIMITS.identifierLengthMax : LIMITS.valueLengthMax;
    if ([...value].length > max) return invalid(`metadata.${key} has at most ${max} characters.`);
  }
  if (identifierRequired && typeof metadata?.[IDENTIFIER_KEY] !== "string")
    return invalid("metadata.identifier is required: the email address or phone number to add.");
  return { ok: true, metadata: Object.fromEntries(entries) as Record<string, string> };
}
