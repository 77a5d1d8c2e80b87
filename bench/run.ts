/**
 * `npm run bench`: throughput and latency through real HTTP (docs/benchmarks.md).
 *
 * The server runs as its own process from the compiled build (as `npm start` runs it), on a fresh
 * SQLite file and, when a PostgreSQL URL is set, on a fresh PostgreSQL schema. This process is the
 * load generator. Results are printed as a table and written to bench/results/.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { benchEs256 } from "./crypto.js";
import type { LoadOptions, Stats } from "./load.js";
import { benchManagement } from "./management.js";
import { benchMigration } from "./migration.js";
import { benchOAuth, startBenchIdp } from "./oauth.js";
import { benchPasskeys } from "./passkeys.js";
import { withPostgresSchema } from "./postgres-schema.js";
import { benchScaleOut } from "./scale-out.js";
import { startServer } from "./server-process.js";
import { benchSessions } from "./sessions.js";
import { benchStepUp } from "./step-up.js";
import { benchWebhooks } from "./webhooks.js";

const root = fileURLToPath(new URL("../", import.meta.url));
const options: LoadOptions = {
  concurrency: Number(process.env.BENCH_CONCURRENCY ?? 32),
  warmupMs: Number(process.env.BENCH_WARMUP_MS ?? 2_000),
  durationMs: Number(process.env.BENCH_DURATION_MS ?? 10_000),
};
// e.g. BENCH_SCENARIOS=sessions while working on one path; the full run is what gets reported.
const scenarios = new Set(
  (
    process.env.BENCH_SCENARIOS ?? "management,sessions,migration,stepup,webhooks,oauth,passkeys,scaleout"
  ).split(","),
);
const postgresUrl = process.env.OVERTURE_BENCH_POSTGRES_URL ?? process.env.OVERTURE_TEST_POSTGRES_URL;

interface Row extends Stats {
  database: string;
  scenario: string;
}

async function benchDatabase(database: string, storage: Record<string, string>): Promise<Row[]> {
  // One master key shared by the server and this process, which issues challenge tokens.
  // Trusting X-Forwarded-For lets the migration scenario come from many client addresses.
  // Google, for the social login scenario, is a minimal provider in this process (oauth.ts).
  const idp = await startBenchIdp();
  const env = {
    ...storage,
    OVERTURE_MASTER_KEY: randomBytes(32).toString("base64url"),
    OVERTURE_TRUST_PROXY: "loopback",
    OVERTURE_OAUTH_ENDPOINTS: JSON.stringify({ google: idp.url }),
  };
  const server = await startServer(env);
  const withPid = {
    ...options,
    ...(server.pid !== undefined && { serverPid: server.pid }),
    databaseCpu: database === "postgres",
  };
  try {
    const rows: [string, Stats][] = [
      ...(scenarios.has("management") ? await benchManagement(server, withPid) : []),
      ...(scenarios.has("sessions") ? await benchSessions(server, env, withPid) : []),
      ...(scenarios.has("migration") ? await benchMigration(server, withPid) : []),
      ...(scenarios.has("stepup") ? await benchStepUp(server, env, withPid) : []),
      ...(scenarios.has("webhooks") ? await benchWebhooks(server, env, withPid) : []),
      ...(scenarios.has("oauth") ? await benchOAuth(server, withPid) : []),
      ...(scenarios.has("passkeys") ? await benchPasskeys(server, env, withPid) : []),
    ];
    return rows.map(([scenario, stats]) => ({ database, scenario, ...stats }));
  } finally {
    await server.stop();
    await idp.close();
  }
}

async function main() {
  const es256 = benchEs256();
  const rows: Row[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), "overture-bench-"));
  rows.push(...(await benchDatabase("sqlite", { OVERTURE_DATA_DIR: dataDir })));
  if (postgresUrl) {
    rows.push(
      ...(await withPostgresSchema(postgresUrl, (url) =>
        benchDatabase("postgres", {
          OVERTURE_DATABASE_URL: url,
          OVERTURE_DATA_DIR: mkdtempSync(join(tmpdir(), "overture-bench-pg-")),
        }),
      )),
    );
    if (scenarios.has("scaleout")) {
      rows.push(
        ...(await benchScaleOut(postgresUrl, options)).map(([scenario, stats]) => ({
          database: "postgres",
          scenario,
          ...stats,
        })),
      );
    }
  } else {
    console.log(
      "PostgreSQL skipped: set OVERTURE_BENCH_POSTGRES_URL (or OVERTURE_TEST_POSTGRES_URL) to include it.",
    );
  }
  const table = [
    `Overture bench — ${new Date().toISOString()} — Node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? "?"})`,
    `${options.concurrency} clients in flight (each session client with its own DPoP key), ${options.warmupMs / 1000} s warm-up, ${options.durationMs / 1000} s measured; server: compiled build, log level warn`,
    `raw node:crypto ES256 on one core (this process): sign ${es256.sign.toFixed(0)}/s, verify ${es256.verify.toFixed(0)}/s`,
    "",
    "| database | scenario | requests/s | p50 ms | p99 ms | server CPU µs/request | of it, event loop | PostgreSQL CPU µs/request | requests per CPU-second (server + database) | client CPU µs/request | requests | errors |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows.map(
      (r) =>
        `| ${r.database} | ${r.scenario} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.serverCpuUs?.toFixed(0) ?? "–"} | ${r.eventLoopCpuUs?.toFixed(0) ?? "–"} | ${r.databaseCpuUs?.toFixed(0) ?? "–"} | ${r.serverCpuUs ? (1e6 / (r.serverCpuUs + (r.databaseCpuUs ?? 0))).toFixed(0) : "–"} | ${r.clientCpuUs.toFixed(0)} | ${r.requests} | ${r.errors} |`,
    ),
  ].join("\n");
  console.log(`\n${table}\n`);
  const dir = join(root, "bench/results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "latest.md"), `${table}\n`);
  writeFileSync(join(dir, "latest.json"), `${JSON.stringify({ options, es256, rows }, null, 2)}\n`);
  console.log("Written to bench/results/latest.md and latest.json.");
  if (rows.some((r) => r.errors > 0)) process.exitCode = 1;
}

await main();
