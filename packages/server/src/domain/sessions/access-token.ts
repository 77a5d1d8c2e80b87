import { randomUUID } from "node:crypto";
import type { KeyRing } from "../../keys/key-ring.js";
import type { AppRecord } from "../apps/app-repository.js";
import type { UserRecord } from "../identity/user-repository.js";
import { signJws } from "../shared/jws.js";
import type { SessionRecord } from "./session-repository.js";

/**
 * The access token (prelude-api.md §6.1; JWT profile of RFC 9068, hence `typ: at+jwt`): `sub` is the
 * user, `sid` the session, `scope` a space-separated string, `external_id` when the user has one.
 */
export async function mintAccessToken(
  keys: KeyRing,
  app: AppRecord,
  issuer: string,
  user: Pick<UserRecord, "id" | "externalId">,
  session: Pick<SessionRecord, "id" | "scopes">,
  now: number,
): Promise<{ token: string; expiresAt: number }> {
  const key = await keys.signingKey(app);
  const iat = Math.floor(now / 1000);
  const expiresAt = iat + app.accessTtlSeconds;
  const token = await signJws(
    { alg: key.alg, kid: key.kid, typ: "at+jwt" },
    {
      iss: issuer,
      sub: user.id,
      sid: session.id,
      scope: session.scopes.join(" "),
      ...(user.externalId !== null && { external_id: user.externalId }),
      iat,
      nbf: iat,
      exp: expiresAt,
      jti: randomUUID(),
    },
    key.privateKey,
  );
  return { token, expiresAt };
}
