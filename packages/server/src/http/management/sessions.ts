import {
  InvalidateSessionsResponse,
  ListSessionsResponse,
  MessageResponse,
  SessionParams,
  UserIdParams,
} from "@overture/protocol";
import {
  listUserSessions,
  revokeUserSession,
  revokeUserSessions,
} from "../../domain/sessions/session-management.js";
import { isoTime } from "../../domain/shared/clock.js";
import { fail } from "../api-error.js";
import { defineRoute } from "../route-spec.js";

const tag = "Users";

export const listSessions = defineRoute({
  operationId: "listUserSessions",
  summary: "List a user's active sessions",
  tag,
  params: UserIdParams,
  responses: { 200: ListSessionsResponse },
  errors: ["user_not_found"],
  handler: async ({ app, params, deps }) => {
    const listed = await listUserSessions(deps.domain, app.id, params.userID);
    if (!listed.ok) fail(listed);
    return {
      status: 200,
      body: {
        sessions: listed.sessions.map((s) => ({
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
    const result = await revokeUserSession(
      deps.domain,
      app.id,
      params.userID,
      params.sessionID,
      "admin_revoked",
    );
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
    const result = await revokeUserSessions(deps.domain, app.id, params.userID, "admin_revoked");
    if (!result.ok) fail(result);
    return { status: 200, body: { message: "The user's sessions were revoked.", revoked: result.revoked } };
  },
});
