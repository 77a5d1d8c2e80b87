import { CompiledQuery, type Kysely } from "kysely";
import type { DatabaseSchema } from "./database-schema.js";

type Db = Kysely<DatabaseSchema>;

interface Pending<R> {
  work: (tx: R) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Transactions in one group, at most: bounds how long the last of them waits for its commit. */
export const GROUP_COMMIT_MAX = 64;

/** A committed (or rolled back) database transaction: how many requests it carried, how long it took. */
export type TransactionObserver = (requests: number, seconds: number) => void;

const SAVEPOINT = CompiledQuery.raw("savepoint group_member");
const RELEASE = CompiledQuery.raw("release group_member");
const ROLLBACK_TO = CompiledQuery.raw("rollback to group_member");

/**
 * Group commit for SQLite (docs/storage.md): the transactions asked for during one turn of the event
 * loop run, in order, inside one SQLite transaction and commit together. A commit writes every page
 * it dirtied to the WAL, and concurrent sessions dirty the same few pages (table tails, index
 * interior pages), so a group writes them once instead of once per request.
 *
 * Each member runs inside its own savepoint: one that throws is rolled back alone and its caller gets
 * the error, while the others commit. A failed COMMIT fails every member, and none of them has
 * written anything. Callers are answered only after the commit, so nothing is acknowledged that
 * could still be lost. A group of one runs as a plain transaction.
 */
export function groupCommit<R>(
  db: Db,
  repositories: (tx: Db) => R,
  /** Told each commit's size (requests in it) and duration, for metrics. */
  observe: TransactionObserver = () => {},
) {
  let queue: Pending<R>[] = [];

  const runGroup = async (group: Pending<R>[]) => {
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    await db.transaction().execute(async (tx) => {
      const repos = repositories(tx);
      for (const member of group) {
        await tx.executeQuery(SAVEPOINT);
        try {
          outcomes.push({ ok: true, value: await member.work(repos) });
        } catch (error) {
          // If SQLite already ended the transaction (I/O error, disk full), this throws and the
          // whole group fails with it.
          await tx.executeQuery(ROLLBACK_TO);
          outcomes.push({ ok: false, error });
        }
        await tx.executeQuery(RELEASE);
      }
    });
    return outcomes;
  };

  const flush = async () => {
    const group = queue.slice(0, GROUP_COMMIT_MAX);
    queue = queue.slice(GROUP_COMMIT_MAX);
    if (queue.length > 0) setImmediate(flush);
    const started = performance.now();
    if (group.length === 1) {
      const [only] = group as [Pending<R>];
      db.transaction()
        .execute((tx) => only.work(repositories(tx)))
        .finally(() => observe(1, (performance.now() - started) / 1000))
        .then(only.resolve, only.reject);
      return;
    }
    try {
      const outcomes = await runGroup(group);
      observe(group.length, (performance.now() - started) / 1000);
      group.forEach((member, i) => {
        const outcome = outcomes[i];
        if (outcome?.ok) member.resolve(outcome.value);
        else member.reject(outcome?.error);
      });
    } catch (error) {
      for (const member of group) member.reject(error);
    }
  };

  return <T>(work: (tx: R) => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      // The first request of a turn schedules the group; the rest of the turn's requests join it.
      if (queue.length === 1) setImmediate(flush);
    });
}
