import type { OAuthProvider } from "@overture/protocol";
import type { Kysely } from "kysely";
import type { OAuthStateRecord, OAuthStateRepository } from "../domain/oauth/oauth-state-repository.js";
import type { DatabaseSchema } from "./database-schema.js";

export class KyselyOAuthStateRepository implements OAuthStateRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async create(r: OAuthStateRecord): Promise<void> {
    await this.db
      .insertInto("oauth_states")
      .values({
        state_hash: r.stateHash,
        app_id: r.appId,
        provider: r.provider,
        browser_hash: r.browserHash,
        redirect_uri: r.redirectUri,
        code_challenge: r.codeChallenge,
        expires_at: r.expiresAt,
        created_at: r.createdAt,
      })
      .execute();
  }

  async take(appId: string, stateHash: string): Promise<OAuthStateRecord | null> {
    // DELETE … RETURNING (SQLite ≥ 3.35 and PostgreSQL): reading and forgetting in one statement
    // is what makes a state single-use under concurrent callbacks.
    const row = await this.db
      .deleteFrom("oauth_states")
      .where("app_id", "=", appId)
      .where("state_hash", "=", stateHash)
      .returningAll()
      .executeTakeFirst();
    if (!row) return null;
    return {
      stateHash: row.state_hash,
      appId: row.app_id,
      provider: row.provider as OAuthProvider,
      browserHash: row.browser_hash,
      redirectUri: row.redirect_uri,
      codeChallenge: row.code_challenge,
      expiresAt: Number(row.expires_at),
      createdAt: Number(row.created_at),
    };
  }

  async purgeExpired(now: number): Promise<number> {
    const result = await this.db.deleteFrom("oauth_states").where("expires_at", "<=", now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
