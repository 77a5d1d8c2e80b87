import type { Kysely, Selectable } from "kysely";
import type { OutboxEvent, OutboxRepository } from "../domain/events/outbox-repository.js";
import type { DatabaseSchema, OutboxEventsTable } from "./database-schema.js";
import type { DialectName } from "./open-database.js";
import { preparedQuery } from "./prepared-query.js";

// Written by most mutations: compiled once (prepared-query.ts).
export const appendEvent = preparedQuery(["id", "appId", "type", "payload", "createdAt"], (db, v) =>
  db.insertInto("outbox_events").values({
    id: v.id,
    app_id: v.appId,
    type: v.type,
    payload: v.payload,
    created_at: v.createdAt,
  }),
);

export class KyselyOutboxRepository implements OutboxRepository {
  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    private readonly dialect: DialectName,
  ) {}

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
    return rows.map(toEvent);
  }

  async claim(owner: string, o: { limit: number; leaseMs: number; now: number }): Promise<OutboxEvent[]> {
    // One statement: the subquery picks, the update takes. PostgreSQL's SKIP LOCKED lets
    // concurrent claimers take disjoint batches without waiting; SQLite runs writers one at a time.
    let claimable = this.db
      .selectFrom("outbox_events")
      .select("id")
      .where("delivered_at", "is", null)
      .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<=", o.now)]))
      .orderBy("id")
      .limit(o.limit);
    if (this.dialect === "postgres") claimable = claimable.forUpdate().skipLocked();
    const rows = await this.db
      .updateTable("outbox_events")
      .set({ lease_owner: owner, lease_until: o.now + o.leaseMs })
      .where("id", "in", claimable)
      .returningAll()
      .execute();
    return rows.map(toEvent).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async markDelivered(owner: string, ids: string[], now: number): Promise<number> {
    if (ids.length === 0) return 0;
    const result = await this.db
      .updateTable("outbox_events")
      .set({ delivered_at: now, lease_owner: null, lease_until: null })
      .where("id", "in", ids)
      .where("lease_owner", "=", owner)
      .where("delivered_at", "is", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async oldestUnrouted(): Promise<number | null> {
    const row = await this.db
      .selectFrom("outbox_events")
      .select((eb) => eb.fn.min("created_at").as("oldest"))
      .where("delivered_at", "is", null)
      .executeTakeFirst();
    return row?.oldest == null ? null : Number(row.oldest);
  }

  async purgeRouted(routedBefore: number): Promise<number> {
    const result = await this.db
      .deleteFrom("outbox_events")
      .where("delivered_at", "<", routedBefore)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom("webhook_deliveries")
              .select("webhook_deliveries.event_id")
              .whereRef("webhook_deliveries.event_id", "=", "outbox_events.id"),
          ),
        ),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async release(owner: string, ids: string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const result = await this.db
      .updateTable("outbox_events")
      .set({ lease_owner: null, lease_until: null })
      .where("id", "in", ids)
      .where("lease_owner", "=", owner)
      .where("delivered_at", "is", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }
}

function toEvent(row: Selectable<OutboxEventsTable>): OutboxEvent {
  return {
    id: row.id,
    appId: row.app_id,
    type: row.type as OutboxEvent["type"],
    payload: JSON.parse(row.payload),
    createdAt: row.created_at,
  };
}
