import { SessionConfig, SessionConfigResponse } from "@overture/protocol";
import type { AppRecord } from "../../domain/apps/app-repository.js";
import { setSessionLifetimes } from "../../domain/apps/session-lifetimes.js";
import { fail } from "../api-error.js";
import { defineRoute } from "../route-spec.js";

const tag = "Config - Sessions";

const present = (a: Pick<AppRecord, "accessTtlSeconds" | "sessionTtlSeconds" | "idleTtlSeconds">) => ({
  config: {
    access_token_ttl_seconds: a.accessTtlSeconds,
    session_ttl_seconds: a.sessionTtlSeconds,
    idle_ttl_seconds: a.idleTtlSeconds,
  },
});

export const getSessionConfig = defineRoute({
  operationId: "getSessionConfig",
  summary: "Token and session lifetimes",
  description: "Overture extension (docs/sessions.md).",
  tag,
  responses: { 200: SessionConfigResponse },
  errors: [],
  handler: async ({ app }) => ({ status: 200, body: present(app) }),
});

export const updateSessionConfig = defineRoute({
  operationId: "updateSessionConfig",
  summary: "Set token and session lifetimes",
  description:
    "Applies to tokens issued from now on; sessions keep the absolute end they started with. " +
    "`idle_ttl_seconds` may not exceed `session_ttl_seconds`.",
  tag,
  body: SessionConfig,
  responses: { 200: SessionConfigResponse },
  errors: [],
  handler: async ({ app, body, deps }) => {
    const set = await setSessionLifetimes(deps.domain, app, {
      accessTtlSeconds: body.access_token_ttl_seconds,
      sessionTtlSeconds: body.session_ttl_seconds,
      idleTtlSeconds: body.idle_ttl_seconds,
    });
    if (!set.ok) fail(set);
    return { status: 200, body: present(set.lifetimes) };
  },
});
