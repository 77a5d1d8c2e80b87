import type { FastifyRequest } from "fastify";
import type { AppRecord } from "../../domain/apps/app-repository.js";
import { type AccessClaims, authenticateBearer } from "../../domain/sessions/access-token-verifier.js";
import { fail } from "../api-error.js";
import type { HttpDeps } from "../route-spec.js";

/**
 * The Bearer access token of this app, whose session is still active. Every failure is HTTP 401:
 * that is what makes the web SDK refresh and retry (client-protocol.md §5.8).
 */
export async function requireBearer(
  deps: HttpDeps,
  app: AppRecord,
  request: FastifyRequest,
): Promise<AccessClaims & { jkt: string }> {
  const match = /^Bearer +(\S+) *$/i.exec(request.headers.authorization ?? "");
  const caller = await authenticateBearer(deps.domain, app, match?.[1] ?? null);
  if (!caller.ok) fail(caller);
  return caller.claims;
}
