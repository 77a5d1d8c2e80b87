import type { EventType } from "@overture/protocol";
import type { WebhookRecord } from "./webhook-repository.js";

export type DeliveryStatus = "pending" | "delivered" | "failed";

/** One event for one webhook (docs/webhooks.md, "The delivery log"). */
export interface DeliveryRecord {
  webhookId: string;
  eventId: string;
  eventType: EventType;
  appId: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number;
  firstAttemptAt: number | null;
  lastAttemptAt: number | null;
  lastStatus: number | null;
  lastError: string | null;
  lastLatencyMs: number | null;
  deliveredAt: number | null;
  createdAt: number;
}

/** A pending delivery with its event, as a batch sends it. */
export interface QueuedEvent {
  eventId: string;
  type: EventType;
  payload: unknown;
  createdAt: number;
  /** Attempts made so far. */
  attempts: number;
  /** When this delivery was first attempted (the two weeks run from there). */
  firstAttemptAt: number | null;
  createdAtDelivery: number;
}

/** What one attempt at a batch came to. */
export interface AttemptOutcome {
  at: number;
  /** The HTTP status, or null when no answer came. */
  status: number | null;
  latencyMs: number;
  error: string | null;
}

export interface WebhookDeliveryRepository {
  /** Queues `events` for `webhookId`; an event already queued for it is left as it is. */
  enqueue(webhookId: string, appId: string, eventIds: string[], now: number): Promise<void>;
  /**
   * Takes, for `owner`, the lease on one webhook whose oldest pending delivery is due and whose
   * lease is free; null when there is none.
   */
  claimDueWebhook(owner: string, now: number, leaseMs: number): Promise<WebhookRecord | null>;
  /** The webhook's oldest pending deliveries, with their events, in event order. */
  pendingBatch(webhookId: string, limit: number): Promise<QueuedEvent[]>;
  /**
   * Records an attempt at `eventIds`, and on the webhook its `last_http_code`: delivered on a 2xx;
   * otherwise retried at `retryAt`, except deliveries first attempted at or before `giveUpBefore`,
   * which have failed for good.
   */
  recordAttempt(
    webhookId: string,
    eventIds: string[],
    outcome: AttemptOutcome & { delivered: boolean; retryAt: number; giveUpBefore: number },
  ): Promise<void>;
  /** Gives the webhook's lease back, if `owner` still holds it. */
  releaseWebhook(webhookId: string, owner: string, now: number): Promise<void>;
  /** The webhook's deliveries, newest event first, before the `before` event id (keyset). */
  list(
    webhookId: string,
    options: { before?: string; limit: number; status?: DeliveryStatus },
  ): Promise<DeliveryRecord[]>;
  get(webhookId: string, eventId: string): Promise<DeliveryRecord | null>;
  /**
   * Queues deliveries again — one event's, or those of every event recorded at or after `since` —
   * that were delivered or failed, as new (a fresh two weeks of retries); returns how many.
   */
  redeliver(webhookId: string, which: { eventId: string } | { since: number }, now: number): Promise<number>;
  /** Deletes deliveries delivered before `before`; returns how many. */
  purgeDelivered(before: number): Promise<number>;
  /** Each webhook with deliveries pending: how many, and since when the oldest was queued. */
  backlog(): Promise<{ appId: string; webhookId: string; pending: number; oldestQueuedAt: number }[]>;
}
