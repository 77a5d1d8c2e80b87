import type { Kysely, Selectable } from "kysely";
import type { AppRecord, AppRepository } from "../domain/apps/app-repository.js";
import type { AppsTable, DatabaseSchema } from "./database-schema.js";

/** Every apps column, for queries that read an app alongside another table. */
export const appColumns = [
  "id",
  "name",
  "mode",
  "token_alg",
  "access_ttl_seconds",
  "session_ttl_seconds",
  "idle_ttl_seconds",
  "created_at",
  "updated_at",
] as const;

export class KyselyAppRepository implements AppRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async create(app: AppRecord): Promise<void> {
    await this.db
      .insertInto("apps")
      .values({
        id: app.id,
        name: app.name,
        mode: app.mode,
        token_alg: app.tokenAlg,
        access_ttl_seconds: app.accessTtlSeconds,
        session_ttl_seconds: app.sessionTtlSeconds,
        idle_ttl_seconds: app.idleTtlSeconds,
        created_at: app.createdAt,
        updated_at: app.updatedAt,
      })
      .execute();
  }

  async touchTokenConfig(id: string): Promise<void> {
    await this.db
      .updateTable("apps")
      .set((eb) => ({ token_config_version: eb("token_config_version", "+", 1) }))
      .where("id", "=", id)
      .execute();
  }

  async lockRow(id: string): Promise<void> {
    // A write that changes nothing: it takes the row lock on both dialects without FOR UPDATE.
    await this.db
      .updateTable("apps")
      .set((eb) => ({ updated_at: eb.ref("updated_at") }))
      .where("id", "=", id)
      .execute();
  }

  async get(id: string): Promise<AppRecord | null> {
    const row = await this.db.selectFrom("apps").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? toApp(row) : null;
  }

  async list(): Promise<AppRecord[]> {
    return (await this.db.selectFrom("apps").selectAll().orderBy("created_at").orderBy("id").execute()).map(
      toApp,
    );
  }

  async setMode(id: string, mode: AppRecord["mode"], now: number): Promise<void> {
    await this.db.updateTable("apps").set({ mode, updated_at: now }).where("id", "=", id).execute();
  }

  async setLifetimes(
    id: string,
    l: Pick<AppRecord, "accessTtlSeconds" | "sessionTtlSeconds" | "idleTtlSeconds">,
    now: number,
  ): Promise<void> {
    await this.db
      .updateTable("apps")
      .set({
        access_ttl_seconds: l.accessTtlSeconds,
        session_ttl_seconds: l.sessionTtlSeconds,
        idle_ttl_seconds: l.idleTtlSeconds,
        updated_at: now,
      })
      .where("id", "=", id)
      .execute();
  }

  async setTokenAlg(id: string, alg: AppRecord["tokenAlg"], now: number): Promise<void> {
    await this.db.updateTable("apps").set({ token_alg: alg, updated_at: now }).where("id", "=", id).execute();
  }
}

export function toApp(row: Selectable<AppsTable>): AppRecord {
  return {
    id: row.id,
    name: row.name,
    mode: row.mode,
    tokenAlg: row.token_alg,
    accessTtlSeconds: row.access_ttl_seconds,
    sessionTtlSeconds: row.session_ttl_seconds,
    idleTtlSeconds: row.idle_ttl_seconds,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
