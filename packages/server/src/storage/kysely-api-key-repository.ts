import type { Kysely, Selectable } from "kysely";
import type { ApiKeyRecord, ApiKeyRepository } from "../domain/apps/api-key-repository.js";
import type { AppRecord } from "../domain/apps/app-repository.js";
import type { ApiKeysTable, AppsTable, DatabaseSchema } from "./database-schema.js";
import { appColumns, toApp } from "./kysely-app-repository.js";

export class KyselyApiKeyRepository implements ApiKeyRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async create(key: ApiKeyRecord & { secretSha256: string }): Promise<void> {
    await this.db
      .insertInto("api_keys")
      .values({
        id: key.id,
        app_id: key.appId,
        name: key.name,
        secret_sha256: key.secretSha256,
        hint: key.hint,
        created_at: key.createdAt,
        revoked_at: key.revokedAt,
      })
      .execute();
  }

  async findActiveBySecret(secretSha256: string): Promise<{ key: ApiKeyRecord; app: AppRecord } | null> {
    const row = await this.db
      .selectFrom("api_keys")
      .innerJoin("apps", "apps.id", "api_keys.app_id")
      .selectAll("api_keys")
      .select(appColumns.map((c) => `apps.${c} as app_${c}` as const))
      .where("api_keys.secret_sha256", "=", secretSha256)
      .where("api_keys.revoked_at", "is", null)
      .executeTakeFirst();
    if (!row) return null;
    const prefixed = row as unknown as Record<string, unknown>;
    const appRow = Object.fromEntries(
      appColumns.map((c) => [c, prefixed[`app_${c}`]]),
    ) as Selectable<AppsTable>;
    return { key: toKey(row), app: toApp(appRow) };
  }

  async list(appId: string): Promise<ApiKeyRecord[]> {
    const rows = await this.db
      .selectFrom("api_keys")
      .selectAll()
      .where("app_id", "=", appId)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    return rows.map(toKey);
  }

  async revoke(appId: string, keyId: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable("api_keys")
      .set({ revoked_at: now })
      .where("app_id", "=", appId)
      .where("id", "=", keyId)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}

function toKey(row: Selectable<ApiKeysTable>): ApiKeyRecord {
  return {
    id: row.id,
    appId: row.app_id,
    name: row.name,
    hint: row.hint,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}
