import { randomInt } from "node:crypto";
import type { ActivityMetric, ActivityRepository } from "./activity-repository.js";

/** Rows per (app, day, metric): enough that concurrent increments seldom meet on one. */
export const ACTIVITY_SHARDS = 8;

/** The UTC date of an epoch-ms instant, as the counters key days. */
export function utcDay(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

/**
 * Adds `by` to the count of `metric` on the UTC day of `at`, in the caller's transaction when given
 * one (the outbox router's, so that events are counted once, with their marking as routed).
 */
export function countActivity(
  repo: Pick<{ activity: ActivityRepository }, "activity">,
  appId: string,
  metric: ActivityMetric,
  at: number,
  by = 1,
): Promise<void> {
  return repo.activity.add(appId, utcDay(at), metric, randomInt(ACTIVITY_SHARDS), by);
}
