import type { Kysely, SelectQueryBuilder } from "kysely";
import type {
  GroupRecord,
  RowLock,
  ScopeRepository,
  TokenScopeConfig,
} from "../domain/scopes/scope-repository.js";
import type { DatabaseSchema } from "./database-schema.js";
import type { DialectName } from "./open-database.js";

export class KyselyScopeRepository implements ScopeRepository {
  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    private readonly dialect: DialectName,
  ) {}

  async listAllowed(appId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom("allowed_scopes")
      .select("scope")
      .where("app_id", "=", appId)
      .execute();
    // Sorted here, not by the database, whose collation may differ from code-unit order.
    return rows.map((r) => r.scope).sort();
  }

  async findAllowed(appId: string, scopes: string[], lock?: RowLock): Promise<string[]> {
    if (scopes.length === 0) return [];
    const query = this.db
      .selectFrom("allowed_scopes")
      .select("scope")
      .where("app_id", "=", appId)
      .where("scope", "in", [...new Set(scopes)]);
    return (await this.locked(query, lock).execute()).map((r) => r.scope);
  }

  async addAllowed(appId: string, scope: string, now: number): Promise<boolean> {
    const row = await this.db
      .insertInto("allowed_scopes")
      .values({ app_id: appId, scope, created_at: now })
      .onConflict((oc) => oc.doNothing())
      .returning("scope")
      .executeTakeFirst();
    return row !== undefined;
  }

  async removeAllowed(appId: string, scope: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom("allowed_scopes")
      .where("app_id", "=", appId)
      .where("scope", "=", scope)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async groupsUsing(appId: string, scope: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom("scope_group_scopes")
      .innerJoin("scope_groups", "scope_groups.id", "scope_group_scopes.group_id")
      .select("scope_groups.name")
      .where("scope_group_scopes.app_id", "=", appId)
      .where("scope_group_scopes.scope", "=", scope)
      .execute();
    return rows.map((r) => r.name).sort();
  }

  async usersHolding(appId: string, scope: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom("user_scopes")
      .select("user_id")
      .where("app_id", "=", appId)
      .where("scope", "=", scope)
      .execute();
    return rows.map((r) => r.user_id);
  }

  async listGroups(appId: string): Promise<GroupRecord[]> {
    return this.groups(this.db.selectFrom("scope_groups").selectAll().where("app_id", "=", appId));
  }

  async getGroup(appId: string, name: string, lock?: RowLock): Promise<GroupRecord | null> {
    const query = this.db
      .selectFrom("scope_groups")
      .selectAll()
      .where("app_id", "=", appId)
      .where("name", "=", name);
    return (await this.groups(this.locked(query, lock)))[0] ?? null;
  }

  async createGroup(group: GroupRecord): Promise<"created" | "name_taken"> {
    const row = await this.db
      .insertInto("scope_groups")
      .values({
        id: group.id,
        app_id: group.appId,
        name: group.name,
        created_at: group.createdAt,
        updated_at: group.updatedAt,
      })
      .onConflict((oc) => oc.doNothing())
      .returning("id")
      .executeTakeFirst();
    return row ? "created" : "name_taken";
  }

  async setGroupScopes(group: Pick<GroupRecord, "id" | "appId">, scopes: string[], now: number) {
    await this.db.deleteFrom("scope_group_scopes").where("group_id", "=", group.id).execute();
    if (scopes.length > 0)
      await this.db
        .insertInto("scope_group_scopes")
        .values(scopes.map((scope) => ({ group_id: group.id, app_id: group.appId, scope })))
        .execute();
    await this.db.updateTable("scope_groups").set({ updated_at: now }).where("id", "=", group.id).execute();
  }

  async deleteGroup(groupId: string): Promise<void> {
    await this.db.deleteFrom("scope_groups").where("id", "=", groupId).execute();
  }

  async groupMembers(groupId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom("user_group_members")
      .select("user_id")
      .where("group_id", "=", groupId)
      .execute();
    return rows.map((r) => r.user_id);
  }

  async addUserScope(appId: string, userId: string, scope: string, now: number): Promise<boolean> {
    const row = await this.db
      .insertInto("user_scopes")
      .values({ user_id: userId, app_id: appId, scope, created_at: now })
      .onConflict((oc) => oc.doNothing())
      .returning("scope")
      .executeTakeFirst();
    return row !== undefined;
  }

  async removeUserScope(userId: string, scope: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom("user_scopes")
      .where("user_id", "=", userId)
      .where("scope", "=", scope)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async addMember(userId: string, groupId: string, now: number): Promise<boolean> {
    const row = await this.db
      .insertInto("user_group_members")
      .values({ user_id: userId, group_id: groupId, created_at: now })
      .onConflict((oc) => oc.doNothing())
      .returning("group_id")
      .executeTakeFirst();
    return row !== undefined;
  }

  async removeMember(userId: string, groupId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom("user_group_members")
      .where("user_id", "=", userId)
      .where("group_id", "=", groupId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async tokenScopeConfig(appId: string): Promise<TokenScopeConfig> {
    // The version first: what is read after it is at least that new, so a cache keyed by it is
    // never older than its key.
    const app = await this.db
      .selectFrom("apps")
      .select("token_config_version")
      .where("id", "=", appId)
      .executeTakeFirst();
    return {
      version: Number(app?.token_config_version ?? 0),
      allowed: await this.listAllowed(appId),
      groups: await this.listGroups(appId),
    };
  }

  /** Groups with their scopes, in two queries whatever their number; sorted by name. */
  private async groups(
    query: SelectQueryBuilder<DatabaseSchema, "scope_groups", DatabaseSchema["scope_groups"]>,
  ): Promise<GroupRecord[]> {
    const rows = await query.execute();
    if (rows.length === 0) return [];
    const scopes = await this.db
      .selectFrom("scope_group_scopes")
      .select(["group_id", "scope"])
      .where(
        "group_id",
        "in",
        rows.map((r) => r.id),
      )
      .execute();
    const byGroup = new Map<string, string[]>();
    for (const s of scopes) byGroup.set(s.group_id, [...(byGroup.get(s.group_id) ?? []), s.scope]);
    return rows
      .map((r) => ({
        id: r.id,
        appId: r.app_id,
        name: r.name,
        scopes: (byGroup.get(r.id) ?? []).sort(),
        createdAt: r.created_at,
        updatedAt: r.updated_at,
      }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** SQLite has no row locks (nor needs them: one writer at a time). */
  private locked<Q extends { forKeyShare(): Q; forUpdate(): Q }>(query: Q, lock: RowLock | undefined): Q {
    if (this.dialect !== "postgres" || !lock) return query;
    return lock === "share" ? query.forKeyShare() : query.forUpdate();
  }
}
