import { USER_LIMITS } from "@overture/protocol";

type Json = Record<string, unknown>;

/**
 * RFC 7396 JSON merge patch: keys in `patch` replace those in `target`, nested objects merge,
 * and a `null` value removes the key. Arrays are replaced whole.
 */
export function mergeProfile(target: Json, patch: Json): Json {
  const result: Json = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else if (isObject(value) && isObject(result[key])) result[key] = mergeProfile(result[key] as Json, value);
    else if (isObject(value)) result[key] = mergeProfile({}, value);
    else result[key] = value;
  }
  return result;
}

/** Profiles are stored whole on every change and copied into tokens, so their size is bounded. */
export function checkProfile(
  profile: Json,
): { ok: true } | { ok: false; reason: "invalid_input"; message: string } {
  const keys = Object.keys(profile);
  if (keys.length > USER_LIMITS.profileKeysMax) {
    return {
      ok: false,
      reason: "invalid_input",
      message: `profile has more than ${USER_LIMITS.profileKeysMax} keys`,
    };
  }
  const longKey = keys.find((k) => k.length > USER_LIMITS.profileKeyLengthMax || k.length === 0);
  if (longKey !== undefined) {
    return {
      ok: false,
      reason: "invalid_input",
      message: `profile keys must be 1 to ${USER_LIMITS.profileKeyLengthMax} characters`,
    };
  }
  if (Buffer.byteLength(JSON.stringify(profile)) > USER_LIMITS.profileBytesMax) {
    return {
      ok: false,
      reason: "invalid_input",
      message: `profile is larger than ${USER_LIMITS.profileBytesMax} bytes as JSON`,
    };
  }
  return { ok: true };
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
