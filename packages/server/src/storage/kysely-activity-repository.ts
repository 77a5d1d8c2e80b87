import { type Kysely, sql } from "kysely";
import type {
  ActivityMetric,
  ActivityRepository,
  DailyCount,
} from "../domain/activity/activity-repository.js";
import type { DatabaseSchema } from "./database-schema.js";

export class KyselyActivityRepository implements ActivityRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async add(appId: string, day: string, metric: ActivityMetric, shard: number, by: number): Promise<void> {
    await this.db
      .insertInto("daily_counts")
      .values({ app_id: appId, day, metric, shard, count: by })
      .onConflict((oc) =>
        oc
          .columns(["app_id", "day", "metric", "shard"])
          .doUpdateSet({ count: sql`daily_counts.count + ${by}` }),
      )
      .execute();
  }

  async range(appId: string, fromDay: string, toDay: string): Promise<DailyCount[]> {
    const rows = await this.db
      .selectFrom("daily_counts")
      .select(["day", "metric", (eb) => eb.fn.sum<number | string>("count").as("total")])
      .where("app_id", "=", appId)
      .where("day", ">=", fromDay)
      .where("day", "<=", toDay)
      .groupBy(["day", "metric"])
      .orderBy("day")
      .orderBy("metric")
      .execute();
    return rows.map((r) => ({ day: r.day, metric: r.metric as ActivityMetric, count: Number(r.total) }));
  }

  async totals(appId: string): Promise<{ metric: ActivityMetric; count: number }[]> {
    const rows = await this.db
      .selectFrom("daily_counts")
      .select(["metric", (eb) => eb.fn.sum<number | string>("count").as("total")])
      .where("app_id", "=", appId)
      .groupBy("metric")
      .orderBy("metric")
      .execute();
    return rows.map((r) => ({ metric: r.metric as ActivityMetric, count: Number(r.total) }));
  }
}
