import type { Kysely, Selectable } from "kysely";
import type { ApiKeysTable, DatabaseSchema } from "./database-schema.js";
import type { ApiKeyRecord, ApiKeyRepository, AppRecord } from "./repositories.js";

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
      .select([
        "apps.name as app_name",
        "apps.mode as app_mode",
        "apps.token_alg as app_token_alg",
        "apps.created_at as app_created_at",
        "apps.updated_at as app_updated_at",
      ])
      .where("api_keys.secret_sha256", "=", secretSha256)
      .where("api_keys.revoked_at", "is", null)
      .executeTakeFirst();
    if (!row) return null;
    return {
      key: toKey(row),
      app: {
        id: row.app_id,
        name: row.app_name,
        mode: row.app_mode,
        tokenAlg: row.app_token_alg,
        createdAt: row.app_created_at,
        updatedAt: row.app_updated_at,
      },
    };
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
