/**
 * `npm run bench`: Management API throughput and latency through real HTTP.
 *
 * The server runs as its own process from the compiled build (as `npm start` runs it), on a fresh
 * SQLite file and, when a PostgreSQL URL is set, on a fresh PostgreSQL schema. This process is the
 * load generator: keep-alive connections, a fixed number of requests in flight, a warm-up that is
 * not measured. Results are printed as a table and written to bench/results/.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { Pool } from "undici";

const root = fileURLToPath(new URL("../", import.meta.url));
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 10_000);
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 2_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const postgresUrl = process.env.OVERTURE_BENCH_POSTGRES_URL ?? process.env.OVERTURE_TEST_POSTGRES_URL;

interface Row {
  database: string;
  scenario: string;
  requests: number;
  errors: number;
  rps: number;
  p50: number;
  p99: number;
}

interface Server {
  base: string;
  appId: string;
  apiKey: string;
  stop(): Promise<void>;
}

function startServer(env: Record<string, string>): Promise<Server> {
  const child = spawn(process.execPath, [join(root, "packages/server/dist/cli.js"), "serve"], {
    env: { ...process.env, OVERTURE_PORT: "0", OVERTURE_LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  return new Promise((resolve, reject) => {
    child.on("close", (code) => reject(new Error(`server exited (${code}):\n${out}`)));
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const base = /listening on (\S+)/.exec(out)?.[1];
      const appId = /App ID:\s+(\S+)/.exec(out)?.[1];
      const apiKey = /API key:\s+(ovk_\S+)/.exec(out)?.[1];
      if (base && appId && apiKey) {
        resolve({
          base,
          appId,
          apiKey,
          stop: () =>
            new Promise((done) => {
              child.removeAllListeners("close");
              child.once("close", () => done());
              child.kill("SIGTERM");
            }),
        });
      }
    });
  });
}

type MakeRequest = (i: number) => { method: "GET" | "POST"; path: string; body?: string; expect: number };

async function measure(pool: Pool, headers: Record<string, string>, make: MakeRequest) {
  let i = 0;
  let errors = 0;
  const latencies: number[] = [];
  let measuring = false;
  let stop = false;
  const worker = async () => {
    while (!stop) {
      const req = make(i++);
      const start = process.hrtime.bigint();
      try {
        const res = await pool.request({
          method: req.method,
          path: req.path,
          headers,
          body: req.body ?? null,
        });
        await res.body.dump();
        if (res.statusCode !== req.expect) errors++;
      } catch {
        errors++;
      }
      if (measuring) latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  };
  const workers = Array.from({ length: CONCURRENCY }, worker);
  await sleep(WARMUP_MS);
  measuring = true;
  errors = 0;
  const started = performance.now();
  await sleep(DURATION_MS);
  measuring = false;
  const elapsed = performance.now() - started;
  stop = true;
  await Promise.all(workers);
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? NaN;
  return {
    requests: latencies.length,
    errors,
    rps: (latencies.length / elapsed) * 1000,
    p50: pct(0.5),
    p99: pct(0.99),
  };
}

async function benchDatabase(name: string, env: Record<string, string>): Promise<Row[]> {
  const server = await startServer(env);
  const pool = new Pool(server.base, { connections: CONCURRENCY, pipelining: 1 });
  const headers = { authorization: `Bearer ${server.apiKey}`, "content-type": "application/json" };
  const prefix = `/v2/session/apps/${server.appId}`;
  const run = randomBytes(3).toString("hex");
  const rows: Row[] = [];
  try {
    let created = 0;
    const create = await measure(pool, headers, (i) => {
      created = i + 1;
      return {
        method: "POST",
        path: `${prefix}/users`,
        body: JSON.stringify({
          external_id: `bench-${run}-${i}`,
          identifiers: [{ type: "email_address", value: `bench-${run}-${i}@example.com` }],
          profile: { first_name: "Bench", n: i },
        }),
        expect: 201,
      };
    });
    rows.push({ database: name, scenario: "create user (POST /users)", ...create });
    const lookup = await measure(pool, headers, (i) => ({
      method: "GET",
      path: `${prefix}/users?external_id=bench-${run}-${(i * 7919) % created}`,
      expect: 200,
    }));
    rows.push({ database: name, scenario: "get by external_id (GET /users?external_id=)", ...lookup });
  } finally {
    await pool.close();
    await server.stop();
  }
  return rows;
}

async function main() {
  const rows: Row[] = [];
  rows.push(
    ...(await benchDatabase("sqlite", { OVERTURE_DATA_DIR: mkdtempSync(join(tmpdir(), "overture-bench-")) })),
  );
  if (postgresUrl) {
    const schema = `bench_${randomBytes(4).toString("hex")}`;
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    try {
      const url = new URL(postgresUrl);
      url.searchParams.set("options", `-c search_path=${schema}`);
      rows.push(...(await benchDatabase("postgres", { OVERTURE_DATABASE_URL: url.toString() })));
    } finally {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    }
  } else {
    console.log(
      "PostgreSQL skipped: set OVERTURE_BENCH_POSTGRES_URL (or OVERTURE_TEST_POSTGRES_URL) to include it.",
    );
  }
  const table = [
    `Overture bench — ${new Date().toISOString()} — Node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? "?"})`,
    `${CONCURRENCY} requests in flight, ${WARMUP_MS / 1000} s warm-up, ${DURATION_MS / 1000} s measured; server: compiled build, log level warn`,
    "",
    "| database | scenario | requests/s | p50 ms | p99 ms | requests | errors |",
    "|---|---|---:|---:|---:|---:|---:|",
    ...rows.map(
      (r) =>
        `| ${r.database} | ${r.scenario} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.requests} | ${r.errors} |`,
    ),
  ].join("\n");
  console.log(`\n${table}\n`);
  const dir = join(root, "bench/results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "latest.md"), `${table}\n`);
  writeFileSync(join(dir, "latest.json"), `${JSON.stringify({ rows, concurrency: CONCURRENCY }, null, 2)}\n`);
  console.log(`Written to bench/results/latest.md and latest.json.`);
  if (rows.some((r) => r.errors > 0)) process.exitCode = 1;
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

await main();
