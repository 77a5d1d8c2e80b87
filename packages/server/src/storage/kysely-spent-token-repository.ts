import type { Kysely } from "kysely";
import type { SpentTokenRepository } from "../domain/sessions/spent-token-repository.js";
import type { DatabaseSchema } from "./database-schema.js";
import { preparedQuery } from "./prepared-query.js";

// On every finalize and refresh (a DPoP proof's jti): compiled once (prepared-query.ts).
export const markSpent = preparedQuery(["appId", "kind", "jti", "expiresAt"], (db, v) =>
  db
    .insertInto("spent_tokens")
    .values({ app_id: v.appId, kind: v.kind, jti: v.jti, expires_at: v.expiresAt })
    .onConflict((oc) => oc.columns(["app_id", "kind", "jti"]).doNothing()),
);

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
    const result = await markSpent(this.db, { appId, kind, jti, expiresAt });
    return Number(result.numAffectedRows ?? 0) === 1;
  }

  async purgeExpired(now: number): Promise<number> {
    const result = await this.db.deleteFrom("spent_tokens").where("expires_at", "<=", now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
