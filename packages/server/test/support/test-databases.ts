import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { describe, it } from "vitest";
import { migrate } from "../../src/storage/migrate.js";
import { type Database, type DialectName, openDatabase } from "../../src/storage/open-database.js";

export const POSTGRES_URL_VARIABLE = "OVERTURE_TEST_POSTGRES_URL";

export function postgresUrl(): string | undefined {
  return process.env[POSTGRES_URL_VARIABLE] || undefined;
}

/** The dialects this run covers: SQLite always, PostgreSQL when a test URL is set. */
export function testDialects(): DialectName[] {
  return postgresUrl() ? ["sqlite", "postgres"] : ["sqlite"];
}

/**
 * Declares `suite` once per dialect. Without a PostgreSQL URL the PostgreSQL copy is declared as
 * skipped, under a title that says how to run it, so the gap shows in every report.
 */
export function describeEachDatabase(title: string, suite: (dialect: DialectName) => void): void {
  for (const dialect of testDialects()) describe(`${title} [${dialect}]`, () => suite(dialect));
  if (!postgresUrl()) {
    describe.skip(`${title} [postgres] (skipped: set ${POSTGRES_URL_VARIABLE} to run)`, () => {
      it("runs on PostgreSQL", () => {});
    });
  }
}

export interface TestDatabase {
  database: Database;
  /** OVERTURE_DATABASE_URL pointing at this same database, for child processes. */
  url: string;
  /** Opens another connection to the same data (a second "node"). */
  reopen(): Database;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database: a new SQLite file, or a new PostgreSQL schema, so test files running
 * in parallel never see each other's rows.
 */
export async function createTestDatabase(dialect: DialectName, options: { migrate?: boolean } = {}) {
  let reopen: () => Database;
  let cleanup: () => Promise<void>;
  let url: string;
  if (dialect === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "overture-test-"));
    const file = join(dir, "test.db");
    url = `sqlite:${file}`;
    reopen = () => openDatabase({ dialect: "sqlite", file });
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const base = postgresUrl();
    if (!base) throw new Error(`${POSTGRES_URL_VARIABLE} is not set`);
    const schema = `t_${randomBytes(6).toString("hex")}`;
    const admin = openDatabase({ dialect: "postgres", url: base }, { poolSize: 1 });
    await sql.raw(`CREATE SCHEMA ${schema}`).execute(admin.db);
    await admin.close();
    const withSchema = new URL(base);
    withSchema.searchParams.set("options", `-c search_path=${schema}`);
    url = withSchema.toString();
    reopen = () => openDatabase({ dialect: "postgres", url }, { poolSize: 5 });
    cleanup = async () => {
      const drop = openDatabase({ dialect: "postgres", url: base }, { poolSize: 1 });
      await sql.raw(`DROP SCHEMA ${schema} CASCADE`).execute(drop.db);
      await drop.close();
    };
  }
  const database = reopen();
  if (options.migrate !== false) await migrate(database);
  const handle: TestDatabase = {
    database,
    url,
    reopen,
    drop: async () => {
      await database.close();
      await cleanup();
    },
  };
  return handle;
}
