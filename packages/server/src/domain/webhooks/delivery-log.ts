import type { DomainDeps } from "../shared/domain-deps.js";
import type { Failure } from "../shared/outcome.js";
import type { DeliveryRecord, DeliveryStatus } from "./delivery-repository.js";

export const DELIVERY_PAGE_MAX = 100;

type NotFound = Failure<"webhook_not_found">;

async function webhookOf(deps: Pick<DomainDeps, "store">, appId: string, webhookId: string) {
  return (await deps.store.webhooks.get(appId, webhookId)) !== null;
}

/** A page of the webhook's delivery log, newest event first (docs/webhooks.md). */
export async function listDeliveries(
  deps: Pick<DomainDeps, "store">,
  appId: string,
  webhookId: string,
  page: { limit: number; cursor?: string; status?: DeliveryStatus },
): Promise<{ ok: true; deliveries: DeliveryRecord[]; nextCursor: string | null } | NotFound> {
  if (!(await webhookOf(deps, appId, webhookId))) return { ok: false, reason: "webhook_not_found" };
  const rows = await deps.store.deliveries.list(webhookId, {
    limit: page.limit + 1,
    ...(page.cursor !== undefined && { before: page.cursor }),
    ...(page.status !== undefined && { status: page.status }),
  });
  const deliveries = rows.slice(0, page.limit);
  return {
    ok: true,
    deliveries,
    nextCursor: rows.length > page.limit ? (deliveries.at(-1)?.eventId ?? null) : null,
  };
}

/**
 * Sends one event to the webhook again: a delivered or failed delivery goes back in the queue,
 * in its event's place, with a fresh two weeks of retries (a pending one is left as it is).
 */
export async function redeliverOne(
  deps: Pick<DomainDeps, "store" | "clock">,
  appId: string,
  webhookId: string,
  eventId: string,
): Promise<{ ok: true; delivery: DeliveryRecord } | NotFound | Failure<"event_not_found">> {
  if (!(await webhookOf(deps, appId, webhookId))) return { ok: false, reason: "webhook_not_found" };
  await deps.store.deliveries.redeliver(webhookId, { eventId }, deps.clock.now());
  const delivery = await deps.store.deliveries.get(webhookId, eventId);
  return delivery
    ? { ok: true, delivery }
    : { ok: false, reason: "event_not_found", message: "This webhook has no delivery of that event." };
}

/** Sends again every delivered or failed delivery of events recorded at or after `since`. */
export async function redeliverSince(
  deps: Pick<DomainDeps, "store" | "clock">,
  appId: string,
  webhookId: string,
  since: number,
): Promise<{ ok: true; redelivered: number } | NotFound> {
  if (!(await webhookOf(deps, appId, webhookId))) return { ok: false, reason: "webhook_not_found" };
  return {
    ok: true,
    redelivered: await deps.store.deliveries.redeliver(webhookId, { since }, deps.clock.now()),
  };
}
