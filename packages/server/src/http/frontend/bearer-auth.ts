import type { FastifyRequest } from "fastify";
import type { AppRecord } from "../../domain/apps/app-repository.js";
import { type AccessClaims, authenticateBearer } from "../../domain/sessions/access-token-verifier.js";
import { fail } from "../api-error.js";
import type { HttpDeps } from "../route-spec.js";
import { requireDpop } from "./client-request.js";

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

/**
 * The Bearer access token and a session DPoP proof by the key its session is bound to: what the
 * passkey self-service routes take (prelude-api.md §4.10, "Bearer + DPoP").
 */
export async function requireBearerAndDpop(
  deps: HttpDeps,
  app: AppRecord,
  request: FastifyRequest,
): Promise<AccessClaims & { jkt: string }> {
  const caller = await requireBearer(deps, app, request);
  const proof = await requireDpop(deps, app, request);
  if (proof.jkt !== caller.jkt) fail({ ok: false, reason: "dpop_key_mismatch" });
  return caller;
}
