import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { sql } from "kysely";
import type { Database } from "./open-database.js";
import { uniqueViolationIndex } from "./unique-violation.js";

const migrationsDir = fileURLToPath(new URL("../../migrations/", import.meta.url));

export interface Migration {
  name: string;
  statements: string[];
}

/**
 * Plain-SQL migrations from packages/server/migrations, applied in file-name order. A file
 * `N_x.sqlite.sql` replaces `N_x.sql` on SQLite where the dialects differ.
 */
export function loadMigrations(dialect: Database["dialect"]): Migration[] {
  const files = readdirSync(migrationsDir).filter((f) => f.endsWith(".sql"));
  const byName = new Map<string, string>();
  for (const file of files.sort()) {
    const isSqliteTwin = file.endsWith(".sqlite.sql");
    const name = file.replace(/(\.sqlite)?\.sql$/, "");
    if (isSqliteTwin && dialect !== "sqlite") continue;
    if (!isSqliteTwin && byName.has(name)) continue;
    byName.set(name, file);
  }
  return [...byName.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, file]) => ({
      name,
      statements: splitStatements(readFileSync(migrationsDir + file, "utf8")),
    }));
}

function splitStatements(text: string): string[] {
  const withoutComments = text
    .split("\n")
    .filter((line) => !line.trimStart().startsWith("--"))
    .join("\n");
  return withoutComments
    .split(/;\s*$/m)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** A trivial round trip: the database answers. Throws when it does not. */
export async function pingDatabase(database: Database): Promise<void> {
  await sql`SELECT 1`.execute(database.db);
}

/**
 * The migrations this build knows that the database has not applied (empty: the schema is
 * current). A database migrated by a newer release has no pending ones here.
 */
export async function pendingMigrations(database: Database, known: readonly string[]): Promise<string[]> {
  const applied = new Set(
    (await database.db.selectFrom("overture_migrations").select("name").execute()).map((r) => r.name),
  );
  return known.filter((name) => !applied.has(name));
}

/**
 * Applies pending migrations; returns the names applied. Safe when several nodes start at once
 * without advisory locks: each migration first claims its row in overture_migrations inside its own
 * transaction, so a second node blocks on that row and then skips the migration.
 */
export async function migrate(database: Database, now: () => number = Date.now): Promise<string[]> {
  const { db } = database;
  try {
    await sql`CREATE TABLE IF NOT EXISTS overture_migrations (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)`.execute(
      db,
    );
  } catch (error) {
    // PostgreSQL's IF NOT EXISTS is not race-safe: a node starting at the same instant can lose
    // with a duplicate-type or duplicate-table error although the table now exists. That is fine.
    const code = (error as { code?: string }).code;
    if (code !== "23505" && code !== "42P07") throw error;
  }
  const applied = new Set(
    (await db.selectFrom("overture_migrations").select("name").execute()).map((r) => r.name),
  );
  const done: string[] = [];
  for (const migration of loadMigrations(database.dialect)) {
    if (applied.has(migration.name)) continue;
    try {
      await db.transaction().execute(async (tx) => {
        await tx
          .insertInto("overture_migrations")
          .values({ name: migration.name, applied_at: now() })
          .execute();
        for (const statement of migration.statements) await sql.raw(statement).execute(tx);
      });
      done.push(migration.name);
    } catch (error) {
      if (uniqueViolationIndex(error) === "overture_migrations_pkey") continue;
      throw new Error(`migration ${migration.name} failed: ${(error as Error).message}`, { cause: error });
    }
  }
  return done;
}
