import type { Kysely } from "kysely";
import type { AppConfigRepository, ConfigRecord } from "../domain/apps/config-repository.js";
import type { DatabaseSchema } from "./database-schema.js";

export class KyselyAppConfigRepository implements AppConfigRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async get<T>(appId: string, kind: string): Promise<ConfigRecord<T> | null> {
    const row = await this.db
      .selectFrom("app_configs")
      .selectAll()
      .where("app_id", "=", appId)
      .where("kind", "=", kind)
      .executeTakeFirst();
    return row
      ? { value: JSON.parse(row.value) as T, createdAt: row.created_at, updatedAt: row.updated_at }
      : null;
  }

  async create<T>(appId: string, kind: string, value: T, now: number): Promise<boolean> {
    const result = await this.db
      .insertInto("app_configs")
      .values({ app_id: appId, kind, value: JSON.stringify(value), created_at: now, updated_at: now })
      .onConflict((oc) => oc.columns(["app_id", "kind"]).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async replace<T>(appId: string, kind: string, value: T, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable("app_configs")
      .set({ value: JSON.stringify(value), updated_at: now })
      .where("app_id", "=", appId)
      .where("kind", "=", kind)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async delete(appId: string, kind: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom("app_configs")
      .where("app_id", "=", appId)
      .where("kind", "=", kind)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }
}
