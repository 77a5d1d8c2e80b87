import type { FastifyReply, FastifyRequest } from "fastify";
import type { AppRecord } from "../../domain/apps/app-repository.js";
import { checkDpop } from "../../domain/dpop/check-dpop.js";
import type { ClientContext } from "../../domain/sessions/sessions.js";
import { fail } from "../api-error.js";
import { hostCookie, readCookie } from "../cookies.js";
import type { HttpDeps } from "../route-spec.js";
import { acceptLanguages } from "./accept-language.js";

/** The `iss` of tokens for this request: an origin of the app's own, never the Host as sent. */
export function tokenIssuer(request: FastifyRequest): string {
  return request.overtureIssuer;
}

/**
 * The origin the client called (scheme and Host as seen through trusted proxies only): where a
 * provider must send the browser back, on the host whose cookies it holds.
 */
export function externalOrigin(request: FastifyRequest): string {
  return `${request.protocol}://${request.host.toLowerCase()}`;
}

/**
 * The URL a DPoP proof's `htu` must name: the URL the client called (scheme and Host as seen
 * through trusted proxies only) and path, without the query. It binds a proof to this request; the
 * nonce, which is per app, keeps a proof made for another server from passing here.
 */
export function externalUrl(request: FastifyRequest): string {
  return `${externalOrigin(request)}${request.url.split("?")[0] ?? ""}`;
}

export function clientContext(request: FastifyRequest): ClientContext {
  const agent = request.headers["user-agent"];
  return {
    issuer: tokenIssuer(request),
    userAgent: typeof agent === "string" ? agent.slice(0, 512) : null,
    ip: request.ip ?? null,
    locales: acceptLanguages(request.headers["accept-language"]),
  };
}

/**
 * Verifies the request's session DPoP proof or throws the matching frontend error. With
 * `deferReplayMark`, the caller writes `proof.replayMark` in its own transaction.
 */
export async function requireDpop(
  deps: HttpDeps,
  app: AppRecord,
  request: FastifyRequest,
  options: { deferReplayMark?: boolean } = {},
) {
  const header = request.headers.dpop;
  const proof = await checkDpop(
    deps.domain,
    app.id,
    {
      proof: typeof header === "string" ? header : undefined,
      method: request.method,
      url: externalUrl(request),
      now: deps.domain.clock.now(),
    },
    options,
  );
  if (!proof.ok) fail(proof);
  return proof;
}

export const refreshCookieName = (appId: string) => `__Host-refresh_${appId}`;

/** Native clients send `X-Refresh-Token`; browsers may rely on the cookie. The header wins. */
export function presentedRefreshToken(request: FastifyRequest, appId: string): string | undefined {
  const header = request.headers["x-refresh-token"];
  if (typeof header === "string" && header.length > 0) return header.slice(0, 512);
  return readCookie(request.headers.cookie, refreshCookieName(appId));
}

/** Hands the refresh token to both kinds of client: headers for native/SDK, a cookie for browsers. */
export function sendRefreshToken(
  reply: FastifyReply,
  appId: string,
  token: string,
  expiresAtMs: number,
  now: number,
) {
  reply.header("x-refresh-token", token);
  reply.header("x-refresh-token-expires-at", new Date(expiresAtMs).toISOString());
  const maxAge = Math.max(0, Math.ceil((expiresAtMs - now) / 1000));
  reply.header("set-cookie", hostCookie(refreshCookieName(appId), token, maxAge));
}

export function clearRefreshCookie(reply: FastifyReply, appId: string) {
  reply.header("set-cookie", hostCookie(refreshCookieName(appId), "", 0));
}
