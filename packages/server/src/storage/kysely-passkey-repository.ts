import type { Kysely, Selectable } from "kysely";
import type { PasskeyRecord, PasskeyRepository } from "../domain/passkeys/passkey-repository.js";
import type { DatabaseSchema, PasskeyCredentialsTable } from "./database-schema.js";

export class KyselyPasskeyRepository implements PasskeyRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async insert(p: PasskeyRecord): Promise<boolean> {
    // ON CONFLICT DO NOTHING rather than catching the violation: inside a PostgreSQL transaction a
    // failed insert would abort the whole transaction.
    const result = await this.db
      .insertInto("passkey_credentials")
      .values({
        id: p.id,
        app_id: p.appId,
        user_id: p.userId,
        credential_id: p.credentialId,
        public_key: p.publicKey,
        sign_count: p.signCount,
        transports: p.transports.join(" "),
        backup_eligible: p.backupEligible ? 1 : 0,
        backup_state: p.backupState ? 1 : 0,
        aaguid: p.aaguid,
        rp_id: p.rpId,
        nickname: p.nickname,
        created_at: p.createdAt,
        last_used_at: p.lastUsedAt,
      })
      .onConflict((oc) => oc.columns(["app_id", "credential_id"]).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async get(appId: string, id: string): Promise<PasskeyRecord | null> {
    const row = await this.db
      .selectFrom("passkey_credentials")
      .selectAll()
      .where("app_id", "=", appId)
      .where("id", "=", id)
      .executeTakeFirst();
    return row ? toPasskey(row) : null;
  }

  async findByCredentialId(appId: string, credentialId: string): Promise<PasskeyRecord | null> {
    const row = await this.db
      .selectFrom("passkey_credentials")
      .selectAll()
      .where("app_id", "=", appId)
      .where("credential_id", "=", credentialId)
      .executeTakeFirst();
    return row ? toPasskey(row) : null;
  }

  async listForUser(appId: string, userId: string): Promise<PasskeyRecord[]> {
    const rows = await this.db
      .selectFrom("passkey_credentials")
      .selectAll()
      .where("app_id", "=", appId)
      .where("user_id", "=", userId)
      .orderBy("id")
      .execute();
    return rows.map(toPasskey);
  }

  async countNotUnder(appId: string, rpId: string): Promise<number> {
    const row = await this.db
      .selectFrom("passkey_credentials")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("app_id", "=", appId)
      .where("rp_id", "!=", rpId)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async rename(appId: string, userId: string, id: string, nickname: string | null): Promise<boolean> {
    const result = await this.db
      .updateTable("passkey_credentials")
      .set({ nickname })
      .where("app_id", "=", appId)
      .where("user_id", "=", userId)
      .where("id", "=", id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async recordUse(
    appId: string,
    id: string,
    expected: number,
    signCount: number,
    now: number,
  ): Promise<boolean> {
    const result = await this.db
      .updateTable("passkey_credentials")
      .set({ sign_count: signCount, last_used_at: now })
      .where("app_id", "=", appId)
      .where("id", "=", id)
      .where("sign_count", "=", expected)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async delete(appId: string, userId: string, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom("passkey_credentials")
      .where("app_id", "=", appId)
      .where("user_id", "=", userId)
      .where("id", "=", id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }
}

function toPasskey(row: Selectable<PasskeyCredentialsTable>): PasskeyRecord {
  return {
    id: row.id,
    appId: row.app_id,
    userId: row.user_id,
    credentialId: row.credential_id,
    publicKey: row.public_key,
    signCount: Number(row.sign_count),
    transports: row.transports ? row.transports.split(" ") : [],
    backupEligible: Number(row.backup_eligible) === 1,
    backupState: Number(row.backup_state) === 1,
    aaguid: row.aaguid,
    rpId: row.rp_id,
    nickname: row.nickname,
    createdAt: Number(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
  };
}
