import { CompiledQuery, type Kysely, type Selectable } from "kysely";
import type { Rotation, SessionRecord, SessionRepository } from "../domain/sessions/session-repository.js";
import type { DatabaseSchema, SessionsTable } from "./database-schema.js";
import { markSpent } from "./kysely-spent-token-repository.js";
import type { DialectName } from "./open-database.js";
import { preparedQuery } from "./prepared-query.js";
import {
  sessionGrantsSql,
  type TokenSubjectRow,
  tokenSubjectOf,
  userIdentifiersSql,
  userScopesSql,
} from "./token-subject-sql.js";

// The statements of every finalize and refresh, compiled once (prepared-query.ts). A refresh reads
// the token, its session, what it mints from of the user and the app's token config version here.
const findByRefreshTokenQuery = (withIdentifiers: boolean) =>
  preparedQuery(["tokenSha256", "appId"], (db, v) =>
    db
      .selectFrom("refresh_tokens")
      .innerJoin("sessions", "sessions.id", "refresh_tokens.session_id")
      .innerJoin("users", "users.id", "sessions.user_id")
      .innerJoin("apps", "apps.id", "sessions.app_id")
      .selectAll("sessions")
      .select([
        "refresh_tokens.token_sha256 as t_token_sha256",
        "refresh_tokens.generation as t_generation",
        "refresh_tokens.created_at as t_created_at",
        "refresh_tokens.spent_at as t_spent_at",
        "users.external_id as u_external_id",
        "users.status as u_status",
        "users.profile as u_profile",
        "apps.token_config_version",
        userScopesSql.as("u_scopes"),
        sessionGrantsSql.as("u_grants"),
        ...(withIdentifiers ? [userIdentifiersSql.as("u_identifiers")] : []),
      ])
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

/**
 * A rotation in one PostgreSQL statement: one round trip and one implicit transaction instead of
 * BEGIN, four statements and COMMIT (docs/storage.md). The data-modifying CTEs all run, in one
 * snapshot; each later one acts only if the one before did (the proof's mark, then the spend), so
 * a replayed proof writes nothing and a spent token only the mark. A concurrent rotation of the
 * same token waits for the row lock and then finds it spent, as the separate UPDATE did.
 */
const ROTATE_POSTGRES = `with proof as (
  insert into spent_tokens (app_id, kind, jti, expires_at) values ($1, 'dpop', $2, $3)
  on conflict (app_id, kind, jti) do nothing
  returning 1
), spent as (
  update refresh_tokens set spent_at = $4
  where token_sha256 = $5 and spent_at is null and exists (select 1 from proof)
  returning session_id
), added as (
  insert into refresh_tokens (token_sha256, session_id, generation, created_at, spent_at)
  select $6, session_id, $7, $4, null from spent
  returning 1
), touched as (
  update sessions set generation = $7, last_seen_at = $4, idle_expires_at = $8
  where id = $9 and exists (select 1 from spent)
  returning 1
)
select (select count(*) from proof)::int as marked, (select count(*) from spent)::int as spent`;

/**
 * The rotations of one event-loop turn in one PostgreSQL statement (statement-batch.ts): the same
 * CTEs over all inputs, each input's writes conditioned on its own proof mark and spend. Inputs
 * never share a token, proof or session (the batcher keeps those apart), so no row is written
 * twice; the answer gives each input's outcome, in input order.
 */
const ROTATE_MANY_POSTGRES = `with input as (
  select * from unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::text[],
    $7::int[], $8::bigint[], $9::text[]) with ordinality
    as i(app_id, jti, proof_expires_at, now, presented, successor, generation, idle_expires_at, session_id, ord)
), proof as (
  insert into spent_tokens (app_id, kind, jti, expires_at)
  select app_id, 'dpop', jti, proof_expires_at from input
  on conflict (app_id, kind, jti) do nothing
  returning app_id, jti
), spent as (
  update refresh_tokens r set spent_at = i.now
  from input i
  where r.token_sha256 = i.presented and r.spent_at is null
    and exists (select 1 from proof p where p.app_id = i.app_id and p.jti = i.jti)
  returning r.token_sha256
), added as (
  insert into refresh_tokens (token_sha256, session_id, generation, created_at, spent_at)
  select i.successor, i.session_id, i.generation, i.now, null
  from input i where i.presented in (select token_sha256 from spent)
  returning 1
), touched as (
  update sessions x set generation = i.generation, last_seen_at = i.now, idle_expires_at = i.idle_expires_at
  from input i
  where x.id = i.session_id and i.presented in (select token_sha256 from spent)
  returning 1
)
select
  exists (select 1 from proof p where p.app_id = i.app_id and p.jti = i.jti) as marked,
  exists (select 1 from spent s where s.token_sha256 = i.presented) as spent
from input i order by i.ord`;

type RotationOutcome = "replayed" | "spent" | "rotated";

const outcomeOf = (row: { marked: unknown; spent: unknown } | undefined): RotationOutcome =>
  !row || !Number(row.marked) ? "replayed" : !Number(row.spent) ? "spent" : "rotated";

/** One rotation, one statement (ROTATE_POSTGRES). */
export async function rotateOnPostgres(db: Kysely<DatabaseSchema>, r: Rotation): Promise<RotationOutcome> {
  const result = await db.executeQuery<{ marked: number; spent: number }>(
    CompiledQuery.raw(ROTATE_POSTGRES, [
      r.appId,
      r.proofJti,
      r.proofExpiresAt,
      r.now,
      r.presentedSha256,
      r.successorSha256,
      r.generation,
      r.idleExpiresAt,
      r.sessionId,
    ]),
  );
  return outcomeOf(result.rows[0]);
}

/** Many rotations, one statement (ROTATE_MANY_POSTGRES); outcomes in input order. */
export async function rotateManyOnPostgres(
  db: Kysely<DatabaseSchema>,
  rotations: Rotation[],
): Promise<RotationOutcome[]> {
  const column = <K extends keyof Rotation>(key: K) => rotations.map((r) => r[key]);
  const result = await db.executeQuery<{ marked: boolean; spent: boolean }>(
    CompiledQuery.raw(ROTATE_MANY_POSTGRES, [
      column("appId"),
      column("proofJti"),
      column("proofExpiresAt"),
      column("now"),
      column("presentedSha256"),
      column("successorSha256"),
      column("generation"),
      column("idleExpiresAt"),
      column("sessionId"),
    ]),
  );
  return rotations.map((_, i) =>
    outcomeOf(result.rows[i] as { marked: unknown; spent: unknown } | undefined),
  );
}

/** The rows a rotation writes, for the batcher to keep apart. */
export const rotationKeys = (r: Rotation) => [
  `t:${r.presentedSha256}`,
  `p:${r.appId}:${r.proofJti}`,
  `s:${r.sessionId}`,
];

/** Runs `work` atomically: on SQLite through the store's group commit; inside a transaction, in it. */
export type Atomically = <T>(work: (db: Kysely<DatabaseSchema>) => Promise<T>) => Promise<T>;

export class KyselySessionRepository implements SessionRepository {
  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    private readonly dialect: DialectName,
    private readonly atomically: Atomically,
    /** PostgreSQL outside a transaction: the store's batch of the turn's rotations. */
    private readonly rotateInBatch?: (r: Rotation) => Promise<RotationOutcome>,
  ) {}

  async rotate(r: Rotation): Promise<RotationOutcome> {
    if (this.dialect === "postgres")
      return this.rotateInBatch ? this.rotateInBatch(r) : rotateOnPostgres(this.db, r);
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
    await insertSession(this.db, {
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
    await addRefreshToken(this.db, {
      tokenSha256: firstTokenSha256,
      sessionId: session.id,
      generation: session.generation,
      now: session.createdAt,
    });
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
    const query = options.withIdentifiers ? findByRefreshTokenWithIdentifiers : findByRefreshToken;
    const row = (await query(this.db, { tokenSha256, appId })).rows[0] as
      | (Selectable<SessionsTable> &
          Omit<TokenSubjectRow, "user_id"> & {
            t_token_sha256: string;
            t_generation: number;
            t_created_at: number;
            t_spent_at: number | null;
          })
      | undefined;
    if (!row) return null;
    return {
      session: toSession(row),
      token: {
        tokenSha256: row.t_token_sha256,
        sessionId: row.id,
        generation: row.t_generation,
        createdAt: row.t_created_at,
        spentAt: row.t_spent_at,
      },
      user: tokenSubjectOf(row),
    };
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

function toSession(row: Selectable<SessionsTable>): SessionRecord {
  return {
    id: row.id,
    appId: row.app_id,
    userId: row.user_id,
    jkt: row.jkt,
    method: row.method,
    scopes: JSON.parse(row.scopes) as string[],
    userAgent: row.user_agent,
    ip: row.ip,
    generation: row.generation,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    expiresAt: row.expires_at,
    idleExpiresAt: row.idle_expires_at,
    revokedAt: row.revoked_at,
    revokedReason: row.revoked_reason,
    groupIds: row.group_ids ? row.group_ids.split(" ") : [],
  };
}
