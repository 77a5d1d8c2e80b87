/**
 * `npm run bench:ab`: refresh throughput of two server variants, measured in alternating short
 * slices so that a shared machine's drifting speed hits both alike (docs/benchmarks.md).
 *
 * BENCH_AB_A / BENCH_AB_B: space-separated VAR=value settings for each side's server;
 * BENCH_AB_A_ROOT / BENCH_AB_B_ROOT: another checkout (built) to run a side's server from.
 * Each side gets its own SQLite file, grown first by BENCH_AB_FILL_MS of finalize load.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Pool } from "undici";
import { runLoad, type Stats } from "./load.js";
import { type ServerProcess, startServer } from "./server-process.js";
import { type Client, finalizer, issueChallengeTokens, newClient, sessionPoster } from "./sessions.js";

const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 32);
const sliceMs = Number(process.env.BENCH_AB_SLICE_MS ?? 1_500);
const rounds = Number(process.env.BENCH_AB_ROUNDS ?? 20);
const fillMs = Number(process.env.BENCH_AB_FILL_MS ?? 15_000);

interface Side {
  name: string;
  settings: string;
  server: ServerProcess;
  refresh: (w: number) => Promise<boolean>;
  slices: Stats[];
  close: () => Promise<void>;
}

function parseSettings(value: string): Record<string, string> {
  return Object.fromEntries(
    value
      .split(" ")
      .filter(Boolean)
      .map((kv) => {
        const at = kv.indexOf("=");
        if (at < 1) throw new Error(`BENCH_AB_A/B: "${kv}" is not VAR=value`);
        return [kv.slice(0, at), kv.slice(at + 1)];
      }),
  );
}

async function openSide(name: string): Promise<Side> {
  const settings = process.env[`BENCH_AB_${name}`] ?? "";
  const serverRoot = process.env[`BENCH_AB_${name}_ROOT`];
  const env = {
    OVERTURE_DATA_DIR: mkdtempSync(join(tmpdir(), `overture-ab-${name}-`)),
    OVERTURE_MASTER_KEY: randomBytes(32).toString("base64url"),
    ...parseSettings(settings),
  };
  const server = await startServer(env, serverRoot);
  // Roughly what the fill can spend at up to 4,000 finalizes a second.
  const tokens = await issueChallengeTokens(server, env, Math.ceil(fillMs * 4) + concurrency);
  const pool = new Pool(server.base, { connections: concurrency, pipelining: 1 });
  const post = sessionPoster(pool, server.base);
  const clients: Client[] = Array.from({ length: concurrency }, newClient);
  // Grow the database as a full bench run would have, then leave each client with a session.
  const finalizing = finalizer(post, clients, tokens);
  await runLoad({ concurrency, warmupMs: 0, durationMs: fillMs }, finalizing.step);
  for (let w = 0; w < concurrency; w++) {
    if (!(await finalizing.step(w))) throw new Error("finalize failed");
  }
  return {
    name,
    settings: [serverRoot && `(server from ${serverRoot})`, settings].filter(Boolean).join(" "),
    server,
    refresh: (w) => post(clients[w]!, "/v1/session/refresh", null, true),
    slices: [],
    close: async () => {
      await pool.close();
      await server.stop();
    },
  };
}

function sum(slices: Stats[]) {
  const requests = slices.reduce((n, s) => n + s.requests, 0);
  const weighted = (f: (s: Stats) => number | null) =>
    slices.reduce((n, s) => n + (f(s) ?? Number.NaN) * s.requests, 0) / requests;
  return {
    requests,
    errors: slices.reduce((n, s) => n + s.errors, 0),
    rps: (requests / (slices.length * sliceMs)) * 1000,
    server: weighted((s) => s.serverCpuUs),
    eventLoop: weighted((s) => s.eventLoopCpuUs),
    client: weighted((s) => s.clientCpuUs),
  };
}

async function main() {
  const sides = [await openSide("A"), await openSide("B")];
  try {
    for (let round = 0; round < rounds; round++) {
      // Alternate which side goes first, so neither always follows the other's warm caches.
      for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
        const options = {
          concurrency,
          warmupMs: 300,
          durationMs: sliceMs,
          ...(side.server.pid !== undefined && { serverPid: side.server.pid }),
        };
        side.slices.push(await runLoad(options, side.refresh));
      }
    }
    console.log(`refresh, ${rounds} alternating slices of ${sliceMs} ms per side, ${concurrency} clients`);
    console.log("| side | settings | requests/s | server CPU µs | event loop µs | client CPU µs | errors |");
    console.log("|---|---|---:|---:|---:|---:|---:|");
    for (const side of sides) {
      const s = sum(side.slices);
      console.log(
        `| ${side.name} | ${side.settings || "(default)"} | ${s.rps.toFixed(0)} | ${s.server.toFixed(0)} | ${s.eventLoop.toFixed(0)} | ${s.client.toFixed(0)} | ${s.errors} |`,
      );
    }
    const [a, b] = sides.map((s) => s.slices.map((x) => x.rps));
    const wins = a!.filter((rps, i) => (b![i] ?? 0) > rps).length;
    console.log(`B faster than A in ${wins} of ${rounds} rounds`);
  } finally {
    for (const side of sides) await side.close();
  }
}

await main();
