import { randomUUID } from "node:crypto";
import type { DomainDeps } from "../domain/shared/domain-deps.js";
import { deliverDue, routeEvents } from "../domain/webhooks/dispatch-webhooks.js";
import type { Worker } from "./purge-worker.js";

export interface DispatcherOptions {
  /** How often it looks for work when idle; default 1 s. */
  intervalMs?: number;
  /** Webhooks sent to at once; default 8. */
  senders?: number;
}

/**
 * The webhook dispatcher (docs/webhooks.md): each pass routes every new outbox event into the
 * queues of the webhooks subscribed to it, then sends due batches, several webhooks at once, until
 * none is due. Leases make any number of dispatchers (nodes) safe together; a pass never overlaps
 * the previous one. `stop` lets a pass in progress finish its current batches.
 */
export function startWebhookDispatcher(
  deps: Pick<DomainDeps, "store" | "clock" | "webhookSender">,
  log: { error(obj: object, msg: string): void },
  options: DispatcherOptions = {},
): Required<Worker> {
  const owner = `dsp_${randomUUID()}`;
  const senders = options.senders ?? 8;
  let running: Promise<void> | null = null;
  let stopped = false;

  const pass = async () => {
    while (!stopped && (await routeEvents(deps, owner)) > 0);
    const sender = async () => {
      while (!stopped && (await deliverDue(deps, owner)) > 0);
    };
    await Promise.all(Array.from({ length: senders }, sender));
  };
  const tick = () => {
    if (running || stopped) return;
    running = pass()
      .catch((error: unknown) => log.error({ err: error }, "webhook dispatch failed"))
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, options.intervalMs ?? 1_000);
  timer.unref();
  tick();
  return {
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
    idle: async () => {
      await running;
    },
  };
}
