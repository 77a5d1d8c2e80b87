import type { FastifyReply, FastifyRequest } from "fastify";
import type { AppRecord } from "../../domain/apps/app-repository.js";
import { isLoopbackHost } from "../../outbound/outbound-url.js";

/** Exactly what the web SDK needs (client-protocol.md §12). */
export const CORS_ALLOW_HEADERS =
  "Content-Type, Accept, Authorization, DPoP, X-Refresh-Token, X-SDK-User-Agent";
export const CORS_EXPOSE_HEADERS = "DPoP-Nonce, X-Refresh-Token, X-Refresh-Token-Expires-At, Date";
export const CORS_ALLOW_METHODS = "GET, POST";

declare module "fastify" {
  interface FastifyRequest {
    /** Sites of the app's usable custom domains, for CORS; set when the request has an Origin. */
    overtureSites: string[];
  }
}

/**
 * Which browser origins may call an app's Frontend API with credentials (docs/frontend-api.md):
 * `https` origins on the site of one of the app's usable custom domains (the site and its
 * subdomains); in `dev` mode also any http(s) origin on a loopback host (localhost, *.localhost, 127.0.0.0/8, [::1]).
 */
export function isAllowedOrigin(app: AppRecord, origin: string, sites: string[] = []): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.origin !== origin || (url.protocol !== "https:" && url.protocol !== "http:")) return false;
  const host = url.hostname;
  if (app.mode === "dev" && isLoopbackHost(host)) return true;
  if (url.protocol !== "https:" && app.mode !== "dev") return false;
  return sites.some((site) => host === site || host.endsWith(`.${site}`));
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
