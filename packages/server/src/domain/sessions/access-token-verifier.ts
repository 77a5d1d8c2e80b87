import type { KeyRing } from "../../keys/key-ring.js";
import type { AppRecord } from "../apps/app-repository.js";
import type { DomainDeps } from "../shared/domain-deps.js";
import { timeClaims, verifyJws } from "../shared/jws.js";
import type { Failure } from "../shared/outcome.js";
import { isActive } from "./sessions.js";

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

/**
 * The caller of a Bearer endpoint: an access token of this app whose session is still active, so a
 * revoked session's unexpired token stops working here at once. Any failure is `session_ended`,
 * which the Frontend answers with 401 — what makes the web SDK refresh and retry.
 */
export async function authenticateBearer(
  deps: Pick<DomainDeps, "keys" | "store" | "clock">,
  app: AppRecord,
  token: string | null,
): Promise<{ ok: true; claims: AccessClaims & { jkt: string } } | Failure<"session_ended">> {
  const now = deps.clock.now();
  const claims = token ? await verifyAccessToken(deps.keys, app, token, now) : null;
  if (!claims) return { ok: false, reason: "session_ended", message: "A valid access token is required." };
  const session = await deps.store.sessions.get(app.id, claims.sessionId);
  if (!session || session.userId !== claims.userId || !isActive(session, now))
    return { ok: false, reason: "session_ended", message: "The session has ended." };
  return { ok: true, claims: { ...claims, jkt: session.jkt } };
}
