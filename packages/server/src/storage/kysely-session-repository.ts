import type { Kysely } from "kysely";
import type {
  Rotation,
  SessionRecord,
  SessionRepository,
  SessionStart,
} from "../domain/sessions/session-repository.js";
import type { DatabaseSchema } from "./database-schema.js";
import { appendEvent } from "./kysely-outbox-repository.js";
import { markSpent } from "./kysely-spent-token-repository.js";
import type { DialectName } from "./open-database.js";
import {
  type PostgresRefreshBatches,
  type RotationOutcome,
  rotateOnPostgres,
} from "./postgres-refresh-statements.js";
import { type StartOutcome, startOnPostgres } from "./postgres-session-starts.js";
import { preparedQuery } from "./prepared-query.js";
import { foundOf, type RefreshRow, selectRefreshRows, toSession } from "./refresh-row-sql.js";

// The statements of every finalize and refresh, compiled once (prepared-query.ts). A refresh reads
// the token, its session, what it mints from of the user and the app's token config version here.
const findByRefreshTokenQuery = (withIdentifiers: boolean) =>
  preparedQuery(["tokenSha256", "appId"], (db, v) =>
    selectRefreshRows(db, withIdentifiers)
      .where("refresh_tokens.token_sha256", "=", v.tokenSha256)
      .where("sessions.app_id", "=", v.appId),
  );
const findByRefreshToken = findByRefreshTokenQuery(false);
const findByRefreshTokenWithIdentifiers = findByRefreshTokenQuery(true);

const SESSION_COLUMNS = [
  "id",
  "app_id",
  "user_id",
  "jkt",
  "method",
  "scopes",
  "user_agent",
  "ip",
  "generation",
  "created_at",
  "last_seen_at",
  "expires_at",
  "idle_expires_at",
  "revoked_at",
  "revoked_reason",
  "group_ids",
] as const;

const insertSession = preparedQuery(SESSION_COLUMNS, (db, v) => db.insertInto("sessions").values(v));

const spendRefreshToken = preparedQuery(["tokenSha256", "now"], (db, v) =>
  db
    .updateTable("refresh_tokens")
    .set({ spent_at: v.now })
    .where("token_sha256", "=", v.tokenSha256)
    .where("spent_at", "is", null),
);

const addRefreshToken = preparedQuery(["tokenSha256", "sessionId", "generation", "now"], (db, v) =>
  db.insertInto("refresh_tokens").values({
    token_sha256: v.tokenSha256,
    session_id: v.sessionId,
    generation: v.generation,
    created_at: v.now,
    spent_at: null,
  }),
);

const touchSession = preparedQuery(["sessionId", "generation", "now", "idleExpiresAt"], (db, v) =>
  db
    .updateTable("sessions")
    .set({ generation: v.generation, last_seen_at: v.now, idle_expires_at: v.idleExpiresAt })
    .where("id", "=", v.sessionId),
);

/** A session and its first refresh token. */
async function insertSessionRows(
  db: Kysely<DatabaseSchema>,
  session: SessionRecord,
  firstTokenSha256: string,
) {
  await insertSession(db, {
    id: session.id,
    app_id: session.appId,
    user_id: session.userId,
    jkt: session.jkt,
    method: session.method,
    scopes: JSON.stringify(session.scopes),
    user_agent: session.userAgent,
    ip: session.ip,
    generation: session.generation,
    created_at: session.createdAt,
    last_seen_at: session.lastSeenAt,
    expires_at: session.expiresAt,
    idle_expires_at: session.idleExpiresAt,
    revoked_at: session.revokedAt,
    revoked_reason: session.revokedReason,
    group_ids: session.groupIds.join(" "),
  });
  await addRefreshToken(db, {
    tokenSha256: firstTokenSha256,
    sessionId: session.id,
    generation: session.generation,
    now: session.createdAt,
  });
}

/** Runs `work` atomically: on SQLite through the store's group commit; inside a transaction, in it. */
export type Atomically = <T>(work: (db: Kysely<DatabaseSchema>) => Promise<T>) => Promise<T>;

export class KyselySessionRepository implements SessionRepository {
  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    private readonly dialect: DialectName,
    private readonly atomically: Atomically,
    /** PostgreSQL outside a transaction: the store's batches of the turn's rotations and reads. */
    private readonly batches?: PostgresRefreshBatches,
  ) {}

  async start(start: SessionStart): Promise<StartOutcome> {
    if (this.dialect === "postgres")
      return this.batches ? this.batches.start(start) : startOnPostgres(this.db, start);
    return this.atomically(async (db) => {
      const marks = [
        ...(start.proof ? [{ kind: "dpop" as const, ...start.proof }] : []),
        ...(start.challenge ? [{ kind: "challenge" as const, ...start.challenge }] : []),
      ];
      for (const mark of marks) {
        const marked = await markSpent(db, {
          appId: start.session.appId,
          kind: mark.kind,
          jti: mark.jti,
          expiresAt: mark.expiresAt,
        });
        if (Number(marked.numAffectedRows ?? 0) !== 1)
          return mark.kind === "dpop" ? "replayed" : "challenge_spent";
      }
      await insertSessionRows(db, start.session, start.firstTokenSha256);
      await appendEvent(db, {
        id: start.event.id,
        appId: start.event.appId,
        type: start.event.type,
        payload: JSON.stringify(start.event.payload),
        createdAt: start.event.createdAt,
      });
      return "started";
    });
  }

  async rotate(r: Rotation): Promise<RotationOutcome> {
    if (this.dialect === "postgres")
      return this.batches ? this.batches.rotate(r) : rotateOnPostgres(this.db, r);
    // SQLite runs no data-modifying CTEs: four statements, committed together.
    return this.atomically(async (db) => {
      const marked = await markSpent(db, {
        appId: r.appId,
        kind: "dpop",
        jti: r.proofJti,
        expiresAt: r.proofExpiresAt,
      });
      if (Number(marked.numAffectedRows ?? 0) !== 1) return "replayed";
      const spent = await spendRefreshToken(db, { tokenSha256: r.presentedSha256, now: r.now });
      if (Number(spent.numAffectedRows) !== 1) return "spent";
      await addRefreshToken(db, {
        tokenSha256: r.successorSha256,
        sessionId: r.sessionId,
        generation: r.generation,
        now: r.now,
      });
      await touchSession(db, {
        sessionId: r.sessionId,
        generation: r.generation,
        now: r.now,
        idleExpiresAt: r.idleExpiresAt,
      });
      return "rotated";
    });
  }

  async create(session: SessionRecord, firstTokenSha256: string): Promise<void> {
    await insertSessionRows(this.db, session, firstTokenSha256);
  }

  async get(appId: string, sessionId: string): Promise<SessionRecord | null> {
    const row = await this.db
      .selectFrom("sessions")
      .selectAll()
      .where("app_id", "=", appId)
      .where("id", "=", sessionId)
      .executeTakeFirst();
    return row ? toSession(row) : null;
  }

  async findByRefreshToken(appId: string, tokenSha256: string, options = { withIdentifiers: false }) {
    // PostgreSQL, outside a transaction: with the turn's other refreshes' reads, in one query.
    if (this.batches)
      return this.batches.find({ appId, tokenSha256, withIdentifiers: options.withIdentifiers });
    const query = options.withIdentifiers ? findByRefreshTokenWithIdentifiers : findByRefreshToken;
    const row = (await query(this.db, { tokenSha256, appId })).rows[0] as RefreshRow | undefined;
    return row ? foundOf(row) : null;
  }

  async replaceScopes(sessionId: string, expected: string[], scopes: string[]): Promise<boolean> {
    const result = await this.db
      .updateTable("sessions")
      .set({ scopes: JSON.stringify(scopes) })
      .where("id", "=", sessionId)
      .where("scopes", "=", JSON.stringify(expected))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async revoke(appId: string, sessionId: string, now: number, reason: string): Promise<boolean> {
    const result = await this.db
      .updateTable("sessions")
      .set({ revoked_at: now, revoked_reason: reason })
      .where("app_id", "=", appId)
      .where("id", "=", sessionId)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async revokeAllOfUser(appId: string, userId: string, now: number, reason: string, keep?: string) {
    let query = this.db
      .updateTable("sessions")
      .set({ revoked_at: now, revoked_reason: reason })
      .where("app_id", "=", appId)
      .where("user_id", "=", userId)
      .where("revoked_at", "is", null);
    if (keep) query = query.where("id", "!=", keep);
    const rows = await query.returning("id").execute();
    return rows.map((r) => r.id);
  }

  async purgeEnded(endedBefore: number): Promise<number> {
    const result = await this.db
      .deleteFrom("sessions")
      .where((eb) =>
        eb.or([
          eb("revoked_at", "<", endedBefore),
          eb("expires_at", "<", endedBefore),
          eb("idle_expires_at", "<", endedBefore),
        ]),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async listActive(appId: string, userId: string, now: number): Promise<SessionRecord[]> {
    const rows = await this.db
      .selectFrom("sessions")
      .selectAll()
      .where("app_id", "=", appId)
      .where("user_id", "=", userId)
      .where("revoked_at", "is", null)
      .where("expires_at", ">", now)
      .where("idle_expires_at", ">", now)
      .orderBy("id", "desc")
      .execute();
    return rows.map(toSession);
  }
}
