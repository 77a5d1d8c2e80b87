import { closeSync, mkdirSync, openSync } from "node:fs";
import { dirname, resolve } from "node:path";
import SQLite from "better-sqlite3";
import { CompiledQuery, type Driver, Kysely, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import type { DatabaseSchema } from "./database-schema.js";
import { namedStatementClient } from "./named-statements.js";
import { startWalCheckpointer } from "./wal-checkpointer.js";

export type DialectName = "sqlite" | "postgres";

export type DatabaseTarget = { dialect: "sqlite"; file: string } | { dialect: "postgres"; url: string };

export interface Database {
  readonly db: Kysely<DatabaseSchema>;
  readonly dialect: DialectName;
  /** Where the data lives, with any password removed; safe to log. */
  readonly description: string;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** PostgreSQL pool size per node. */
  poolSize?: number;
  /** SQLite busy timeout: how long a writer waits for another process's write lock. */
  busyTimeoutMs?: number;
  /** SQLite page cache per connection, MiB (docs/storage.md explains the default). */
  sqliteCacheMib?: number;
  /** SQLite memory-mapped reads, MiB of the file; 0 reads with pread only. */
  sqliteMmapMib?: number;
  /** SQLite: checkpoint the WAL on a thread of its own (the default); false leaves it to SQLite. */
  walCheckpointer?: boolean;
  /** Told what failed in a checkpoint other than a busy database. */
  onCheckpointError?: (message: string) => void;
}

export const SQLITE_CACHE_MIB_DEFAULT = 8;
export const SQLITE_MMAP_MIB_DEFAULT = 256;
/** WAL pages after which a commit checkpoints by itself: only if the checkpoint thread stopped. */
const WAL_AUTOCHECKPOINT_BACKSTOP = 100_000;

/** `postgres://` / `postgresql://` URLs go to PostgreSQL; a `sqlite:` URL or a plain path to SQLite. */
export function parseDatabaseUrl(value: string): DatabaseTarget | { error: string } {
  if (/^postgres(ql)?:\/\//i.test(value)) {
    try {
      new URL(value);
    } catch {
      return { error: "is not a valid postgres:// URL" };
    }
    return { dialect: "postgres", url: value };
  }
  if (/^sqlite:/i.test(value)) {
    const file = value.replace(/^sqlite:(\/\/)?/i, "");
    return file ? { dialect: "sqlite", file } : { error: "names no SQLite file" };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    return { error: "must be a postgres:// URL, a sqlite: URL or a file path" };
  }
  return { dialect: "sqlite", file: value };
}

export function openDatabase(target: DatabaseTarget, options: OpenDatabaseOptions = {}): Database {
  if (target.dialect === "sqlite") {
    if (target.file !== ":memory:") createPrivateFile(target.file);
    const sqlite = new SQLite(target.file);
    sqlite.pragma("journal_mode = WAL");
    // NORMAL is durable across application crashes in WAL mode; only an OS crash can lose the
    // last commits, the trade SQLite documents for WAL.
    sqlite.pragma("synchronous = NORMAL");
    sqlite.pragma("foreign_keys = ON");
    // Checkpoints run on a thread of their own (wal-checkpointer.ts), never in a commit on the event
    // loop. The automatic one stays as a backstop, far off, should that thread ever stop.
    const ownCheckpoints = target.file !== ":memory:" && options.walCheckpointer !== false;
    sqlite.pragma(`wal_autocheckpoint = ${ownCheckpoints ? WAL_AUTOCHECKPOINT_BACKSTOP : 10_000}`);
    // A small page cache, with reads the cache misses served from the memory map: while the file is
    // under 1 GiB, a commit after a B-tree rebalance scans the whole page cache (SQLite parks a page
    // at the lock-byte page number, then truncates the cache), so its cost grows with the cache.
    // 64 MiB made refresh ~10% slower than 8 MiB (docs/benchmarks.md).
    sqlite.pragma(`cache_size = ${-1024 * (options.sqliteCacheMib ?? SQLITE_CACHE_MIB_DEFAULT)}`);
    sqlite.pragma(`mmap_size = ${1024 * 1024 * (options.sqliteMmapMib ?? SQLITE_MMAP_MIB_DEFAULT)}`);
    sqlite.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    const db = new Kysely<DatabaseSchema>({
      dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite) }),
    });
    const description = `sqlite:${target.file === ":memory:" ? target.file : resolve(target.file)}`;
    const checkpointer = ownCheckpoints ? startWalCheckpointer(target.file, options.onCheckpointError) : null;
    return {
      db,
      dialect: "sqlite",
      description,
      close: async () => {
        await checkpointer?.stop();
        await db.destroy();
      },
    };
  }
  const pool = new pg.Pool({
    connectionString: target.url,
    max: options.poolSize ?? 10,
    Client: namedStatementClient(),
    // BIGINT epoch milliseconds fit a JS number exactly; parse them as numbers on this pool only.
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === pg.types.builtins.INT8
          ? (v: string) => Number(v)
          : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
    },
  });
  const db = new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: "postgres", description: redactUrl(target.url), close: () => db.destroy() };
}

/**
 * The database holds every hash, sealed secret and session of the installation: a directory this
 * creates is 0700 and a new file 0600, whatever the umask. SQLite gives the `-wal` and `-shm` files
 * the database file's mode. An existing file or directory keeps the mode its owner chose.
 */
function createPrivateFile(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  try {
    closeSync(openSync(file, "wx", 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
}

/**
 * Write transactions BEGIN IMMEDIATE: they take SQLite's write lock up front and wait for it (busy
 * timeout) instead of starting as readers and failing with SQLITE_BUSY when another process wrote
 * first — what several server processes on one file (OVERTURE_WORKERS) would otherwise hit.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  override createDriver(): Driver {
    const driver = super.createDriver();
    driver.beginTransaction = async (connection) => {
      await connection.executeQuery(CompiledQuery.raw("begin immediate"));
    };
    return driver;
  }
}

/**
 * Kysely's SQLite driver prepares every query anew; preparing was 16% of server CPU under load.
 * Statements are reusable in better-sqlite3 (it is synchronous, so one statement is never in use
 * twice at once), so they are cached by SQL text. The queries are built from a fixed set of shapes,
 * but the cache is bounded anyway.
 */
function withStatementCache(sqlite: SQLite.Database, max = 500) {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare: (sql: string) => {
      let statement = cache.get(sql);
      if (!statement) {
        statement = sqlite.prepare(sql);
        if (cache.size >= max) cache.delete(cache.keys().next().value as string);
        cache.set(sql, statement);
      }
      return statement;
    },
  };
}

function redactUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = "***";
  return u.toString();
}
