import type { FastifyReply, FastifyRequest } from "fastify";
import { isAllowedOrigin } from "../../domain/apps/allowed-origin.js";

/** Exactly what the web SDK needs (client-protocol.md §12). */
export const CORS_ALLOW_HEADERS =
  "Content-Type, Accept, Authorization, DPoP, X-Refresh-Token, X-SDK-User-Agent";
export const CORS_EXPOSE_HEADERS = "DPoP-Nonce, X-Refresh-Token, X-Refresh-Token-Expires-At, Date";
export const CORS_ALLOW_METHODS = "GET, POST, PATCH, DELETE";

declare module "fastify" {
  interface FastifyRequest {
    /** Sites of the app's usable custom domains, for CORS; set when the request has an Origin. */
    overtureSites: string[];
  }
}

/** Adds the CORS headers of an actual (non-preflight) response when the origin is allowed. */
export function applyCors(request: FastifyRequest, reply: FastifyReply): void {
  const origin = request.headers.origin;
  reply.header("vary", "Origin");
  if (!origin || !request.overtureApp || !isAllowedOrigin(request.overtureApp, origin, request.overtureSites))
    return;
  reply.header("access-control-allow-origin", origin);
  reply.header("access-control-allow-credentials", "true");
  reply.header("access-control-expose-headers", CORS_EXPOSE_HEADERS);
}

/**
 * Answers a preflight. An allowed origin gets the allow headers; any other gets a bare 204, which
 * the browser treats as a refusal, so nothing about the app is revealed to it.
 */
export function answerPreflight(request: FastifyRequest, reply: FastifyReply) {
  const origin = request.headers.origin;
  reply.header("vary", "Origin");
  if (origin && request.overtureApp && isAllowedOrigin(request.overtureApp, origin, request.overtureSites)) {
    reply.header("access-control-allow-origin", origin);
    reply.header("access-control-allow-credentials", "true");
    reply.header("access-control-allow-methods", CORS_ALLOW_METHODS);
    reply.header("access-control-allow-headers", CORS_ALLOW_HEADERS);
    reply.header("access-control-max-age", "600");
  }
  return reply.code(204).send();
}
