import type { Identifier, StepUpStep } from "@overture/protocol";
import type { Kysely, Selectable } from "kysely";
import type {
  StepUpChallengeRecord,
  StepUpGrantRecord,
  StepUpRepository,
} from "../domain/step-up/step-up-repository.js";
import type { DatabaseSchema, StepUpChallengesTable } from "./database-schema.js";

export class KyselyStepUpRepository implements StepUpRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async createChallenge(c: StepUpChallengeRecord): Promise<void> {
    await this.db
      .insertInto("step_up_challenges")
      .values({
        id: c.id,
        app_id: c.appId,
        user_id: c.userId,
        session_id: c.sessionId,
        scope: c.scope,
        grant_mode: c.grantMode,
        granted_for: c.grantedFor,
        steps: JSON.stringify(c.steps),
        steps_done: c.stepsDone,
        token_jti: c.tokenJti,
        metadata: JSON.stringify(c.metadata),
        register_identifier: c.registerIdentifier
          ? `${c.registerIdentifier.type} ${c.registerIdentifier.value}`
          : null,
        expires_at: c.expiresAt,
        spent_at: c.spentAt,
        created_at: c.createdAt,
      })
      .execute();
  }

  async getChallenge(appId: string, id: string): Promise<StepUpChallengeRecord | null> {
    const row = await this.db
      .selectFrom("step_up_challenges")
      .selectAll()
      .where("app_id", "=", appId)
      .where("id", "=", id)
      .executeTakeFirst();
    return row ? toChallenge(row) : null;
  }

  async advance(
    id: string,
    fromJti: string,
    next: { stepsDone: number; tokenJti: string; expiresAt: number },
  ): Promise<boolean> {
    const result = await this.db
      .updateTable("step_up_challenges")
      .set({ steps_done: next.stepsDone, token_jti: next.tokenJti, expires_at: next.expiresAt })
      .where("id", "=", id)
      .where("token_jti", "=", fromJti)
      .where("spent_at", "is", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async spend(id: string, jti: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable("step_up_challenges")
      .set({ spent_at: now })
      .where("id", "=", id)
      .where("token_jti", "=", jti)
      .where("spent_at", "is", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async addGrant(g: StepUpGrantRecord): Promise<void> {
    await this.db
      .insertInto("step_up_grants")
      .values({
        id: g.id,
        app_id: g.appId,
        user_id: g.userId,
        session_id: g.sessionId,
        scope: g.scope,
        grant_mode: g.grantMode,
        expires_at: g.expiresAt,
        created_at: g.createdAt,
      })
      .execute();
  }

  async consumeGrant(
    appId: string,
    userId: string,
    sessionId: string,
    scope: string,
    now: number,
  ): Promise<boolean> {
    const grant = await this.db
      .selectFrom("step_up_grants")
      .select("id")
      .where("app_id", "=", appId)
      .where("user_id", "=", userId)
      .where("scope", "=", scope)
      .where("expires_at", ">", now)
      .where((eb) => eb.or([eb("session_id", "=", sessionId), eb("session_id", "is", null)]))
      // The narrowest first: this session's own grant before the user's profile-bound one.
      .orderBy("session_id", "desc")
      .orderBy("expires_at")
      .executeTakeFirst();
    if (!grant) return false;
    const result = await this.db.deleteFrom("step_up_grants").where("id", "=", grant.id).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  async purge(before: number): Promise<number> {
    const a = await this.db
      .deleteFrom("step_up_challenges")
      .where("expires_at", "<", before)
      .executeTakeFirst();
    const b = await this.db.deleteFrom("step_up_grants").where("expires_at", "<", before).executeTakeFirst();
    return Number(a.numDeletedRows) + Number(b.numDeletedRows);
  }
}

function toChallenge(row: Selectable<StepUpChallengesTable>): StepUpChallengeRecord {
  const register = row.register_identifier?.split(" ");
  return {
    id: row.id,
    appId: row.app_id,
    userId: row.user_id,
    sessionId: row.session_id,
    scope: row.scope,
    grantMode: row.grant_mode,
    grantedFor: Number(row.granted_for),
    steps: JSON.parse(row.steps) as StepUpStep[],
    stepsDone: Number(row.steps_done),
    tokenJti: row.token_jti,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    registerIdentifier: register
      ? { type: register[0] as Identifier["type"], value: register.slice(1).join(" ") }
      : null,
    expiresAt: Number(row.expires_at),
    spentAt: row.spent_at === null ? null : Number(row.spent_at),
    createdAt: Number(row.created_at),
  };
}
