import { randomUUID } from "node:crypto";
import type { KeyRing } from "../../keys/key-ring.js";
import type { AppRecord } from "../apps/app-repository.js";
import { signJws } from "../shared/jws.js";

/** What an access token says beyond its times and id. */
export interface AccessTokenClaims {
  userId: string;
  externalId: string | null;
  sessionId: string;
  /** Space-separated (docs/scopes-and-claims.md). */
  scope: string;
  /** From the claims mapping; never a registered claim, which the mapping is checked against. */
  claims: Record<string, unknown>;
  /**
   * Step-up scopes the token carries and until when each holds (Unix seconds): the
   * `step_up_grants` claim, and the token ends no later than the first of them (docs/step-up.md).
   */
  grantEnds?: Record<string, number>;
}

/**
 * The access token (prelude-api.md §6.1; JWT profile of RFC 9068, hence `typ: at+jwt`): `sub` is the
 * user, `sid` the session, `scope` a space-separated string, `external_id` when the user has one,
 * and the mapped claims at the top level, as Prelude's claims mapping puts them.
 */
export async function mintAccessToken(
  keys: KeyRing,
  app: AppRecord,
  issuer: string,
  c: AccessTokenClaims,
  now: number,
): Promise<{ token: string; expiresAt: number }> {
  const key = await keys.signingKey(app);
  const iat = Math.floor(now / 1000);
  const ends = Object.values(c.grantEnds ?? {});
  // A scope granted until T is not carried past T: the token ends first, and the next one, minted
  // at the refresh that follows, no longer has it.
  const expiresAt = Math.max(iat + 1, Math.min(iat + app.accessTtlSeconds, ...ends));
  const token = await signJws(
    { alg: key.alg, kid: key.kid, typ: "at+jwt" },
    {
      ...c.claims,
      iss: issuer,
      sub: c.userId,
      sid: c.sessionId,
      scope: c.scope,
      ...(c.externalId !== null && { external_id: c.externalId }),
      ...(ends.length > 0 && { step_up_grants: c.grantEnds }),
      iat,
      nbf: iat,
      exp: expiresAt,
      jti: randomUUID(),
    },
    key.privateKey,
  );
  return { token, expiresAt };
}
