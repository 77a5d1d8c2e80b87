import type { Kysely, Selectable } from "kysely";
import type { SigningKeyRecord, SigningKeyRepository } from "../domain/apps/signing-key-repository.js";
import type { DatabaseSchema, SigningKeysTable } from "./database-schema.js";

export class KyselySigningKeyRepository implements SigningKeyRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async insert(key: SigningKeyRecord): Promise<void> {
    await this.db
      .insertInto("signing_keys")
      .values({
        id: key.id,
        app_id: key.appId,
        purpose: key.purpose,
        alg: key.alg,
        public_jwk: JSON.stringify(key.publicJwk),
        private_key: key.privateKeySealed,
        created_at: key.createdAt,
        retired_at: key.retiredAt,
        expires_at: key.expiresAt,
      })
      .execute();
  }

  async current(appId: string, purpose: SigningKeyRecord["purpose"]): Promise<SigningKeyRecord | null> {
    const row = await this.db
      .selectFrom("signing_keys")
      .selectAll()
      .where("app_id", "=", appId)
      .where("purpose", "=", purpose)
      .where("retired_at", "is", null)
      .orderBy("id", "desc")
      .limit(1)
      .executeTakeFirst();
    return row ? toKey(row) : null;
  }

  async published(
    appId: string,
    purpose: SigningKeyRecord["purpose"],
    now: number,
  ): Promise<SigningKeyRecord[]> {
    const rows = await this.db
      .selectFrom("signing_keys")
      .selectAll()
      .where("app_id", "=", appId)
      .where("purpose", "=", purpose)
      .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", now)]))
      .orderBy("id")
      .execute();
    return rows.map(toKey);
  }

  async retireAll(appId: string, purpose: SigningKeyRecord["purpose"], now: number, expiresAt: number) {
    await this.db
      .updateTable("signing_keys")
      .set({ retired_at: now, expires_at: expiresAt })
      .where("app_id", "=", appId)
      .where("purpose", "=", purpose)
      .where("retired_at", "is", null)
      .execute();
  }
}

function toKey(row: Selectable<SigningKeysTable>): SigningKeyRecord {
  return {
    id: row.id,
    appId: row.app_id,
    purpose: row.purpose,
    alg: row.alg,
    publicJwk: JSON.parse(row.public_jwk) as Record<string, unknown>,
    privateKeySealed: row.private_key,
    createdAt: row.created_at,
    retiredAt: row.retired_at,
    expiresAt: row.expires_at,
  };
}
