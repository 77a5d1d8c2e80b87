import type { KeyRing } from "../../keys/key-ring.js";
import type { AppRecord } from "../apps/app-repository.js";
import { timeClaims, verifyJws } from "../shared/jws.js";

export interface AccessClaims {
  userId: string;
  sessionId: string;
  scopes: string[];
}

/**
 * Verifies one of our access tokens for `app`: `typ: at+jwt` (never a challenge token), a key the
 * app publishes, not expired. Null for anything else; callers answer 401 so the SDK refreshes.
 */
export async function verifyAccessToken(
  keys: KeyRing,
  app: AppRecord,
  token: string,
  now: number,
): Promise<AccessClaims | null> {
  const verified = await verifyJws(token, (kid) => keys.verificationKey(app.id, kid));
  if (verified?.header.typ !== "at+jwt") return null;
  const { payload } = verified;
  if (timeClaims(payload, now) !== "valid") return null;
  if (typeof payload.sub !== "string" || typeof payload.sid !== "string") return null;
  const scope = typeof payload.scope === "string" ? payload.scope : "";
  return { userId: payload.sub, sessionId: payload.sid, scopes: scope ? scope.split(" ") : [] };
}
