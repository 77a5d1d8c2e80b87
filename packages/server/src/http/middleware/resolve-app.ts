import type { FastifyRequest } from "fastify";
import type { AppDirectory } from "../../domain/apps/app-directory.js";
import { ApiError } from "../api-error.js";

/**
 * Names the request's app and the issuer of the tokens it may get. The issuer's host is one the
 * app owns — its `{appId}.<base domain>` name or a registered domain — with the scheme and port the
 * client used (through trusted proxies only); on any other Host the default app is served under
 * `OVERTURE_PUBLIC_URL`. So a request with a foreign Host or X-Forwarded-Host cannot choose the `iss`
 * of the tokens it is given (docs/frontend-api.md).
 */
export function resolveApp(directory: AppDirectory, publicUrl: string) {
  return async (request: FastifyRequest): Promise<void> => {
    const resolved = await directory.resolve(request.hostname);
    if (!resolved) throw new ApiError("not_found", "No application is served at this host.");
    request.overtureApp = resolved.app;
    request.overtureIssuer = resolved.host
      ? originOf(request.protocol, resolved.host, request.port)
      : publicUrl;
    if (request.headers.origin) request.overtureSites = await directory.sitesOf(resolved.app);
  };
}

/** An origin as URL serialises it (the scheme's default port left out), without parsing one. */
function originOf(protocol: "http" | "https", host: string, port: number | null): string {
  const defaultPort = protocol === "https" ? 443 : 80;
  return `${protocol}://${host}${port && port !== defaultPort ? `:${port}` : ""}`;
}

declare module "fastify" {
  interface FastifyRequest {
    /** The `iss` of tokens minted for this request (resolveApp). */
    overtureIssuer: string;
  }
}
