import { countActivity } from "../activity/count-activity.js";
import { eventActivity } from "../activity/event-activity.js";
import { isoTime } from "../shared/clock.js";
import type { DomainDeps } from "../shared/domain-deps.js";
import type { QueuedEvent } from "./delivery-repository.js";

/** Events per POST, in the order they were recorded (docs/webhooks.md, "Delivery"). */
export const WEBHOOK_BATCH_SIZE = 100;
/** Outbox events routed per claim, and how long a router holds them. */
const ROUTE_BATCH = 500;
const ROUTE_LEASE_MS = 15_000;
/**
 * How long a sender holds a webhook: the 10 s timeout with room to record the attempt. Short, since
 * a node that dies holding one delays that webhook this long.
 */
export const SEND_LEASE_MS = 20_000;
/** Retries: 1 min, 2 min, 4 min … at most 12 h apart, for two weeks from the first attempt. */
export const RETRY_FIRST_MS = 60_000;
export const RETRY_MAX_MS = 12 * 3_600_000;
export const GIVE_UP_AFTER_MS = 14 * 86_400_000;

type Deps = Pick<DomainDeps, "store" | "clock" | "webhookSender">;

/**
 * Routes outbox events into the queues of the active webhooks subscribed to them — only events
 * recorded since the webhook's latest activation — adds them to the daily counters
 * (activity/event-activity.ts) and marks them routed, in one transaction.
 * Returns how many events it routed (0: nothing left). Routing again is harmless (a queued event
 * is not queued twice), so a router that dies mid-way only delays its events until its lease ends.
 */
export async function routeEvents(deps: Deps, owner: string): Promise<number> {
  const now = deps.clock.now();
  const events = await deps.store.outbox.claim(owner, { limit: ROUTE_BATCH, leaseMs: ROUTE_LEASE_MS, now });
  if (events.length === 0) return 0;
  const webhooks = await deps.store.webhooks.listActive([...new Set(events.map((e) => e.appId))]);
  await deps.store.transaction(async (tx, rollback) => {
    for (const webhook of webhooks) {
      const since = webhook.activatedAt ?? Number.POSITIVE_INFINITY;
      const ids = events
        .filter(
          (e) =>
            e.appId === webhook.appId &&
            e.createdAt >= since &&
            (webhook.events as readonly string[]).includes(e.type),
        )
        .map((e) => e.id);
      await tx.deliveries.enqueue(webhook.id, webhook.appId, ids, now);
    }
    const marked = await tx.outbox.markDelivered(
      owner,
      events.map((e) => e.id),
      now,
    );
    // Our lease ran out and another router holds some of these: it routes and counts them.
    if (marked !== events.length) rollback(undefined);
    for (const a of eventActivity(events)) await countActivity(tx, a.appId, a.metric, a.at, a.count);
  });
  return events.length;
}

/**
 * Sends one batch to one webhook whose queue is due, holding the webhook's lease meanwhile so no
 * other sender (on any node) sends to it at the same time. A 2xx delivers the batch; anything else
 * retries all of it later, and the deliveries behind it wait (per-webhook order). Returns how many
 * events it attempted (0: no webhook is due).
 */
export async function deliverDue(deps: Deps, owner: string): Promise<number> {
  const webhook = await deps.store.deliveries.claimDueWebhook(owner, deps.clock.now(), SEND_LEASE_MS);
  if (!webhook) return 0;
  try {
    const batch = await deps.store.deliveries.pendingBatch(webhook.id, WEBHOOK_BATCH_SIZE);
    const app = await deps.store.apps.get(webhook.appId);
    if (batch.length === 0 || !app) return 0;
    const body = JSON.stringify({ app_id: app.id, events: batch.map(envelope) });
    const sent = await deps.webhookSender.send(app, webhook.url, body);
    const at = deps.clock.now();
    const attempts = Math.max(...batch.map((e) => e.attempts)) + 1;
    await deps.store.deliveries.recordAttempt(
      webhook.id,
      batch.map((e) => e.eventId),
      {
        at,
        status: sent.status,
        latencyMs: sent.latencyMs,
        error: sent.error ?? (sent.status !== null && !isSuccess(sent.status) ? `HTTP ${sent.status}` : null),
        delivered: sent.status !== null && isSuccess(sent.status),
        retryAt: at + Math.min(RETRY_FIRST_MS * 2 ** (attempts - 1), RETRY_MAX_MS),
        giveUpBefore: at - GIVE_UP_AFTER_MS,
      },
    );
    return batch.length;
  } finally {
    await deps.store.deliveries.releaseWebhook(webhook.id, owner, deps.clock.now());
  }
}

const isSuccess = (status: number) => status >= 200 && status <= 299;

/** The envelope of one event in a batch (docs/webhooks.md): `id` is stable, for deduplication. */
export function envelope(e: QueuedEvent) {
  return { id: e.eventId, type: e.type, created_at: isoTime(e.createdAt), payload: e.payload };
}
