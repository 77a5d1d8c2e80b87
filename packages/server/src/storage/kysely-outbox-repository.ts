import type { Kysely } from "kysely";
import type { OutboxEvent, OutboxRepository } from "../domain/events/outbox-repository.js";
import type { DatabaseSchema } from "./database-schema.js";
import { preparedQuery } from "./prepared-query.js";

// Written by most mutations: compiled once (prepared-query.ts).
const appendEvent = preparedQuery(["id", "appId", "type", "payload", "createdAt"], (db, v) =>
  db.insertInto("outbox_events").values({
    id: v.id,
    app_id: v.appId,
    type: v.type,
    payload: v.payload,
    created_at: v.createdAt,
  }),
);

export class KyselyOutboxRepository implements OutboxRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async append(event: OutboxEvent): Promise<void> {
    await appendEvent(this.db, {
      id: event.id,
      appId: event.appId,
      type: event.type,
      payload: JSON.stringify(event.payload),
      createdAt: event.createdAt,
    });
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
