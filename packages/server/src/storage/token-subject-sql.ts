import type { Identifier, UserStatus } from "@overture/protocol";
import { sql } from "kysely";
import type { StepUpGrant, TokenSubject } from "../domain/identity/user-repository.js";

// Subqueries on the `users` row of a query, so that a token mint reads what it needs of a user in
// the query it makes anyway (docs/benchmarks.md). string_agg is PostgreSQL's and SQLite's (3.44+).
// Scope names, group ids and normalised identifiers hold no spaces, so a space separates them.

/** The user's direct scopes. */
export const userScopesSql = sql<
  string | null
>`(select string_agg(us.scope, ' ') from user_scopes us where us.user_id = users.id)`;

/**
 * The step-up grants a mint reads (docs/step-up.md, "Grants") as `scope expires_at` pairs: the
 * user's profile-bound ones and, in a query on `sessions`, that session's session-bound ones.
 * Expired rows (until purged) are dropped by the mint, which knows the time.
 */
export const profileGrantsSql = sql<
  string | null
>`(select string_agg(g.scope || ' ' || g.expires_at, ' ') from step_up_grants g where g.user_id = users.id and g.session_id is null)`;

export const sessionGrantsSql = sql<
  string | null
>`(select string_agg(g.scope || ' ' || g.expires_at, ' ') from step_up_grants g where g.user_id = users.id and g.grant_mode <> 'single-use' and (g.session_id is null or g.session_id = sessions.id))`;

/** The ids of the user's groups. */
export const userGroupIdsSql = sql<
  string | null
>`(select string_agg(m.group_id, ' ') from user_group_members m where m.user_id = users.id)`;

/** The user's emails and phone numbers as `type value` pairs, oldest first. */
export const userIdentifiersSql = sql<
  string | null
>`(select string_agg(i.type || ' ' || i.value, ' ' order by i.created_at, i.id) from user_identifiers i where i.user_id = users.id and i.type in ('email_address', 'phone_number'))`;

export function spaced(text: string | null): string[] {
  return text ? text.split(" ") : [];
}

function identifiersOf(text: string | null): Identifier[] {
  const parts = spaced(text);
  const identifiers: Identifier[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2)
    identifiers.push({ type: parts[i] as Identifier["type"], value: parts[i + 1] as string });
  return identifiers;
}

function grantsOf(text: string | null): StepUpGrant[] {
  const parts = spaced(text);
  const grants: StepUpGrant[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2)
    grants.push({ scope: parts[i] as string, expiresAt: Number(parts[i + 1]) });
  return grants;
}

export interface TokenSubjectRow {
  user_id: string;
  u_external_id: string | null;
  u_status: UserStatus;
  u_profile: string;
  u_scopes: string | null;
  u_grants: string | null;
  u_identifiers?: string | null;
  token_config_version: number | string;
}

export function tokenSubjectOf(row: TokenSubjectRow): TokenSubject {
  let profile: Record<string, unknown> | undefined;
  return {
    id: row.user_id,
    externalId: row.u_external_id,
    status: row.u_status,
    scopes: spaced(row.u_scopes),
    grants: grantsOf(row.u_grants),
    readProfile: () => {
      profile ??= JSON.parse(row.u_profile) as Record<string, unknown>;
      return profile;
    },
    ...(row.u_identifiers !== undefined && { identifiers: identifiersOf(row.u_identifiers) }),
    tokenConfigVersion: Number(row.token_config_version),
  };
}
