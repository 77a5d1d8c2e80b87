import { loadMigrations, pendingMigrations, pingDatabase } from "./storage/migrate.js";
import type { Database } from "./storage/open-database.js";

/** What `/readyz` reports (docs/operations.md). */
export interface Readiness {
  ready: boolean;
  checks: {
    /** `unknown` once draining: a stopping process does not ask. */
    database: "ok" | "unreachable" | "unknown";
    /** `pending` names migrations this build needs that the database has not applied. */
    migrations: "current" | "pending" | "unknown";
    draining: boolean;
  };
}

export interface Probes {
  /** Whether this process should get traffic: database reachable, schema current, not stopping. */
  readiness(): Promise<Readiness>;
  /** From now on the process is not ready: it is stopping (SIGTERM). */
  startDraining(): void;
  /** Whether it is stopping: answers then close their connections. */
  isDraining(): boolean;
}

/** The database must answer a trivial query within this long for the process to be ready. */
const PING_TIMEOUT_MS = 2_000;

/**
 * The readiness probe of one process over its database: one `SELECT 1` and one read of the
 * applied migrations per call, so a load balancer may ask every second. Once draining, it answers
 * not ready without touching the database.
 */
export function createProbes(database: Database): Probes {
  const known = loadMigrations(database.dialect).map((m) => m.name);
  let draining = false;
  return {
    startDraining() {
      draining = true;
    },
    isDraining: () => draining,
    async readiness() {
      if (draining) return { ready: false, checks: { database: "unknown", migrations: "unknown", draining } };
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("database ping timed out")), PING_TIMEOUT_MS);
      });
      try {
        await Promise.race([pingDatabase(database), timeout]);
        const pending = await Promise.race([pendingMigrations(database, known), timeout]);
        const migrations = pending.length === 0 ? "current" : "pending";
        return { ready: migrations === "current", checks: { database: "ok", migrations, draining } };
      } catch {
        return { ready: false, checks: { database: "unreachable", migrations: "unknown", draining } };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
