import { CompiledQuery, type Kysely, sql } from "kysely";
import type { Rotation, SessionStart } from "../domain/sessions/session-repository.js";
import type { DatabaseSchema } from "./database-schema.js";
import { startKeys, startManyOnPostgres, startOnPostgres } from "./postgres-session-starts.js";
import { preparedQuery } from "./prepared-query.js";
import { foundOf, type RefreshRow, selectRefreshRows } from "./refresh-row-sql.js";
import { statementBatch } from "./statement-batch.js";

/**
 * Rotations in one PostgreSQL statement: one round trip and one implicit transaction instead of
 * BEGIN, four statements and COMMIT each (docs/storage.md). The data-modifying CTEs all run, in
 * one snapshot; each input's later writes happen only if its earlier ones did (its proof's mark,
 * then its spend), so a replayed proof writes nothing and a spent token only the mark. A
 * concurrent rotation of the same token waits for the row lock and then finds it spent. The
 * batcher (statement-batch.ts) puts a turn's rotations in one statement and keeps inputs sharing a
 * token, proof or session apart, so no row is written twice; the answer gives each input's
 * outcome, in input order.
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

export type RotationOutcome = "replayed" | "spent" | "rotated";

const outcomeOf = (row: { marked: unknown; spent: unknown } | undefined): RotationOutcome =>
  !row || !Number(row.marked) ? "replayed" : !Number(row.spent) ? "spent" : "rotated";

/** One rotation (inside a transaction, or a batch's input rerun alone). */
export async function rotateOnPostgres(db: Kysely<DatabaseSchema>, r: Rotation): Promise<RotationOutcome> {
  return (await rotateManyOnPostgres(db, [r]))[0] ?? "replayed";
}

/** Rotations in one statement (ROTATE_MANY_POSTGRES); outcomes in input order. */
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

/** A refresh's read, as SessionRepository.findByRefreshToken takes it. */
export interface RefreshLookup {
  appId: string;
  tokenSha256: string;
  withIdentifiers: boolean;
}

const findManyQuery = (withIdentifiers: boolean) =>
  preparedQuery(["tokenSha256s"], (db, v) =>
    selectRefreshRows(db, withIdentifiers).where(
      sql<boolean>`refresh_tokens.token_sha256 = any(${v.tokenSha256s}::text[])`,
    ),
  );
const findMany = findManyQuery(false);
const findManyWithIdentifiers = findManyQuery(true);

/** The refreshes' reads of one turn in one query; each answer only for its own app's token. */
async function findManyOnPostgres(db: Kysely<DatabaseSchema>, lookups: RefreshLookup[]) {
  const rows = new Map<string, RefreshRow>();
  for (const withIdentifiers of [false, true]) {
    const hashes = lookups.filter((l) => l.withIdentifiers === withIdentifiers).map((l) => l.tokenSha256);
    if (hashes.length === 0) continue;
    const query = withIdentifiers ? findManyWithIdentifiers : findMany;
    for (const row of (await query(db, { tokenSha256s: hashes })).rows as RefreshRow[]) {
      rows.set(`${withIdentifiers}:${row.t_token_sha256}`, row);
    }
  }
  return lookups.map((l) => {
    const row = rows.get(`${l.withIdentifiers}:${l.tokenSha256}`);
    return row && row.app_id === l.appId ? foundOf(row) : null;
  });
}

export type PostgresRefreshBatches = ReturnType<typeof postgresRefreshBatches>;

/**
 * PostgreSQL's group commit for sessions (docs/storage.md): the rotations asked for in one turn of
 * the event loop run as one statement, so do the reads before them, and so do session starts.
 */
export function postgresRefreshBatches(
  db: Kysely<DatabaseSchema>,
  observe: (requests: number, seconds: number) => void,
) {
  return {
    rotate: statementBatch(
      (rotations: Rotation[]) => rotateManyOnPostgres(db, rotations),
      (rotation: Rotation) => rotateOnPostgres(db, rotation),
      rotationKeys,
      observe,
    ),
    start: statementBatch(
      (starts: SessionStart[]) => startManyOnPostgres(db, starts),
      (start: SessionStart) => startOnPostgres(db, start),
      startKeys,
      observe,
    ),
    find: statementBatch(
      (lookups: RefreshLookup[]) => findManyOnPostgres(db, lookups),
      async (lookup: RefreshLookup) => (await findManyOnPostgres(db, [lookup]))[0] ?? null,
      () => [],
    ),
  };
}
