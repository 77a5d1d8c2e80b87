import { randomUUID } from "node:crypto";
import { MINT_TTL_MAX_SECONDS, SCOPE_PATTERN } from "@overture/protocol";
import type { AppRecord } from "../apps/app-repository.js";
import type { DomainDeps } from "../shared/domain-deps.js";
import { signJws } from "../shared/jws.js";
import type { Failure } from "../shared/outcome.js";

/** The claims of a minted token, as compact JSON: well within what a header line carries. */
const MINTED_CLAIMS_BYTES_MAX = 4096;
const scopePattern = new RegExp(SCOPE_PATTERN);

type Invalid = Failure<"invalid_input">;

/**
 * Mints a token from the given claims, signed with the app's access-token key (`typ: at+jwt`), so
 * that the app's backend verifier accepts it as it would a real one (prelude-api.md §3.2). A
 * testing aid, in `dev` mode only. `iat` and `jti` are filled in when absent, `exp` from
 * `expiresIn` (default 24 h, at most 24 h ahead); registered claims must have their registered
 * types, so a test token cannot be malformed in a way a real one never is.
 */
export async function mintDevToken(
  deps: DomainDeps,
  app: AppRecord,
  input: { claims: Record<string, unknown>; expiresIn?: number },
): Promise<{ ok: true; token: string; expiresAt: number } | Invalid | Failure<"dev_mode_required">> {
  if (app.mode !== "dev")
    return {
      ok: false,
      reason: "dev_mode_required",
      message: "Minting tokens is a testing aid of dev mode; this app is in prod mode.",
    };
  const now = Math.floor(deps.clock.now() / 1000);
  const claims = { ...input.claims };
  if (claims.exp !== undefined && input.expiresIn !== undefined)
    return invalid("give claims.exp or expires_in, not both.");
  // Only absent claims are filled in: an explicit null is a wrong type, refused below.
  if (claims.iat === undefined) claims.iat = now;
  if (claims.jti === undefined) claims.jti = randomUUID();
  if (claims.exp === undefined) claims.exp = now + (input.expiresIn ?? MINT_TTL_MAX_SECONDS);
  const wrong = registeredClaimError(claims, now);
  if (wrong) return invalid(wrong);
  const bytes = Buffer.byteLength(JSON.stringify(claims));
  if (bytes > MINTED_CLAIMS_BYTES_MAX)
    return invalid(`claims are ${bytes} bytes; at most ${MINTED_CLAIMS_BYTES_MAX}.`);
  const key = await deps.keys.signingKey(app);
  const token = await signJws({ alg: key.alg, kid: key.kid, typ: "at+jwt" }, claims, key.privateKey);
  return { ok: true, token, expiresAt: (claims.exp as number) * 1000 };
}

const isNumericDate = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isText = (max: number) => (v: unknown) => typeof v === "string" && v.length > 0 && v.length <= max;

/** RFC 7519 §4.1, RFC 9068 and RFC 7800 types, and the lifetime rule of §3.2; null when all hold. */
function registeredClaimError(c: Record<string, unknown>, now: number): string | null {
  const strings: [string, number][] = [
    ["iss", 2048],
    ["sub", 256],
    ["sid", 256],
    ["jti", 256],
    ["external_id", 128],
  ];
  for (const [name, max] of strings)
    if (c[name] !== undefined && !isText(max)(c[name]))
      return `claims.${name} must be a string of 1 to ${max} characters.`;
  if (c.aud !== undefined && !isText(2048)(c.aud) && !(Array.isArray(c.aud) && c.aud.every(isText(2048))))
    return "claims.aud must be a string or an array of strings.";
  if (c.scope !== undefined) {
    if (typeof c.scope !== "string") return "claims.scope must be a string of space-separated scopes.";
    const bad = c.scope.split(" ").find((s) => s !== "" && !scopePattern.test(s));
    if (bad !== undefined) return `claims.scope: "${bad}" does not match ${SCOPE_PATTERN}.`;
  }
  if (c.cnf !== undefined && (typeof c.cnf !== "object" || c.cnf === null || Array.isArray(c.cnf)))
    return "claims.cnf must be an object (RFC 7800).";
  for (const name of ["exp", "iat", "nbf"])
    if (c[name] !== undefined && !isNumericDate(c[name]))
      return `claims.${name} must be a NumericDate: whole seconds since the epoch.`;
  const exp = c.exp as number;
  if (exp <= now) return "claims.exp must be in the future.";
  if (exp > now + MINT_TTL_MAX_SECONDS) return "claims.exp must be at most 24 hours ahead.";
  if (typeof c.nbf === "number" && c.nbf >= exp) return "claims.nbf must be before claims.exp.";
  if ((c.iat as number) > exp) return "claims.iat must not be after claims.exp.";
  return null;
}

function invalid(message: string): Invalid {
  return { ok: false, reason: "invalid_input", message };
}
