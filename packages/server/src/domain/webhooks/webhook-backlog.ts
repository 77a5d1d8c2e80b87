import type { DomainDeps } from "../shared/domain-deps.js";

export interface WebhookBacklog {
  /** Seconds the oldest event not yet routed to webhooks has waited; 0 when none waits. */
  oldestUnroutedSeconds: number;
  /** Per webhook with deliveries pending. */
  webhooks: { appId: string; webhookId: string; pending: number; oldestPendingSeconds: number }[];
}

/** How far event delivery is behind (docs/operations.md, metrics): two aggregate reads. */
export async function readWebhookBacklog(deps: Pick<DomainDeps, "store" | "clock">): Promise<WebhookBacklog> {
  const now = deps.clock.now();
  const age = (since: number) => Math.max(0, (now - since) / 1000);
  const [oldest, webhooks] = await Promise.all([
    deps.store.outbox.oldestUnrouted(),
    deps.store.deliveries.backlog(),
  ]);
  return {
    oldestUnroutedSeconds: oldest === null ? 0 : age(oldest),
    webhooks: webhooks.map((w) => ({
      appId: w.appId,
      webhookId: w.webhookId,
      pending: w.pending,
      oldestPendingSeconds: age(w.oldestQueuedAt),
    })),
  };
}
