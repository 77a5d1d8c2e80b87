import { type Kysely, sql } from "kysely";
import type { RateLimitRepository } from "../domain/shared/rate-limit-repository.js";
import type { DatabaseSchema } from "./database-schema.js";

export class KyselyRateLimitRepository implements RateLimitRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  /**
   * One atomic upsert per hit, so concurrent requests on any node count exactly: a new window
   * restarts the count at 1, the current window adds 1.
   */
  async hit(key: string, windowStart: number, expiresAt: number): Promise<number> {
    const row = await this.db
      .insertInto("rate_limits")
      .values({ key, window_start: windowStart, hits: 1, expires_at: expiresAt })
      .onConflict((oc) =>
        oc.column("key").doUpdateSet({
          hits: sql`CASE WHEN rate_limits.window_start = ${windowStart} THEN rate_limits.hits + 1 ELSE 1 END`,
          window_start: windowStart,
          expires_at: expiresAt,
        }),
      )
      .returning("hits")
      .executeTakeFirstOrThrow();
    return Number(row.hits);
  }

  async refund(key: string, windowStart: number): Promise<void> {
    await this.db
      .updateTable("rate_limits")
      .set({ hits: sql`hits - 1` })
      .where("key", "=", key)
      .where("window_start", "=", windowStart)
      .where("hits", ">", 0)
      .execute();
  }

  async claimSpaced(key: string, now: number, spacingMs: number, expiresAt: number): Promise<boolean> {
    const row = await this.db
      .insertInto("rate_limits")
      .values({ key, window_start: now, hits: 1, expires_at: expiresAt })
      .onConflict((oc) =>
        oc
          .column("key")
          .doUpdateSet({ window_start: now, hits: sql`rate_limits.hits + 1`, expires_at: expiresAt })
          .where("rate_limits.window_start", "<=", now - spacingMs),
      )
      .returning("key")
      .executeTakeFirst();
    return row !== undefined;
  }

  async purgeExpired(now: number): Promise<number> {
    const result = await this.db.deleteFrom("rate_limits").where("expires_at", "<=", now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
