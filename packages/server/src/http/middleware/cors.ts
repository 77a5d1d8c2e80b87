import type { FastifyReply, FastifyRequest } from "fastify";
import type { AppRecord } from "../../storage/repositories.js";

/** Exactly what the web SDK needs (client-protocol.md §12). */
export const CORS_ALLOW_HEADERS =
  "Content-Type, Accept, Authorization, DPoP, X-Refresh-Token, X-SDK-User-Agent";
export const CORS_EXPOSE_HEADERS = "DPoP-Nonce, X-Refresh-Token, X-Refresh-Token-Expires-At, Date";
export const CORS_ALLOW_METHODS = "GET, POST";

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Which browser origins may call an app's Frontend API with credentials (docs/frontend-api.md):
 * in `dev` mode, any http(s) origin on localhost, 127.0.0.1 or [::1], at any port. Nothing else yet;
 * origins on the sites of an app's registered domains are allowed once domains exist.
 */
export function isAllowedOrigin(app: AppRecord, origin: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.origin !== origin || (url.protocol !== "https:" && url.protocol !== "http:")) return false;
  return app.mode === "dev" && (LOCAL_HOSTS.has(url.hostname) || url.hostname.endsWith(".localhost"));
}

/** Adds the CORS headers of an actual (non-preflight) response when the origin is allowed. */
export function applyCors(request: FastifyRequest, reply: FastifyReply): void {
  const origin = request.headers.origin;
  reply.header("vary", "Origin");
  if (!origin || !request.overtureApp || !isAllowedOrigin(request.overtureApp, origin)) return;
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
  if (origin && request.overtureApp && isAllowedOrigin(request.overtureApp, origin)) {
    reply.header("access-control-allow-origin", origin);
    reply.header("access-control-allow-credentials", "true");
    reply.header("access-control-allow-methods", CORS_ALLOW_METHODS);
    reply.header("access-control-allow-headers", CORS_ALLOW_HEADERS);
    reply.header("access-control-max-age", "600");
  }
  return reply.code(204).send();
}
