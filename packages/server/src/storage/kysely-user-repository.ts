import type { Identifier } from "@overture/protocol";
import type { Kysely, Selectable } from "kysely";
import type { UserListFilter, UserRecord, UserRepository } from "../domain/identity/user-repository.js";
import type { DatabaseSchema, UsersTable } from "./database-schema.js";
import type { DialectName } from "./open-database.js";
import { preparedQuery } from "./prepared-query.js";
import { uniqueViolationIndex } from "./unique-violation.js";

// On every finalize: compiled once (prepared-query.ts).
const getSummary = preparedQuery(["appId", "userId"], (db, v) =>
  db
    .selectFrom("users")
    .select(["id", "external_id", "status"])
    .where("app_id", "=", v.appId)
    .where("id", "=", v.userId),
);

export class KyselyUserRepository implements UserRepository {
  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    private readonly dialect: DialectName,
  ) {}

  // ON CONFLICT DO NOTHING: a taken external_id or identifier (the only unique keys besides the
  // random ids) is an answer, not an error that would abort a PostgreSQL transaction.
  async insert(user: Omit<UserRecord, "identifiers">): Promise<"inserted" | "external_id_taken"> {
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
    return row ? ((await this.withIdentifiers([row]))[0] ?? null) : null;
  }

  async getSummary(appId: string, userId: string) {
    const row = (await getSummary(this.db, { appId, userId })).rows[0];
    return row ? { id: row.id, externalId: row.external_id, status: row.status } : null;
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
    return this.withIdentifiers(rows);
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
    return this.withIdentifiers(rows);
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
    return this.withIdentifiers(rows);
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

  /** Loads the identifiers of all `rows` in one query, keeping each user's in creation order. */
  private async withIdentifiers(rows: Selectable<UsersTable>[]): Promise<UserRecord[]> {
    if (rows.length === 0) return [];
    const identifierRows = await this.db
      .selectFrom("user_identifiers")
      .select(["user_id", "type", "value"])
      .where(
        "user_id",
        "in",
        rows.map((r) => r.id),
      )
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    const byUser = new Map<string, Identifier[]>();
    for (const i of identifierRows) {
      const list = byUser.get(i.user_id) ?? [];
      list.push({ type: i.type, value: i.value });
      byUser.set(i.user_id, list);
    }
    return rows.map((row) => ({
      id: row.id,
      appId: row.app_id,
      externalId: row.external_id,
      status: row.status,
      profile: JSON.parse(row.profile) as Record<string, unknown>,
      passwordHash: row.password_hash,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      identifiers: byUser.get(row.id) ?? [],
    }));
  }
}
