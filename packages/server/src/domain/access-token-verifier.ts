import { decodeProtectedHeader, jwtVerify } from "jose";
import type { KeyRing } from "../keys/key-ring.js";
import type { AppRecord } from "../storage/repositories.js";

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
  try {
    const { kid } = decodeProtectedHeader(token);
    const key = kid ? await keys.verificationKey(app.id, kid) : null;
    if (!key) return null;
    const { payload } = await jwtVerify(token, key, {
      algorithms: ["ES256", "RS256"],
      typ: "at+jwt",
      currentDate: new Date(now),
    });
    if (typeof payload.sub !== "string" || typeof payload.sid !== "string") return null;
    const scope = typeof payload.scope === "string" ? payload.scope : "";
    return { userId: payload.sub, sessionId: payload.sid, scopes: scope ? scope.split(" ") : [] };
  } catch {
    return null;
  }
}
