import type { Kysely } from "kysely";
import type { DatabaseSchema } from "./database-schema.js";
import type { OutboxEvent, OutboxRepository } from "./repositories.js";

export class KyselyOutboxRepository implements OutboxRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async append(event: OutboxEvent): Promise<void> {
    await this.db
      .insertInto("outbox_events")
      .values({
        id: event.id,
        app_id: event.appId,
        type: event.type,
        payload: JSON.stringify(event.payload),
        created_at: event.createdAt,
      })
      .execute();
  }

  async list(appId: string, options: { afterId?: string; limit: number }): Promise<OutboxEvent[]> {
    let query = this.db.selectFrom("outbox_events").selectAll().where("app_id", "=", appId);
    if (options.afterId) query = query.where("id", ">", options.afterId);
    const rows = await query.orderBy("id").limit(options.limit).execute();
    return rows.map((row) => ({
      id: row.id,
      appId: row.app_id,
      type: row.type as OutboxEvent["type"],
      payload: JSON.parse(row.payload),
      createdAt: row.created_at,
    }));
  }
}
