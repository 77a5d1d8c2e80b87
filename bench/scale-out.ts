import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Pool } from "undici";
import { type LoadOptions, runLoad, type Stats } from "./load.js";
import { withPostgresSchema } from "./postgres-schema.js";
import { type ServerProcess, startServer } from "./server-process.js";
import { finalizer, issueChallengeTokens, newClient, sessionPoster } from "./sessions.js";

/**
 * PostgreSQL scale-out (docs/storage.md, "Running several nodes"): finalize and refresh against 1
 * and then 2 Overture nodes sharing one PostgreSQL, each count on a fresh schema. Requests go to
 * the nodes in turn, as a round-robin load balancer sends them, so a client's consecutive refreshes
 * land on different nodes. Each row counts the CPU of every node, of PostgreSQL and of this load
 * generator, so "refreshes per CPU-second" is the cost of the whole server side.
 */
export async function benchScaleOut(postgresUrl: string, options: LoadOptions): Promise<[string, Stats][]> {
  const rows: [string, Stats][] = [];
  for (const nodes of [1, 2]) {
    await withPostgresSchema(postgresUrl, async (url) => {
      const env = {
        OVERTURE_DATABASE_URL: url,
        OVERTURE_DATA_DIR: mkdtempSync(join(tmpdir(), "overture-bench-scale-")),
        OVERTURE_MASTER_KEY: randomBytes(32).toString("base64url"),
      };
      const servers: ServerProcess[] = [];
      try {
        // One after the other: the first migrates the schema and makes the app.
        for (let i = 0; i < nodes; i++) servers.push(await startServer(env));
        const [first, ...others] = servers as [ServerProcess, ...ServerProcess[]];
        rows.push(...(await measure(first, others, env, options, nodes)));
      } finally {
        await Promise.all(servers.map((s) => s.stop()));
      }
    });
  }
  return rows;
}

async function measure(
  first: ServerProcess,
  others: ServerProcess[],
  env: Record<string, string>,
  options: LoadOptions,
  nodes: number,
): Promise<[string, Stats][]> {
  const all = [first, ...others];
  const load: LoadOptions = {
    ...options,
    ...(first.pid !== undefined && { serverPid: first.pid }),
    otherServerPids: others.flatMap((s) => (s.pid === undefined ? [] : [s.pid])),
    databaseCpu: true,
  };
  const pools = all.map((s) => new Pool(s.base, { connections: options.concurrency, pipelining: 1 }));
  try {
    const posts = all.map((s, i) => sessionPoster(pools[i] as Pool, s.base));
    let turn = 0;
    const post: ReturnType<typeof sessionPoster> = (c, path, body, refresh) =>
      (posts[turn++ % posts.length] as ReturnType<typeof sessionPoster>)(c, path, body, refresh);
    const clients = Array.from({ length: options.concurrency }, newClient);
    const tokens = await issueChallengeTokens(
      first,
      env,
      Number(process.env.BENCH_FINALIZE_TOKENS ?? 60_000),
    );
    const finalizing = finalizer(post, clients, tokens);
    const finalize = await runLoad(load, finalizing.step);
    if (finalizing.ranOut()) console.warn(`finalize ran out of its ${tokens.length} challenge tokens`);
    const refresh = await runLoad(load, (w) => post(clients[w]!, "/v1/session/refresh", null, true));
    const label = `${nodes} node${nodes === 1 ? "" : "s"}, one PostgreSQL`;
    return [
      [`scale-out: finalize, ${label}`, finalize],
      [`scale-out: refresh, ${label}`, refresh],
    ];
  } finally {
    await Promise.all(pools.map((p) => p.close()));
  }
}
