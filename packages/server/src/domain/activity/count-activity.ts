import { randomInt } from "node:crypto";
import type { ActivityMetric, ActivityRepository } from "./activity-repository.js";

/** Rows per (app, day, metric): enough that concurrent increments seldom meet on one. */
export const ACTIVITY_SHARDS = 8;

/** The UTC date of an epoch-ms instant, as the counters key days. */
export function utcDay(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

/**
 * Adds `by` to today's count of `metric`, in the caller's transaction when given one (so that a
 * creation and its count commit together).
 */
export function countActivity(
  repo: Pick<{ activity: ActivityRepository }, "activity">,
  appId: string,
  metric: ActivityMetric,
  now: number,
  by = 1,
): Promise<void> {
  return repo.activity.add(appId, utcDay(now), metric, randomInt(ACTIVITY_SHARDS), by);
}
