import {
  InvalidateSessionsResponse,
  ListSessionsResponse,
  MessageResponse,
  SessionParams,
  UserIdParams,
} from "@overture/protocol";
import {
  listSessions as list,
  revokeSession,
  revokeSessions,
} from "../../domain/sessions/session-management.js";
import { isoTime } from "../../domain/shared/clock.js";
import { ApiError, fail } from "../api-error.js";
import { defineRoute } from "../route-spec.js";

const tag = "Users";

async function requireUser(deps: Parameters<typeof list>[0], appId: string, userId: string) {
  if (!(await deps.store.users.get(appId, userId))) throw new ApiError("user_not_found");
}

export const listSessions = defineRoute({
  operationId: "listUserSessions",
  summary: "List a user's active sessions",
  tag,
  params: UserIdParams,
  responses: { 200: ListSessionsResponse },
  errors: ["user_not_found"],
  handler: async ({ app, params, deps }) => {
    await requireUser(deps.domain, app.id, params.userID);
    const sessions = await list(deps.domain, app.id, params.userID);
    return {
      status: 200,
      body: {
        sessions: sessions.map((s) => ({
          id: s.id,
          created_at: isoTime(s.createdAt),
          last_seen_at: isoTime(s.lastSeenAt),
          expires_at: isoTime(s.expiresAt),
          method: s.method,
          user_agent: s.userAgent,
          ip: s.ip,
        })),
      },
    };
  },
});

export const deleteSession = defineRoute({
  operationId: "invalidateUserSession",
  summary: "Revoke one of a user's sessions",
  description: "Its refresh token stops working at once; access tokens already issued expire on their own.",
  tag,
  params: SessionParams,
  responses: { 200: MessageResponse },
  errors: ["user_not_found", "session_not_found"],
  handler: async ({ app, params, deps }) => {
    await requireUser(deps.domain, app.id, params.userID);
    const result = await revokeSession(deps.domain, app.id, params.userID, params.sessionID, "admin_revoked");
    if (!result.ok) fail(result);
    return { status: 200, body: { message: "The session was revoked." } };
  },
});

export const invalidateSessions = defineRoute({
  operationId: "invalidateUserSessions",
  summary: "Revoke all of a user's sessions",
  tag,
  params: UserIdParams,
  bodyOptional: true,
  responses: { 200: InvalidateSessionsResponse },
  errors: ["user_not_found"],
  handler: async ({ app, params, deps }) => {
    await requireUser(deps.domain, app.id, params.userID);
    const revoked = await revokeSessions(deps.domain, app.id, params.userID, "admin_revoked");
    return { status: 200, body: { message: "The user's sessions were revoked.", revoked } };
  },
});
