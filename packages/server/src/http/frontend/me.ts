import {
  MeIdentifiersResponse,
  MeListQuery,
  MeListResponse,
  MeRevokeQuery,
  type SessionView,
} from "@overture/protocol";
import { listIdentifiers } from "../../domain/identity/user-identifiers.js";
import { listSessions, revokeSession, revokeSessions } from "../../domain/sessions/session-management.js";
import type { SessionRecord } from "../../domain/sessions/session-repository.js";
import { isoTime } from "../../domain/shared/clock.js";
import { ApiError, fail } from "../api-error.js";
import { defineRoute } from "../route-spec.js";
import { requireBearer } from "./bearer-auth.js";

const tag = "Self-service sessions";

export const listMySessions = defineRoute({
  operationId: "listSessions",
  summary: "The caller's active sessions",
  tag,
  query: MeListQuery,
  responses: { 200: MeListResponse },
  errors: ["unauthorized", "invalid_pagination_limit", "invalid_pagination_offset"],
  handler: async ({ app, query, deps, request }) => {
    const claims = await requireBearer(deps, app, request);
    const limit = query.limit === undefined ? 10 : Number(query.limit);
    const offset = query.offset === undefined ? 0 : Number(query.offset);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new ApiError("invalid_pagination_limit");
    if (!Number.isInteger(offset) || offset < 0) throw new ApiError("invalid_pagination_offset");
    const sessions = await listSessions(deps.domain, app.id, claims.userId);
    return {
      status: 200,
      body: {
        sessions: sessions.slice(offset, offset + limit).map(sessionView),
        total: sessions.length,
        limit,
        offset,
      },
    };
  },
});

export const revokeMySessions = defineRoute({
  operationId: "revokeSessions",
  summary: "Revoke the caller's sessions",
  description:
    "`target`: `all` (every session, this one included), `others` (all but this one), `mine` (this one), " +
    "or `session` with `session_id`.",
  tag,
  query: MeRevokeQuery,
  bodyOptional: true,
  responses: { 204: null },
  errors: ["unauthorized", "bad_request", "not_found"],
  handler: async ({ app, query, deps, request }) => {
    const claims = await requireBearer(deps, app, request);
    const { userId, sessionId } = claims;
    switch (query.target) {
      case "all":
        await revokeSessions(deps.domain, app.id, userId, "user_revoked_all");
        break;
      case "others":
        await revokeSessions(deps.domain, app.id, userId, "user_revoked_others", sessionId);
        break;
      case "mine":
        await revokeSession(deps.domain, app.id, userId, sessionId, "logout");
        break;
      case "session": {
        if (!query.session_id) throw new ApiError("bad_request", "target=session needs session_id.");
        const result = await revokeSession(deps.domain, app.id, userId, query.session_id, "user_revoked");
        if (!result.ok) fail(result);
        break;
      }
    }
    return { status: 204 };
  },
});

export const listMyIdentifiers = defineRoute({
  operationId: "listIdentifiers",
  summary: "The caller's identifiers",
  tag,
  responses: { 200: MeIdentifiersResponse },
  errors: ["unauthorized"],
  handler: async ({ app, deps, request }) => {
    const claims = await requireBearer(deps, app, request);
    const identifiers = await listIdentifiers(deps.domain, app.id, claims.userId);
    return { status: 200, body: { identifiers } };
  },
});

function sessionView(session: SessionRecord): SessionView {
  return {
    id: session.id,
    ...describeDevice(session.userAgent),
    country_code: "",
    created_at: isoTime(session.createdAt),
    last_seen_at: isoTime(session.lastSeenAt),
    expires_at: isoTime(session.expiresAt),
  };
}

/** A coarse reading of the User-Agent; enough to tell a user which session is which. */
function describeDevice(ua: string | null): Pick<SessionView, "device_model" | "device_type" | "os_version"> {
  if (!ua) return { device_model: "", device_type: "unknown", os_version: "" };
  const device_type = /iPad|Tablet/i.test(ua)
    ? "tablet"
    : /Mobi|iPhone|Android/i.test(ua)
      ? "mobile"
      : "desktop";
  const os =
    /Windows NT [\d.]+|Mac OS X [\d_]+|Android [\d.]+|iPhone OS [\d_]+|CPU OS [\d_]+|Linux|CrOS/.exec(
      ua,
    )?.[0] ?? "";
  const model = /iPhone|iPad|Macintosh|Windows|Android|Linux|CrOS/.exec(ua)?.[0] ?? "";
  return { device_model: model, device_type, os_version: os.replace(/_/g, ".") };
}
