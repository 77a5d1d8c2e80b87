import { type Kysely, type Selectable, sql } from "kysely";
import type {
  DevMessage,
  OtpConfigRecord,
  OtpRepository,
  OtpVerificationRecord,
} from "../domain/login/otp/otp-repository.js";
import type { DatabaseSchema, OtpConfigsTable, OtpVerificationsTable } from "./database-schema.js";

type ConfigValue = Pick<OtpConfigRecord, "templateId" | "senderId" | "grantedScopes" | "delivery">;

export class KyselyOtpRepository implements OtpRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async createConfig(c: OtpConfigRecord): Promise<void> {
    await this.db.insertInto("otp_configs").values(configRow(c)).execute();
  }

  async listConfigs(appId: string): Promise<OtpConfigRecord[]> {
    const rows = await this.db
      .selectFrom("otp_configs")
      .selectAll()
      .where("app_id", "=", appId)
      .orderBy("id")
      .execute();
    return rows.map(toConfig);
  }

  async getConfig(appId: string, id: string): Promise<OtpConfigRecord | null> {
    const row = await this.db
      .selectFrom("otp_configs")
      .selectAll()
      .where("app_id", "=", appId)
      .where("id", "=", id)
      .executeTakeFirst();
    return row ? toConfig(row) : null;
  }

  async replaceConfig(c: OtpConfigRecord): Promise<boolean> {
    const { id: _id, app_id: _app, created_at: _created, ...changes } = configRow(c);
    const result = await this.db
      .updateTable("otp_configs")
      .set(changes)
      .where("app_id", "=", c.appId)
      .where("id", "=", c.id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async deleteConfig(appId: string, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom("otp_configs")
      .where("app_id", "=", appId)
      .where("id", "=", id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  async clearDefault(appId: string, channel: OtpConfigRecord["channel"], except: string): Promise<void> {
    await this.db
      .updateTable("otp_configs")
      .set({ is_default: 0 })
      .where("app_id", "=", appId)
      .where("channel", "=", channel)
      .where("id", "!=", except)
      .execute();
  }

  async insertVerification(v: OtpVerificationRecord): Promise<void> {
    await this.db
      .insertInto("otp_verifications")
      .values({
        id: v.id,
        flow: v.flow,
        app_id: v.appId,
        token_sha256: v.tokenSha256,
        config_id: v.configId,
        identifier_type: v.identifier.type,
        identifier_value: v.identifier.value,
        code_mac: v.codeMac,
        code_challenge: v.codeChallenge,
        attempts: v.attempts,
        sends: v.sends,
        last_sent_at: v.lastSentAt,
        expires_at: v.expiresAt,
        consumed_at: v.consumedAt,
        created_at: v.createdAt,
        challenge_step: v.challengeStep,
      })
      .execute();
  }

  async findPendingForStep(appId: string, challengeStep: string): Promise<OtpVerificationRecord | null> {
    const row = await this.db
      .selectFrom("otp_verifications")
      .selectAll()
      .where("app_id", "=", appId)
      .where("challenge_step", "=", challengeStep)
      .where("consumed_at", "is", null)
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .executeTakeFirst();
    return row ? toVerification(row) : null;
  }

  async findVerification(appId: string, tokenSha256: string): Promise<OtpVerificationRecord | null> {
    const row = await this.db
      .selectFrom("otp_verifications")
      .selectAll()
      .where("app_id", "=", appId)
      .where("token_sha256", "=", tokenSha256)
      .executeTakeFirst();
    return row ? toVerification(row) : null;
  }

  async countAttempt(id: string): Promise<number> {
    const row = await this.db
      .updateTable("otp_verifications")
      .set({ attempts: sql`attempts + 1` })
      .where("id", "=", id)
      .returning("attempts")
      .executeTakeFirst();
    return Number(row?.attempts ?? Number.POSITIVE_INFINITY);
  }

  /** Attempts carry over: a resend gives a new code, never new guesses (docs/otp.md). */
  async recordResend(id: string, codeMac: string, now: number, maxAttempts: number): Promise<boolean> {
    const result = await this.db
      .updateTable("otp_verifications")
      .set({ code_mac: codeMac, sends: sql`sends + 1`, last_sent_at: now })
      .where("id", "=", id)
      .where("consumed_at", "is", null)
      .where("attempts", "<", maxAttempts)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async consume(id: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable("otp_verifications")
      .set({ consumed_at: now })
      .where("id", "=", id)
      .where("consumed_at", "is", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async addDevMessage(m: DevMessage): Promise<void> {
    await this.db
      .insertInto("dev_messages")
      .values({
        id: m.id,
        app_id: m.appId,
        channel: m.channel,
        recipient: m.to,
        code: m.code,
        body: m.body,
        created_at: m.createdAt,
      })
      .execute();
  }

  async purge(now: number, devMessagesBefore: number): Promise<number> {
    const a = await this.db.deleteFrom("otp_verifications").where("expires_at", "<=", now).executeTakeFirst();
    const b = await this.db
      .deleteFrom("dev_messages")
      .where("created_at", "<", devMessagesBefore)
      .executeTakeFirst();
    return Number(a.numDeletedRows) + Number(b.numDeletedRows);
  }

  async listDevMessages(appId: string, limit: number): Promise<DevMessage[]> {
    const rows = await this.db
      .selectFrom("dev_messages")
      .selectAll()
      .where("app_id", "=", appId)
      .orderBy("id", "desc")
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      appId: r.app_id,
      channel: r.channel,
      to: r.recipient,
      code: r.code,
      body: r.body,
      createdAt: r.created_at,
    }));
  }
}

function configRow(c: OtpConfigRecord) {
  const value: ConfigValue = {
    templateId: c.templateId,
    senderId: c.senderId,
    grantedScopes: c.grantedScopes,
    delivery: c.delivery,
  };
  return {
    id: c.id,
    app_id: c.appId,
    channel: c.channel,
    is_default: c.isDefault ? 1 : 0,
    value: JSON.stringify(value),
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}

function toConfig(row: Selectable<OtpConfigsTable>): OtpConfigRecord {
  const value = JSON.parse(row.value) as ConfigValue;
  return {
    id: row.id,
    appId: row.app_id,
    channel: row.channel,
    isDefault: Number(row.is_default) === 1,
    ...value,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toVerification(row: Selectable<OtpVerificationsTable>): OtpVerificationRecord {
  return {
    id: row.id,
    flow: row.flow,
    appId: row.app_id,
    tokenSha256: row.token_sha256,
    configId: row.config_id,
    identifier: { type: row.identifier_type, value: row.identifier_value },
    codeMac: row.code_mac,
    codeChallenge: row.code_challenge,
    attempts: row.attempts,
    sends: row.sends,
    lastSentAt: row.last_sent_at,
    expiresAt: row.expires_at,
    consumedAt: row.consumed_at,
    createdAt: row.created_at,
    challengeStep: row.challenge_step,
  };
}
