import { base64UrlDecode } from "../base64url.js";
import type { AccessTokenClaims, AccessTokenVerifier } from "./verify-access-token.js";

export type AuthPath = "session" | "legacy";

export interface DualTokenVerifierOptions<Identity> {
  /** Overture's verifier, and the issuer its tokens carry. */
  overture: AccessTokenVerifier;
  overtureIssuer: string;
  /** The legacy provider's check, as before the migration; throws when the token is not valid. */
  verifyLegacy: (token: string) => Promise<Identity>;
  /** Maps verified Overture claims to the same identity the legacy branch yields (by external_id). */
  identify: (claims: AccessTokenClaims) => Promise<Identity>;
  /** Called once per verified request with its path: the `auth_path{type}` counter. */
  count?: (path: AuthPath) => void;
}

/**
 * The backend side of the migration window (seed 002 step 2): one detection strategy — a JWT whose
 * `iss` is Overture's goes to Overture's verifier, anything else to the legacy one; a token is never
 * tried against both. Both branches end in the same identity, so downstream code cannot tell them
 * apart, and `counts()` shows when legacy traffic has drained.
 */
export function createDualTokenVerifier<Identity>(options: DualTokenVerifierOptions<Identity>) {
  const issuer = options.overtureIssuer.replace(/\/+$/, "");
  const counts: Record<AuthPath, number> = { session: 0, legacy: 0 };
  const detect = (token: string): AuthPath => {
    const payload = token.split(".")[1];
    if (!payload || token.split(".").length !== 3) return "legacy";
    try {
      const claims = JSON.parse(new TextDecoder().decode(base64UrlDecode(payload))) as { iss?: unknown };
      return claims.iss === issuer ? "session" : "legacy";
    } catch {
      return "legacy";
    }
  };
  return {
    async verify(authorization: string | null | undefined): Promise<{ identity: Identity; path: AuthPath }> {
      const token = /^Bearer +(\S+)$/i.exec(authorization ?? "")?.[1];
      if (!token) throw new Error("no bearer token");
      const path = detect(token);
      const identity =
        path === "session"
          ? await options.identify(await options.overture(token))
          : await options.verifyLegacy(token);
      counts[path]++;
      options.count?.(path);
      return { identity, path };
    },
    /** Verified requests per path since start: `auth_path{type="session"|"legacy"}`. */
    counts: () => ({ ...counts }),
  };
}
