import { ChallengeTokenResponse, MigrationRequest } from "@overture/protocol";
import { migrateSession } from "../../domain/login/migration/migrate-session.js";
import { fail } from "../api-error.js";
import { defineRoute } from "../route-spec.js";
import { tokenIssuer } from "./client-request.js";

export const migrate = defineRoute({
  operationId: "sessionMigration",
  summary: "Migrate a legacy session",
  description:
    "Validates a legacy session token through the app's migration hook (docs/migration.md), finds the user by " +
    "external_id or creates it, and returns a challenge token bound to `code_challenge`, to finalize with the " +
    "verifier and a DPoP proof. No DPoP or Bearer on this call.",
  tag: "Login Migration",
  body: MigrationRequest,
  responses: { 200: ChallengeTokenResponse },
  login: "migration",
  errors: [
    "bad_request",
    "unauthorized",
    "not_configured",
    "suspended_account",
    "rate_limited",
    "migration_hook_failed",
  ],
  handler: async ({ app, body, deps, log, request }) => {
    const result = await migrateSession({ ...deps.domain, log }, app, {
      token: body.token,
      codeChallenge: body.code_challenge,
      ...(body.dispatch_id !== undefined && { dispatchId: body.dispatch_id }),
      ip: request.ip,
      issuer: tokenIssuer(request),
    });
    if (!result.ok) fail(result);
    return { status: 200, body: { challenge_token: result.challengeToken } };
  },
});
