import pg from "pg";

/** Distinct statements named, at most; further ones run unnamed (parsed and planned each time). */
const NAMED_MAX = 2_000;
/** Longer texts are one-offs (a bulk insert's many rows): not worth a name on every connection. */
const TEXT_MAX = 8_192;

/**
 * A pg Client that runs every parameterised statement as a named prepared statement: PostgreSQL
 * parses and plans it once per connection, then binds and executes it (node-postgres sends the
 * Parse only the first time a connection sees the name). Kysely sends fixed SQL shapes with bound
 * values (prepared-query.ts compiles the hot ones once), so the set of texts is small. Parsing and
 * planning was a large part of PostgreSQL's CPU per refresh (docs/benchmarks.md).
 *
 * Names are per pool (`names`), shared by its connections. Statements without parameters
 * (`begin`, `commit`, migrations' DDL) run as simple queries, as before.
 */
export function namedStatementClient(names = new Map<string, string>()): typeof pg.Client {
  // Never reused, so a name always means one text on every connection.
  let issued = 0;
  return class NamedStatementClient extends pg.Client {
    // biome-ignore lint/suspicious/noExplicitAny: pg's query() has many overloads; this forwards them.
    override query(config: any, values?: any, callback?: any): any {
      if (
        typeof config === "string" &&
        Array.isArray(values) &&
        values.length > 0 &&
        config.length <= TEXT_MAX
      ) {
        let name = names.get(config);
        if (name === undefined && names.size < NAMED_MAX) {
          name = `ovt_${(issued++).toString(36)}`;
          names.set(config, name);
        }
        if (name !== undefined && callback === undefined) {
          const named: Promise<unknown> = super.query({ name, text: config, values });
          return named.catch((error: { code?: string }) => {
            // A node still running after another migrated a table it reads with `select *`: the
            // prepared plan's columns no longer match. The statement gets a new name, prepared
            // afresh on each connection's next use; this one call fails (inside a transaction
            // PostgreSQL has aborted it), so it is not retried here.
            if (error.code === "0A000" && names.get(config) === name) names.delete(config);
            throw error;
          });
        }
      }
      return super.query(config, values, callback);
    }
  } as unknown as typeof pg.Client;
}
