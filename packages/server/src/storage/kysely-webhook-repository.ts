import type { WebhookEventName } from "@overture/protocol";
import type { Kysely, Selectable } from "kysely";
import type { WebhookRecord, WebhookRepository } from "../domain/webhooks/webhook-repository.js";
import type { DatabaseSchema, WebhooksTable } from "./database-schema.js";

export class KyselyWebhookRepository implements WebhookRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async create(w: WebhookRecord): Promise<void> {
    await this.db
      .insertInto("webhooks")
      .values({
        id: w.id,
        app_id: w.appId,
        url: w.url,
        events: w.events.join(" "),
        verification_token_sealed: w.verificationTokenSealed,
        active: w.active ? 1 : 0,
        activated_at: w.activatedAt,
        last_http_code: w.lastHttpCode,
        last_http_code_at: w.lastHttpCodeAt,
        created_at: w.createdAt,
        updated_at: w.updatedAt,
      })
      .execute();
  }

  async list(appId: string): Promise<WebhookRecord[]> {
    const rows = await this.db
      .selectFrom("webhooks")
      .selectAll()
      .where("app_id", "=", appId)
      .orderBy("id")
      .execute();
    return rows.map(toWebhook);
  }

  async listActive(appIds: string[]): Promise<WebhookRecord[]> {
    if (appIds.length === 0) return [];
    const rows = await this.db
      .selectFrom("webhooks")
      .selectAll()
      .where("app_id", "in", appIds)
      .where("active", "=", 1)
      .execute();
    return rows.map(toWebhook);
  }

  async get(appId: string, id: string): Promise<WebhookRecord | null> {
    const row = await this.db
      .selectFrom("webhooks")
      .selectAll()
      .where("app_id", "=", appId)
      .where("id", "=", id)
      .executeTakeFirst();
    return row ? toWebhook(row) : null;
  }

  async delete(appId: string, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom("webhooks")
      .where("app_id", "=", appId)
      .where("id", "=", id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  async setEvents(appId: string, id: string, events: WebhookEventName[], now: number): Promise<boolean> {
    const result = await this.db
      .updateTable("webhooks")
      .set({ events: events.join(" "), updated_at: now })
      .where("app_id", "=", appId)
      .where("id", "=", id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async setActive(appId: string, id: string, active: boolean, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable("webhooks")
      .set({ active: active ? 1 : 0, ...(active && { activated_at: now }), updated_at: now })
      .where("app_id", "=", appId)
      .where("id", "=", id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}

export function toWebhook(row: Selectable<WebhooksTable>): WebhookRecord {
  return {
    id: row.id,
    appId: row.app_id,
    url: row.url,
    events: row.events.split(" ").filter(Boolean) as WebhookEventName[],
    verificationTokenSealed: row.verification_token_sealed,
    active: Number(row.active) === 1,
    activatedAt: row.activated_at === null ? null : Number(row.activated_at),
    lastHttpCode: row.last_http_code === null ? null : Number(row.last_http_code),
    lastHttpCodeAt: row.last_http_code_at === null ? null : Number(row.last_http_code_at),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}
