import type { OutboxEvent } from "../events/outbox-repository.js";
import type { ActivityMetric } from "./activity-repository.js";
import { utcDay } from "./count-activity.js";

/** The daily counter an event adds to, if any: creations by source, and migration-hook failures. */
function metricOf(event: OutboxEvent): ActivityMetric | null {
  if (event.type === "migration.hook_failed") return "migration.hook_failed";
  if (event.type !== "user.created") return null;
  const source = (event.payload as { source?: string }).source;
  return source === "api" ||
    source === "sign_up" ||
    source === "login" ||
    source === "migration" ||
    source === "import"
    ? `user.created.${source}`
    : null;
}

/**
 * What a batch of events adds to the daily counters, one entry per (app, UTC day, metric) with the
 * day of the event's own time. Counted where the outbox is routed (dispatch-webhooks.ts), in the
 * transaction that marks the events routed: once each, off the request path.
 */
export function eventActivity(
  events: readonly OutboxEvent[],
): { appId: string; at: number; metric: ActivityMetric; count: number }[] {
  const tallies = new Map<string, { appId: string; at: number; metric: ActivityMetric; count: number }>();
  for (const event of events) {
    const metric = metricOf(event);
    if (!metric) continue;
    const key = `${event.appId}\u0000${utcDay(event.createdAt)}\u0000${metric}`;
    const tally = tallies.get(key);
    if (tally) tally.count += 1;
    else tallies.set(key, { appId: event.appId, at: event.createdAt, metric, count: 1 });
  }
  return [...tallies.values()];
}
