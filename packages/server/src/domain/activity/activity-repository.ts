/** What an app's daily counters count (docs/migration.md, "Overview"). */
export type ActivityMetric =
  | `user.created.${"api" | "sign_up" | "login" | "migration" | "import"}`
  | "migration.exchanged"
  | "migration.hook_failed";

export interface DailyCount {
  /** UTC date, `YYYY-MM-DD`. */
  day: string;
  metric: ActivityMetric;
  count: number;
}

/**
 * Per-app daily counters. An increment lands on one of a few shards of its (app, day, metric), so
 * concurrent writers rarely wait on one row; `range` sums the shards.
 */
export interface ActivityRepository {
  add(appId: string, day: string, metric: ActivityMetric, shard: number, by: number): Promise<void>;
  /** Every metric's count per day from `fromDay` to `toDay` inclusive, days with nothing left out. */
  range(appId: string, fromDay: string, toDay: string): Promise<DailyCount[]>;
  /** Every metric's count over all days. */
  totals(appId: string): Promise<{ metric: ActivityMetric; count: number }[]>;
}
