import type { FastifyRequest } from "fastify";
import type { AppRecord } from "../../domain/apps/app-repository.js";
import { authenticateApiKey } from "../../domain/apps/apps.js";
import { ApiError } from "../api-error.js";
import type { HttpDeps } from "../route-spec.js";

declare module "fastify" {
  interface FastifyRequest {
    overtureApp: AppRecord | null;
  }
}

const BEARER = /^Bearer +([^\s]+) *$/i;

/**
 * Management authentication. The key alone decides who is calling; the app in the path is checked
 * against the key's app without looking it up first, so a valid key used on another app's path gets
 * the same `app_not_found` whether that app exists or not.
 */
export function apiKeyAuth(deps: HttpDeps) {
  return async (request: FastifyRequest): Promise<void> => {
    const match = BEARER.exec(request.headers.authorization ?? "");
    if (!match?.[1]) throw new ApiError("unauthorized", "Send the API key as `Authorization: Bearer <key>`.");
    const found = await authenticateApiKey(deps.domain, match[1]);
    if (!found) throw new ApiError("unauthorized", "The API key is unknown or revoked.");
    const { appID } = request.params as { appID: string };
    if (found.app.id !== appID) throw new ApiError("app_not_found");
    request.overtureApp = found.app;
  };
}
