import type { Identifier } from "@overture/protocol";
import { type Kysely, type Selectable, sql } from "kysely";
import type {
  NewUserRow,
  UserListFilter,
  UserRecord,
  UserRepository,
} from "../domain/identity/user-repository.js";
import type { DatabaseSchema, UsersTable } from "./database-schema.js";
import type { DialectName } from "./open-database.js";
import { preparedQuery } from "./prepared-query.js";
import {
  profileGrantsSql,
  spaced,
  type TokenSubjectRow,
  tokenSubjectOf,
  userGroupIdsSql,
  userIdentifiersSql,
  userScopesSql,
} from "./token-subject-sql.js";
import { uniqueViolationIndex } from "./unique-violation.js";

// On every finalize: compiled once (prepared-query.ts).
const getSummary = preparedQuery(["appId", "userId"], (db, v) =>
  db
    .selectFrom("users")
    .select(["id", "external_id", "status"])
    .where("app_id", "=", v.appId)
    .where("id", "=", v.userId),
);

// On every finalize: the user, its scopes and group ids, the app's token config version.
const tokenSubjectQuery = (withIdentifiers: boolean) =>
  preparedQuery(["appId", "userId"], (db, v) =>
    db
      .selectFrom("users")
      .innerJoin("apps", "apps.id", "users.app_id")
      .select([
        "users.id as user_id",
        "users.external_id as u_external_id",
        "users.status as u_status",
        "users.profile as u_profile",
        "apps.token_config_version",
        userScopesSql.as("u_scopes"),
        profileGrantsSql.as("u_grants"),
        userGroupIdsSql.as("u_group_ids"),
        ...(withIdentifiers ? [userIdentifiersSql.as("u_identifiers")] : []),
      ])
      .where("users.app_id", "=", v.appId)
      .where("users.id", "=", v.userId),
  );
const tokenSubject = tokenSubjectQuery(false);
const tokenSubjectWithIdentifiers = tokenSubjectQuery(true);

/** Bound parameters per query stay far below SQLite's limit (32,766) however many ids are asked for. */
const IDS_PER_QUERY = 500;

export class KyselyUserRepository implements UserRepository {
  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    private readonly dialect: DialectName,
  ) {}

  // ON CONFLICT DO NOTHING: a taken external_id or identifier (the only unique keys besides the
  // random ids) is an answer, not an error that would abort a PostgreSQL transaction.
  async insert(user: NewUserRow): Promise<"inserted" | "external_id_taken"> {
    const row = await this.db
      .insertInto("users")
      .values({
        id: user.id,
        app_id: user.appId,
        external_id: user.externalId,
        status: user.status,
        profile: JSON.stringify(user.profile),
        password_hash: user.passwordHash,
        created_at: user.createdAt,
        updated_at: user.updatedAt,
      })
      .onConflict((oc) => oc.doNothing())
      .returning("id")
      .executeTakeFirst();
    return row ? "inserted" : "external_id_taken";
  }

  async insertIdentifier(
    appId: string,
    userId: string,
    identifier: Identifier,
    id: string,
    now: number,
  ): Promise<"inserted" | "identifier_taken"> {
    const row = await this.db
      .insertInto("user_identifiers")
      .values({
        id,
        app_id: appId,
        user_id: userId,
        type: identifier.type,
        value: identifier.value,
        created_at: now,
      })
      .onConflict((oc) => oc.doNothing())
      .returning("id")
      .executeTakeFirst();
    return row ? "inserted" : "identifier_taken";
  }

  async setExternalId(
    appId: string,
    userId: string,
    externalId: string,
    now: number,
  ): Promise<"updated" | "not_found" | "external_id_taken"> {
    try {
      const result = await this.db
        .updateTable("users")
        .set({ external_id: externalId, updated_at: now })
        .where("app_id", "=", appId)
        .where("id", "=", userId)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0 ? "updated" : "not_found";
    } catch (error) {
      if (uniqueViolationIndex(error) === "users_app_external_id") return "external_id_taken";
      throw error;
    }
  }

  async get(
    appId: string,
    userId: string,
    options: { forUpdate?: boolean } = {},
  ): Promise<UserRecord | null> {
    let query = this.db.selectFrom("users").selectAll().where("app_id", "=", appId).where("id", "=", userId);
    if (options.forUpdate && this.dialect === "postgres") query = query.forUpdate();
    const row = await query.executeTakeFirst();
    return row ? ((await this.withDetails([row]))[0] ?? null) : null;
  }

  async count(appId: string): Promise<number> {
    const row = await this.db
      .selectFrom("users")
      .select((eb) => eb.fn.countAll<number | string>().as("n"))
      .where("app_id", "=", appId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async getSummary(appId: string, userId: string) {
    const row = (await getSummary(this.db, { appId, userId })).rows[0];
    return row ? { id: row.id, externalId: row.external_id, status: row.status } : null;
  }

  async tokenSubject(appId: string, userId: string, options: { withIdentifiers: boolean }) {
    const query = options.withIdentifiers ? tokenSubjectWithIdentifiers : tokenSubject;
    const row = (await query(this.db, { appId, userId })).rows[0] as
      | (TokenSubjectRow & { u_group_ids: string | null })
      | undefined;
    return row ? { ...tokenSubjectOf(row), groupIds: spaced(row.u_group_ids) } : null;
  }

  async getMany(appId: string, userIds: string[]): Promise<UserRecord[]> {
    const users: UserRecord[] = [];
    const ids = [...new Set(userIds)];
    for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
      const rows = await this.db
        .selectFrom("users")
        .selectAll()
        .where("app_id", "=", appId)
        .where("id", "in", ids.slice(i, i + IDS_PER_QUERY))
        .execute();
      users.push(...(await this.withDetails(rows)));
    }
    return users.sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  async replacePasswordHash(appId: string, userId: string, expected: string, next: string): Promise<boolean> {
    const result = await this.db
      .updateTable("users")
      .set({ password_hash: next })
      .where("app_id", "=", appId)
      .where("id", "=", userId)
      .where("password_hash", "=", expected)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async list(appId: string, filter: UserListFilter): Promise<UserRecord[]> {
    let query = this.db.selectFrom("users").selectAll().where("app_id", "=", appId);
    if (filter.externalId !== undefined) query = query.where("external_id", "=", filter.externalId);
    if (filter.identifier) {
      const { type, value } = filter.identifier;
      query = query.where("id", "in", (eb) =>
        eb
          .selectFrom("user_identifiers")
          .select("user_id")
          .where("app_id", "=", appId)
          .where("type", "=", type)
          .where("value", "=", value),
      );
    }
    if (filter.afterId) query = query.where("id", ">", filter.afterId);
    const rows = await query.orderBy("id").limit(filter.limit).execute();
    return this.withDetails(rows);
  }

  async findByExternalIds(appId: string, externalIds: string[]): Promise<UserRecord[]> {
    if (externalIds.length === 0) return [];
    const rows = await this.db
      .selectFrom("users")
      .selectAll()
      .where("app_id", "=", appId)
      .where("external_id", "in", externalIds)
      .orderBy("id")
      .execute();
    return this.withDetails(rows);
  }

  async findByIdentifiers(appId: string, identifiers: Identifier[]): Promise<UserRecord[]> {
    if (identifiers.length === 0) return [];
    const rows = await this.db
      .selectFrom("users")
      .selectAll()
      .where("app_id", "=", appId)
      .where("id", "in", (eb) =>
        eb
          .selectFrom("user_identifiers")
          .select("user_id")
          .where("app_id", "=", appId)
          .where((w) =>
            w.or(identifiers.map((i) => w.and([w("type", "=", i.type), w("value", "=", i.value)]))),
          ),
      )
      .orderBy("id")
      .execute();
    return this.withDetails(rows);
  }

  async delete(appId: string, userId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom("users")
      .where("app_id", "=", appId)
      .where("id", "=", userId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async update(
    appId: string,
    userId: string,
    changes: Partial<Pick<UserRecord, "status" | "profile" | "passwordHash">>,
    now: number,
  ): Promise<boolean> {
    const result = await this.db
      .updateTable("users")
      .set({
        updated_at: now,
        ...(changes.status !== undefined && { status: changes.status }),
        ...(changes.profile !== undefined && { profile: JSON.stringify(changes.profile) }),
        ...(changes.passwordHash !== undefined && { password_hash: changes.passwordHash }),
      })
      .where("app_id", "=", appId)
      .where("id", "=", userId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async deleteIdentifier(appId: string, userId: string, identifier: Identifier): Promise<boolean> {
    const result = await this.db
      .deleteFrom("user_identifiers")
      .where("app_id", "=", appId)
      .where("user_id", "=", userId)
      .where("type", "=", identifier.type)
      .where("value", "=", identifier.value)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async identifiersWithIds(appId: string, userId: string): Promise<(Identifier & { id: string })[]> {
    return this.db
      .selectFrom("user_identifiers")
      .select(["id", "type", "value"])
      .where("app_id", "=", appId)
      .where("user_id", "=", userId)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
  }

  /**
   * Loads the identifiers, scopes and groups of all `rows` in one query, keeping each user's
   * identifiers in creation order.
   */
  private async withDetails(rows: Selectable<UsersTable>[]): Promise<UserRecord[]> {
    if (rows.length === 0) return [];
    const ids = sql.join(rows.map((r) => r.id));
    const details = await sql<{ user_id: string; kind: string; value: string }>`
      select user_id, type as kind, value, created_at, id as ord from user_identifiers where user_id in (${ids})
      union all
      select user_id, 'scope', scope, created_at, scope from user_scopes where user_id in (${ids})
      union all
      select m.user_id, 'group', g.name, m.created_at, g.name from user_group_members m
        inner join scope_groups g on g.id = m.group_id where m.user_id in (${ids})
      order by created_at, ord`.execute(this.db);
    const byUser = new Map<string, { identifiers: Identifier[]; scopes: string[]; groups: string[] }>();
    for (const d of details.rows) {
      let entry = byUser.get(d.user_id);
      if (!entry) {
        entry = { identifiers: [], scopes: [], groups: [] };
        byUser.set(d.user_id, entry);
      }
      if (d.kind === "scope") entry.scopes.push(d.value);
      else if (d.kind === "group") entry.groups.push(d.value);
      else entry.identifiers.push({ type: d.kind as Identifier["type"], value: d.value });
    }
    return rows.map((row) => {
      const entry = byUser.get(row.id);
      return {
        id: row.id,
        appId: row.app_id,
        externalId: row.external_id,
        status: row.status,
        profile: JSON.parse(row.profile) as Record<string, unknown>,
        passwordHash: row.password_hash,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
        identifiers: entry?.identifiers ?? [],
        scopes: (entry?.scopes ?? []).sort(),
        groups: (entry?.groups ?? []).sort(),
      };
    });
  }
}
