import { type Compilable, CompiledQuery, type Kysely, type QueryResult } from "kysely";
import type { DatabaseSchema } from "./database-schema.js";

type Db = Kysely<DatabaseSchema>;

interface Compiled {
  base: CompiledQuery;
  /** Per parameter: the name of the value to put there, or a constant the builder wrote. */
  slots: ({ name: string } | { constant: unknown })[];
}

const PREFIX = "\u0000overture-param:";

/**
 * A query of fixed shape run with new values: built and compiled once per dialect, then executed as
 * SQL text with parameters. Kysely rebuilds and recompiles every query (immutable node trees,
 * frozen objects), which was the largest cost in the query layer on the session paths
 * (docs/benchmarks.md). The builder gets placeholders instead of values; a placeholder may stand
 * only where Kysely emits a bound parameter (a compared, inserted or assigned value), which the
 * first compilation checks. Rows come back as the dialect driver returns them.
 */
export function preparedQuery<K extends string, R>(
  names: readonly K[],
  build: (db: Db, values: Record<K, never>) => Compilable<R>,
): (db: Db, values: Record<K, unknown>) => Promise<QueryResult<R>> {
  const byAdapter = new WeakMap<object, Compiled>();
  const placeholders = Object.fromEntries(names.map((n) => [n, `${PREFIX}${n}`])) as Record<K, never>;

  const compile = (db: Db): Compiled => {
    const compiled = build(db, placeholders).compile();
    const slots = compiled.parameters.map((p) =>
      typeof p === "string" && p.startsWith(PREFIX) ? { name: p.slice(PREFIX.length) } : { constant: p },
    );
    const used = new Set(slots.flatMap((s) => ("name" in s ? [s.name] : [])));
    const stray = names.filter((n) => !used.has(n));
    if (stray.length > 0 || compiled.sql.includes(PREFIX)) {
      throw new Error(`prepared query: ${stray.join(", ") || "a value"} is not a bound parameter`);
    }
    return { base: CompiledQuery.raw(compiled.sql), slots };
  };

  return (db, values) => {
    // Transactions share their database's adapter, so one compilation serves both.
    const adapter = db.getExecutor().adapter;
    let compiled = byAdapter.get(adapter);
    if (!compiled) {
      compiled = compile(db);
      byAdapter.set(adapter, compiled);
    }
    const parameters = compiled.slots.map((s) => ("name" in s ? values[s.name as K] : s.constant));
    return db.executeQuery<R>({ ...compiled.base, parameters });
  };
}
