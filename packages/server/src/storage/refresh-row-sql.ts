import type { Kysely, Selectable } from "kysely";
import type { SessionRecord } from "../domain/sessions/session-repository.js";
import type { DatabaseSchema, SessionsTable } from "./database-schema.js";
import {
  sessionGrantsSql,
  type TokenSubjectRow,
  tokenSubjectOf,
  userIdentifiersSql,
  userScopesSql,
} from "./token-subject-sql.js";

/**
 * What a refresh reads, in one query: the token, its session, what it mints from of the user, and
 * the app's token config version. The caller adds which tokens (one, or a batch's).
 */
export const selectRefreshRows = (db: Kysely<DatabaseSchema>, withIdentifiers: boolean) =>
  db
    .selectFrom("refresh_tokens")
    .innerJoin("sessions", "sessions.id", "refresh_tokens.session_id")
    .innerJoin("users", "users.id", "sessions.user_id")
    .innerJoin("apps", "apps.id", "sessions.app_id")
    .selectAll("sessions")
    .select([
      "refresh_tokens.token_sha256 as t_token_sha256",
      "refresh_tokens.generation as t_generation",
      "refresh_tokens.created_at as t_created_at",
      "refresh_tokens.spent_at as t_spent_at",
      "users.external_id as u_external_id",
      "users.status as u_status",
      "users.profile as u_profile",
      "apps.token_config_version",
      userScopesSql.as("u_scopes"),
      sessionGrantsSql.as("u_grants"),
      ...(withIdentifiers ? [userIdentifiersSql.as("u_identifiers")] : []),
    ]);

export type RefreshRow = Selectable<SessionsTable> &
  Omit<TokenSubjectRow, "user_id"> & {
    t_token_sha256: string;
    t_generation: number;
    t_created_at: number;
    t_spent_at: number | null;
  };

export function foundOf(row: RefreshRow) {
  return {
    session: toSession(row),
    token: {
      tokenSha256: row.t_token_sha256,
      sessionId: row.id,
      generation: row.t_generation,
      createdAt: row.t_created_at,
      spentAt: row.t_spent_at,
    },
    user: tokenSubjectOf(row),
  };
}

export function toSession(row: Selectable<SessionsTable>): SessionRecord {
  return {
    id: row.id,
    appId: row.app_id,
    userId: row.user_id,
    jkt: row.jkt,
    method: row.method,
    scopes: JSON.parse(row.scopes) as string[],
    userAgent: row.user_agent,
    ip: row.ip,
    generation: row.generation,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    expiresAt: row.expires_at,
    idleExpiresAt: row.idle_expires_at,
    revokedAt: row.revoked_at,
    revokedReason: row.revoked_reason,
    groupIds: row.group_ids ? row.group_ids.split(" ") : [],
  };
}
