import type { FastifyRequest } from "fastify";
import type { AppRecord } from "../../domain/apps/app-repository.js";
import { type AccessClaims, verifyAccessToken } from "../../domain/sessions/access-token-verifier.js";
import { isActive } from "../../domain/sessions/sessions.js";
import { ApiError } from "../api-error.js";
import type { HttpDeps } from "../route-spec.js";

/**
 * Bearer access token of this app, whose session is still active. Every failure is HTTP 401: that
 * is what makes the web SDK refresh and retry (client-protocol.md §5.8).
 */
export async function requireBearer(
  deps: HttpDeps,
  app: AppRecord,
  request: FastifyRequest,
): Promise<AccessClaims> {
  const match = /^Bearer +(\S+) *$/i.exec(request.headers.authorization ?? "");
  const now = deps.domain.clock.now();
  const claims = match?.[1] ? await verifyAccessToken(deps.domain.keys, app, match[1], now) : null;
  if (!claims) throw new ApiError("unauthorized", "A valid access token is required.");
  const session = await deps.domain.store.sessions.get(app.id, claims.sessionId);
  if (!session || session.userId !== claims.userId || !isActive(session, now)) {
    throw new ApiError("unauthorized", "The session has ended.");
  }
  return claims;
}
