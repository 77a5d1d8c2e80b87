import type { Kysely } from "kysely";
import type { DatabaseSchema } from "./database-schema.js";
import type { SpentTokenRepository } from "./repositories.js";

export class KyselySpentTokenRepository implements SpentTokenRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async markSpent(
    appId: string,
    kind: "challenge" | "dpop",
    jti: string,
    expiresAt: number,
  ): Promise<boolean> {
    // ON CONFLICT DO NOTHING instead of catching the violation: inside a PostgreSQL transaction a
    // failed insert would abort the whole transaction.
    const result = await this.db
      .insertInto("spent_tokens")
      .values({ app_id: appId, kind, jti, expires_at: expiresAt })
      .onConflict((oc) => oc.columns(["app_id", "kind", "jti"]).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async purgeExpired(now: number): Promise<number> {
    const result = await this.db.deleteFrom("spent_tokens").where("expires_at", "<=", now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
