import { CompiledQuery, type Kysely } from "kysely";
import type { SessionStart } from "../domain/sessions/session-repository.js";
import type { DatabaseSchema } from "./database-schema.js";

export type StartOutcome = "replayed" | "challenge_spent" | "started";

/**
 * Session starts in one PostgreSQL statement (docs/storage.md): per input, the DPoP proof's mark
 * (if any), then the challenge's (if any, and only if the proof's was new), then — only if both
 * were — the session, its first refresh token and its `user.session.created` event. One round trip
 * and one implicit transaction instead of BEGIN, five statements and COMMIT each. The refresh
 * token's foreign key to the session is checked at the end of the statement, when both exist. The
 * batcher (statement-batch.ts) puts a turn's starts in one statement and keeps inputs sharing a
 * proof or challenge apart.
 */
const START_MANY_POSTGRES = `with input as (
  select * from unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::bigint[], $6::text[], $7::text[],
    $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::int[], $14::bigint[], $15::bigint[],
    $16::bigint[], $17::text[], $18::text[], $19::text[], $20::text[], $21::text[], $22::bigint[],
    $23::bigint[], $24::text[]) with ordinality
    as i(app_id, proof_jti, proof_expires_at, challenge_jti, challenge_expires_at, id, user_id, jkt, method,
      scopes, user_agent, ip, generation, created_at, expires_at, idle_expires_at, group_ids, token_sha256,
      event_id, event_type, event_payload, last_seen_at, revoked_at, revoked_reason, ord)
), proof as (
  insert into spent_tokens (app_id, kind, jti, expires_at)
  select app_id, 'dpop', proof_jti, proof_expires_at from input where proof_jti is not null
  on conflict (app_id, kind, jti) do nothing
  returning app_id, jti
), proved as (
  select i.* from input i
  where i.proof_jti is null or exists (select 1 from proof p where p.app_id = i.app_id and p.jti = i.proof_jti)
), challenge as (
  insert into spent_tokens (app_id, kind, jti, expires_at)
  select app_id, 'challenge', challenge_jti, challenge_expires_at from proved where challenge_jti is not null
  on conflict (app_id, kind, jti) do nothing
  returning app_id, jti
), ok as (
  select v.* from proved v
  where v.challenge_jti is null or exists (select 1 from challenge c where c.app_id = v.app_id and c.jti = v.challenge_jti)
), sessions_added as (
  insert into sessions (id, app_id, user_id, jkt, method, scopes, user_agent, ip, generation, created_at,
    last_seen_at, expires_at, idle_expires_at, revoked_at, revoked_reason, group_ids)
  select id, app_id, user_id, jkt, method, scopes, user_agent, ip, generation, created_at,
    last_seen_at, expires_at, idle_expires_at, revoked_at, revoked_reason, group_ids from ok
  returning 1
), tokens_added as (
  insert into refresh_tokens (token_sha256, session_id, generation, created_at, spent_at)
  select token_sha256, id, generation, created_at, null from ok
  returning 1
), events_added as (
  insert into outbox_events (id, app_id, type, payload, created_at)
  select event_id, app_id, event_type, event_payload, created_at from ok
  returning 1
)
select exists (select 1 from proved v where v.ord = i.ord) as proved,
  exists (select 1 from ok where ok.ord = i.ord) as started
from input i order by i.ord`;

/** Session starts in one statement (START_MANY_POSTGRES); outcomes in input order. */
export async function startManyOnPostgres(
  db: Kysely<DatabaseSchema>,
  starts: SessionStart[],
): Promise<StartOutcome[]> {
  const column = <T>(f: (s: SessionStart) => T) => starts.map(f);
  const result = await db.executeQuery<{ proved: boolean; started: boolean }>(
    CompiledQuery.raw(START_MANY_POSTGRES, [
      column((s) => s.session.appId),
      column((s) => s.proof?.jti ?? null),
      column((s) => s.proof?.expiresAt ?? null),
      column((s) => s.challenge?.jti ?? null),
      column((s) => s.challenge?.expiresAt ?? null),
      column((s) => s.session.id),
      column((s) => s.session.userId),
      column((s) => s.session.jkt),
      column((s) => s.session.method),
      column((s) => JSON.stringify(s.session.scopes)),
      column((s) => s.session.userAgent),
      column((s) => s.session.ip),
      column((s) => s.session.generation),
      column((s) => s.session.createdAt),
      column((s) => s.session.expiresAt),
      column((s) => s.session.idleExpiresAt),
      column((s) => s.session.groupIds.join(" ")),
      column((s) => s.firstTokenSha256),
      column((s) => s.event.id),
      column((s) => s.event.type),
      column((s) => JSON.stringify(s.event.payload)),
      column((s) => s.session.lastSeenAt),
      column((s) => s.session.revokedAt),
      column((s) => s.session.revokedReason),
    ]),
  );
  return starts.map((_, i) => {
    const row = result.rows[i];
    return !row?.proved ? "replayed" : !row.started ? "challenge_spent" : "started";
  });
}

/** One start (inside a transaction, or a batch's input rerun alone). */
export async function startOnPostgres(
  db: Kysely<DatabaseSchema>,
  start: SessionStart,
): Promise<StartOutcome> {
  return (await startManyOnPostgres(db, [start]))[0] ?? "replayed";
}

/** The rows a start writes that another start could: its proof's and its challenge's marks. */
export const startKeys = (s: SessionStart) => [
  ...(s.proof ? [`p:${s.session.appId}:${s.proof.jti}`] : []),
  ...(s.challenge ? [`c:${s.session.appId}:${s.challenge.jti}`] : []),
];
