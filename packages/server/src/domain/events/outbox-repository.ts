import type { EventType } from "@overture/protocol";

export interface OutboxEvent {
  id: string;
  appId: string;
  type: EventType;
  payload: unknown;
  createdAt: number;
}

/**
 * The event outbox. Every change that is an event appends its row in the change's own transaction
 * (record-event.ts). A dispatcher (the webhook deliverer) takes events with a lease, so any number
 * of nodes can run one: a claim takes undelivered events nobody holds, oldest first, and holds them
 * until `leaseMs` has passed; the holder then marks them delivered or releases them. A holder that
 * dies simply lets its lease run out. Order across batches is not guaranteed once leases expire.
 */
export interface OutboxRepository {
  append(event: OutboxEvent): Promise<void>;
  list(appId: string, options: { afterId?: string; limit: number }): Promise<OutboxEvent[]>;
  /** Claims at most `limit` undelivered, unleased events (any app), oldest first, for `owner`. */
  claim(owner: string, options: { limit: number; leaseMs: number; now: number }): Promise<OutboxEvent[]>;
  /** Marks delivered the given events `owner` still holds; returns how many it marked. */
  markDelivered(owner: string, ids: string[], now: number): Promise<number>;
  /** Gives back the given events `owner` holds, claimable again at once; returns how many. */
  release(owner: string, ids: string[]): Promise<number>;
  /**
   * Deletes events routed before `routedBefore` that no webhook delivery still refers to (the
   * delivery log and replay read them); returns how many.
   */
  purgeRouted(routedBefore: number): Promise<number>;
  /** When the oldest event not routed yet was recorded (epoch ms); null when none waits. */
  oldestUnrouted(): Promise<number | null>;
}
