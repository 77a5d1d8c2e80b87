import { CLAIMS_LIMITS, type ClaimInputName, type Identifier } from "@overture/protocol";
import { type CompiledClaims, type CompiledMapping, constantsOf } from "./claims-mapping.js";

/** What the built-in inputs are read from when a token is minted. */
export interface ClaimSources {
  userId: string;
  externalId: string | null;
  sessionId: string;
  /** Emails and phone numbers, oldest first; present when the mapping reads identifiers. */
  identifiers: Identifier[] | undefined;
  /** Names of the session's groups, sorted. */
  groups: string[];
  loginMethod: string;
  /** Epoch ms. */
  sessionCreatedAt: number;
  ip: string | null;
  locales: string[];
  profile: () => Record<string, unknown>;
}

const byType = (sources: ClaimSources, type: Identifier["type"]) =>
  (sources.identifiers ?? []).filter((i) => i.type === type).map((i) => i.value);

/** Each input's value; undefined leaves the claim out (a scalar with no value). Lists are always lists. */
const inputs: Record<ClaimInputName, (s: ClaimSources) => unknown> = {
  user_id: (s) => s.userId,
  external_id: (s) => s.externalId ?? undefined,
  session_id: (s) => s.sessionId,
  emails: (s) => byType(s, "email_address"),
  email: (s) => byType(s, "email_address")[0],
  phone_numbers: (s) => byType(s, "phone_number"),
  phone_number: (s) => byType(s, "phone_number")[0],
  groups: (s) => s.groups,
  login_method: (s) => s.loginMethod,
  auth_time: (s) => Math.floor(s.sessionCreatedAt / 1000),
  ip: (s) => s.ip ?? undefined,
  locales: (s) => s.locales,
  locale: (s) => s.locales[0],
};

/**
 * The claims a mapping adds to one token. A profile field that is missing leaves its claim out,
 * and a nested object left with no claims goes too. Past CLAIMS_LIMITS.resolvedBytesMax (values
 * read from a profile can be large), the token keeps the mapping's constants only and `overBudget`
 * says so: a token that grew past what proxies accept in a header would lock the user out.
 */
export function resolveClaims(
  mapping: CompiledMapping,
  sources: ClaimSources,
): { claims: Record<string, unknown>; overBudget: boolean } {
  const claims = resolve(mapping.claims, sources);
  if (Buffer.byteLength(JSON.stringify(claims)) <= CLAIMS_LIMITS.resolvedBytesMax)
    return { claims, overBudget: false };
  return { claims: constantsOf(mapping.claims), overBudget: true };
}

function resolve(claims: CompiledClaims, sources: ClaimSources): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, claim] of claims) {
    let value: unknown;
    if (claim.kind === "constant") value = claim.value;
    else if (claim.kind === "input") value = inputs[claim.input](sources);
    else if (claim.kind === "profile") value = profileValue(sources.profile(), claim.path);
    else {
      const nested = resolve(claim.claims, sources);
      value = Object.keys(nested).length > 0 ? nested : undefined;
    }
    if (value !== undefined) out[name] = value;
  }
  return out;
}

function profileValue(profile: Record<string, unknown>, path: string[]): unknown {
  let value: unknown = profile;
  for (const key of path) {
    if (typeof value !== "object" || value === null || Array.isArray(value) || !Object.hasOwn(value, key))
      return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value === null ? undefined : value;
}
