import type { EventType } from "@overture/protocol";
import { type Kysely, type Selectable, sql } from "kysely";
import type {
  AttemptOutcome,
  DeliveryRecord,
  DeliveryStatus,
  QueuedEvent,
  WebhookDeliveryRepository,
} from "../domain/webhooks/delivery-repository.js";
import type { WebhookRecord } from "../domain/webhooks/webhook-repository.js";
import type { DatabaseSchema, WebhookDeliveriesTable } from "./database-schema.js";
import { toWebhook } from "./kysely-webhook-repository.js";
import type { DialectName } from "./open-database.js";

export class KyselyWebhookDeliveryRepository implements WebhookDeliveryRepository {
  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    private readonly dialect: DialectName,
  ) {}

  async enqueue(webhookId: string, appId: string, eventIds: string[], now: number): Promise<void> {
    if (eventIds.length === 0) return;
    await this.db
      .insertInto("webhook_deliveries")
      .values(
        eventIds.map((eventId) => ({
          webhook_id: webhookId,
          event_id: eventId,
          app_id: appId,
          status: "pending" as const,
          attempts: 0,
          next_attempt_at: now,
          first_attempt_at: null,
          last_attempt_at: null,
          last_status: null,
          last_error: null,
          last_latency_ms: null,
          delivered_at: null,
          created_at: now,
        })),
      )
      .onConflict((oc) => oc.columns(["webhook_id", "event_id"]).doNothing())
      .execute();
  }

  async claimDueWebhook(owner: string, now: number, leaseMs: number): Promise<WebhookRecord | null> {
    // Due: the webhook's oldest pending delivery may be tried now (the ones behind it wait for it).
    // Least recently served first, so one webhook's backlog does not starve the others.
    let due = this.db
      .selectFrom("webhooks as w")
      .select("w.id")
      .where("w.active", "=", 1)
      .where((eb) => eb.or([eb("w.lease_until", "is", null), eb("w.lease_until", "<=", now)]))
      .where(
        sql<boolean>`exists (select 1 from webhook_deliveries d where d.webhook_id = w.id and d.status = 'pending' and d.next_attempt_at <= ${now} and d.event_id = (select min(d2.event_id) from webhook_deliveries d2 where d2.webhook_id = w.id and d2.status = 'pending'))`,
      )
      .orderBy(sql`coalesce(w.lease_until, 0)`)
      .orderBy("w.id")
      .limit(1);
    if (this.dialect === "postgres") due = due.forUpdate().skipLocked();
    const row = await this.db
      .updateTable("webhooks")
      .set({ lease_owner: owner, lease_until: now + leaseMs })
      .where("id", "in", due)
      .returningAll()
      .executeTakeFirst();
    return row ? toWebhook(row) : null;
  }

  async pendingBatch(webhookId: string, limit: number): Promise<QueuedEvent[]> {
    const rows = await this.db
      .selectFrom("webhook_deliveries as d")
      .innerJoin("outbox_events as e", "e.id", "d.event_id")
      .select([
        "d.event_id",
        "d.attempts",
        "d.first_attempt_at",
        "d.created_at as d_created_at",
        "e.type",
        "e.payload",
        "e.created_at",
      ])
      .where("d.webhook_id", "=", webhookId)
      .where("d.status", "=", "pending")
      .orderBy("d.event_id")
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      eventId: r.event_id,
      type: r.type as EventType,
      payload: JSON.parse(r.payload),
      createdAt: Number(r.created_at),
      attempts: Number(r.attempts),
      firstAttemptAt: r.first_attempt_at === null ? null : Number(r.first_attempt_at),
      createdAtDelivery: Number(r.d_created_at),
    }));
  }

  async recordAttempt(
    webhookId: string,
    eventIds: string[],
    o: AttemptOutcome & { delivered: boolean; retryAt: number; giveUpBefore: number },
  ): Promise<void> {
    if (eventIds.length === 0) return;
    const attempted = {
      attempts: sql<number>`attempts + 1`,
      first_attempt_at: sql<number>`coalesce(first_attempt_at, ${o.at})`,
      last_attempt_at: o.at,
      last_status: o.status,
      last_error: o.error,
      last_latency_ms: o.latencyMs,
    };
    const rows = this.db
      .updateTable("webhook_deliveries")
      .where("webhook_id", "=", webhookId)
      .where("event_id", "in", eventIds)
      .where("status", "=", "pending");
    if (o.delivered) {
      await rows.set({ ...attempted, status: "delivered", delivered_at: o.at }).execute();
    } else {
      await rows
        .set({ ...attempted, status: "failed" })
        .where(sql<boolean>`coalesce(first_attempt_at, ${o.at}) <= ${o.giveUpBefore}`)
        .execute();
      await rows.set({ ...attempted, next_attempt_at: o.retryAt }).execute();
    }
    await this.db
      .updateTable("webhooks")
      .set({ last_http_code: o.status, last_http_code_at: o.at })
      .where("id", "=", webhookId)
      .execute();
  }

  async releaseWebhook(webhookId: string, owner: string, now: number): Promise<void> {
    await this.db
      .updateTable("webhooks")
      // The release time, not null: it orders the next claims (least recently served first).
      .set({ lease_owner: null, lease_until: now })
      .where("id", "=", webhookId)
      .where("lease_owner", "=", owner)
      .execute();
  }

  async list(
    webhookId: string,
    options: { before?: string; limit: number; status?: DeliveryStatus },
  ): Promise<DeliveryRecord[]> {
    let query = this.withType().where("d.webhook_id", "=", webhookId);
    if (options.before) query = query.where("d.event_id", "<", options.before);
    if (options.status) query = query.where("d.status", "=", options.status);
    const rows = await query.orderBy("d.event_id", "desc").limit(options.limit).execute();
    return rows.map(toDelivery);
  }

  async get(webhookId: string, eventId: string): Promise<DeliveryRecord | null> {
    const row = await this.withType()
      .where("d.webhook_id", "=", webhookId)
      .where("d.event_id", "=", eventId)
      .executeTakeFirst();
    return row ? toDelivery(row) : null;
  }

  async redeliver(
    webhookId: string,
    which: { eventId: string } | { since: number },
    now: number,
  ): Promise<number> {
    let update = this.db
      .updateTable("webhook_deliveries")
      .set({ status: "pending", next_attempt_at: now, first_attempt_at: null, delivered_at: null })
      .where("webhook_id", "=", webhookId)
      .where("status", "<>", "pending");
    update =
      "eventId" in which
        ? update.where("event_id", "=", which.eventId)
        : update.where("event_id", "in", (eb) =>
            eb.selectFrom("outbox_events").select("id").where("created_at", ">=", which.since),
          );
    return Number((await update.executeTakeFirst()).numUpdatedRows);
  }

  async backlog() {
    const rows = await this.db
      .selectFrom("webhook_deliveries")
      .select((eb) => [
        "app_id",
        "webhook_id",
        eb.fn.countAll().as("pending"),
        eb.fn.min("created_at").as("oldest"),
      ])
      .where("status", "=", "pending")
      .groupBy(["app_id", "webhook_id"])
      .execute();
    return rows.map((r) => ({
      appId: r.app_id,
      webhookId: r.webhook_id,
      pending: Number(r.pending),
      oldestQueuedAt: Number(r.oldest),
    }));
  }

  async purgeDelivered(before: number): Promise<number> {
    const result = await this.db
      .deleteFrom("webhook_deliveries")
      .where("status", "=", "delivered")
      .where("delivered_at", "<", before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  private withType() {
    return this.db
      .selectFrom("webhook_deliveries as d")
      .innerJoin("outbox_events as e", "e.id", "d.event_id")
      .selectAll("d")
      .select("e.type as event_type");
  }
}

function toDelivery(r: Selectable<WebhookDeliveriesTable> & { event_type: string }): DeliveryRecord {
  const n = (v: number | null) => (v === null ? null : Number(v));
  return {
    webhookId: r.webhook_id,
    eventId: r.event_id,
    eventType: r.event_type as EventType,
    appId: r.app_id,
    status: r.status,
    attempts: Number(r.attempts),
    nextAttemptAt: Number(r.next_attempt_at),
    firstAttemptAt: n(r.first_attempt_at),
    lastAttemptAt: n(r.last_attempt_at),
    lastStatus: n(r.last_status),
    lastError: r.last_error,
    lastLatencyMs: n(r.last_latency_ms),
    deliveredAt: n(r.delivered_at),
    createdAt: Number(r.created_at),
  };
}
