import { sql } from "kysely";
import type { TestServer } from "./test-server.js";

/** Counts rows so a test can show that a rejected request wrote nothing. */
export async function rowCounts(server: Pick<TestServer, "db">) {
  const { db } = server.db.database;
  const count = async (table: "users" | "user_identifiers" | "outbox_events" | "sessions") =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    users: await count("users"),
    identifiers: await count("user_identifiers"),
    events: await count("outbox_events"),
  };
}

/** The number of sessions: rejected session requests must start none. */
export async function sessionCount(server: Pick<TestServer, "db">): Promise<number> {
  const { db } = server.db.database;
  return Number(
    (
      await db
        .selectFrom("sessions")
        .select((eb) => eb.fn.countAll().as("n"))
        .executeTakeFirstOrThrow()
    ).n,
  );
}

/**
 * Rows in every table of the schema (rate limits and replay marks included), for sweeps that must
 * show a rejected request wrote nothing at all.
 */
export async function tableCounts(server: Pick<TestServer, "db">): Promise<Record<string, number>> {
  const { db } = server.db.database;
  const names = [...new Set((await db.introspection.getTables()).map((t) => t.name))]
    .filter((name) => name !== "overture_migrations")
    .sort();
  const counts: Record<string, number> = {};
  for (const name of names) {
    const row = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(name)}`.execute(db);
    counts[name] = Number(row.rows[0]?.n ?? 0);
  }
  return counts;
}
