import { generateKeyPairSync, type KeyObject, randomUUID, sign } from "node:crypto";
import { Pool } from "undici";
import { loadConfig } from "../packages/server/src/config/load-config.js";
import {
  createClaimsConfig,
  deleteClaimsConfig,
} from "../packages/server/src/domain/claims/claims-config.js";
import { createUser } from "../packages/server/src/domain/identity/create-user.js";
import { addAllowedScope } from "../packages/server/src/domain/scopes/allowed-scopes.js";
import { createGroup } from "../packages/server/src/domain/scopes/groups.js";
import { addUserToGroup, grantUserScope } from "../packages/server/src/domain/scopes/user-grants.js";
import { issueChallengeToken } from "../packages/server/src/domain/sessions/challenge-token.js";
import { openRuntime, type Runtime } from "../packages/server/src/runtime.js";
import { type LoadOptions, runLoad, type Stats } from "./load.js";
import type { ServerProcess } from "./server-process.js";

export interface Client {
  key: KeyObject;
  header: string;
  nonce: string;
  refreshToken: string;
  /** The body of the last successful answer, to check what a scenario got. */
  lastBody?: string;
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

export function newClient(): Client {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const { kty, crv, x, y } = publicKey.export({ format: "jwk" });
  return {
    key: privateKey,
    header: b64({ typ: "dpop+jwt", alg: "ES256", jwk: { kty, crv, x, y } }),
    nonce: "",
    refreshToken: "",
  };
}

/**
 * A DPoP proof as the web SDK makes one: a fresh jti, the last nonce, the exact URL. With
 * `challengeJti`, the challenge flavour (client-protocol.md §2.3): that jti and no nonce.
 */
export function proof(c: Client, url: string, challengeJti?: string): string {
  const payload = b64({
    jti: challengeJti ?? randomUUID(),
    htm: "POST",
    htu: url,
    iat: Math.floor(Date.now() / 1000),
    ...(c.nonce && challengeJti === undefined && { nonce: c.nonce }),
  });
  const input = `${c.header}.${payload}`;
  return `${input}.${sign("sha256", Buffer.from(input), { key: c.key, dsaEncoding: "ieee-p1363" }).toString("base64url")}`;
}

type Post = (c: Client, path: string, body: string | null, refresh: boolean) => Promise<boolean>;

/**
 * Challenge tokens for `count` finalizes, issued by this process with the server's own code and keys
 * (same database, same master key), spread over 100 new users.
 */
export async function issueChallengeTokens(
  server: ServerProcess,
  env: Record<string, string>,
  count: number,
): Promise<string[]> {
  const runtime = await openRuntime(loadConfig({ ...process.env, ...env }));
  try {
    const app = await runtime.domain.store.apps.get(server.appId);
    if (!app) throw new Error("bench app not found");
    const users: string[] = [];
    for (let i = 0; i < 100; i++) {
      const created = await createUser(runtime.domain, app.id, {});
      if (created.ok) users.push(created.user.id);
    }
    const tokens: string[] = [];
    for (let i = 0; i < count; i++) {
      tokens.push(
        await issueChallengeToken(
          runtime.domain.keys,
          app,
          server.base,
          { userId: users[i % users.length]!, method: "password" },
          Date.now(),
        ),
      );
    }
    return tokens;
  } finally {
    await runtime.database.close();
  }
}

/** A POST as the web SDK sends it: a DPoP proof, the refresh token; it keeps nonce and token. */
export function sessionPoster(pool: Pool, base: string): Post {
  return async (c, path, body, refresh) => {
    const url = `${base}${path}`;
    for (let attempt = 0; attempt < 2; attempt++) {
      const res = await pool.request({
        method: "POST",
        path,
        headers: {
          "content-type": "application/json",
          dpop: proof(c, url),
          ...(refresh && { "x-refresh-token": c.refreshToken }),
        },
        body,
      });
      const text = await res.body.text();
      const nonce = res.headers["dpop-nonce"];
      if (typeof nonce === "string") c.nonce = nonce;
      const token = res.headers["x-refresh-token"];
      if (typeof token === "string") c.refreshToken = token;
      if (res.statusCode === 400 && text.includes("use_dpop_nonce")) continue;
      if (res.statusCode === 200) c.lastBody = text;
      return res.statusCode === 200;
    }
    return false;
  };
}

/** One finalize per call, each with the next pre-issued challenge token. */
export function finalizer(post: Post, clients: Client[], tokens: string[]) {
  let next = 0;
  return {
    step: (w: number) => {
      const token = tokens[next++];
      if (!token) return Promise.resolve(false);
      return post(
        clients[w]!,
        "/v1/session/login/finalize",
        JSON.stringify({ challenge_token: token }),
        false,
      );
    },
    ranOut: () => next > tokens.length,
  };
}

/**
 * What "refresh with a claims mapping and 3 groups" mints from: a mapping that reads built-in
 * inputs (identifiers among them), a profile field and the request, and users in three groups
 * with a scope of their own.
 */
export const BENCH_MAPPING = {
  api_version: 2,
  uid: { $input: "user_id", $type: "string" },
  email: { $input: "email", $type: "string" },
  groups: { $input: "groups", $type: "string[]" },
  tier: { $custom_claim: "tier" },
  context: { ip: { $input: "ip", $type: "string" }, locale: { $input: "locale", $type: "string" } },
};

async function withRuntime<T>(env: Record<string, string>, work: (runtime: Runtime) => Promise<T>) {
  const runtime = await openRuntime(loadConfig({ ...process.env, ...env }));
  try {
    return await work(runtime);
  } finally {
    await runtime.database.close();
  }
}

/** Sets the app up with 3 groups and BENCH_MAPPING; challenge tokens for `count` users in them. */
async function issueMappedChallengeTokens(
  server: ServerProcess,
  env: Record<string, string>,
  count: number,
): Promise<string[]> {
  return withRuntime(env, async ({ domain }) => {
    const app = await domain.store.apps.get(server.appId);
    if (!app) throw new Error("bench app not found");
    const groups: Record<string, string[]> = {
      readers: ["reports:read"],
      writers: ["reports:write", "audit:read"],
      billing: ["billing:read"],
    };
    for (const scope of Object.values(groups).flat()) await addAllowedScope(domain, app.id, scope);
    for (const [name, scopes] of Object.entries(groups)) await createGroup(domain, app.id, { name, scopes });
    const mapped = await createClaimsConfig(domain, app.id, BENCH_MAPPING);
    if (!mapped.ok) throw new Error(`bench mapping refused: ${mapped.message}`);
    const users: string[] = [];
    for (let i = 0; i < 100; i++) {
      const created = await createUser(domain, app.id, {
        identifiers: [{ type: "email_address", value: `mapped-${randomUUID()}@example.com` }],
        profile: { tier: "gold", plan: { name: "pro", seats: 5 } },
      });
      if (!created.ok) throw new Error("bench user refused");
      for (const group of Object.keys(groups)) await addUserToGroup(domain, app.id, created.user.id, group);
      await grantUserScope(domain, app.id, created.user.id, "audit:read");
      users.push(created.user.id);
    }
    const tokens: string[] = [];
    for (let i = 0; i < count; i++)
      tokens.push(
        await issueChallengeToken(
          domain.keys,
          app,
          server.base,
          { userId: users[i % users.length]!, method: "password" },
          Date.now(),
        ),
      );
    return tokens;
  });
}

/**
 * finalize (challenge token → DPoP-bound session) and refresh (DPoP + rotation), each virtual
 * client with its own key. Challenge tokens are issued beforehand by this process with the
 * server's own code and keys (same database, same master key), so finalize itself is what is timed.
 *
 * Then refresh again for sessions whose tokens carry a claims mapping and three groups' scopes,
 * measured as plain refresh is and, for a comparison a drifting machine cannot skew, in
 * alternating short slices with plain refresh.
 */
export async function benchSessions(
  server: ServerProcess,
  env: Record<string, string>,
  options: LoadOptions,
): Promise<[string, Stats][]> {
  const budget = Number(process.env.BENCH_FINALIZE_TOKENS ?? 60_000);
  const tokens = await issueChallengeTokens(server, env, budget);
  const pool = new Pool(server.base, { connections: options.concurrency, pipelining: 1 });
  try {
    const post = sessionPoster(pool, server.base);
    const clients = Array.from({ length: options.concurrency }, newClient);
    const finalizing = finalizer(post, clients, tokens);
    const finalize = await runLoad(options, finalizing.step);
    if (finalizing.ranOut())
      console.warn(`finalize ran out of its ${tokens.length} pre-issued challenge tokens`);
    const plainRefresh = (w: number) => post(clients[w]!, "/v1/session/refresh", null, true);
    const refresh = await runLoad(options, plainRefresh);

    const mappedClients = Array.from({ length: options.concurrency }, newClient);
    const mappedTokens = await issueMappedChallengeTokens(server, env, options.concurrency);
    for (let w = 0; w < mappedClients.length; w++) {
      const body = JSON.stringify({ challenge_token: mappedTokens[w] });
      if (!(await post(mappedClients[w]!, "/v1/session/login/finalize", body, false)))
        throw new Error("finalize of a mapped session failed");
    }
    const mappedRefresh = (w: number) => post(mappedClients[w]!, "/v1/session/refresh", null, true);
    const mapped = await runLoad(options, mappedRefresh);
    checkMappedToken(mappedClients[0]!);
    const alternating = await alternate(options, [plainRefresh, mappedRefresh]);
    await withRuntime(env, ({ domain }) => deleteClaimsConfig(domain, server.appId));
    return [
      ["finalize (POST /login/finalize, DPoP)", finalize],
      ["refresh (POST /refresh, DPoP + rotation)", refresh],
      ["refresh with a claims mapping and 3 groups", mapped],
      ["  alternating slices: refresh", alternating[0]!],
      ["  alternating slices: refresh with a claims mapping and 3 groups", alternating[1]!],
    ];
  } finally {
    await pool.close();
  }
}

/** The scenario measures what it says only if its tokens carry the mapping and the groups' scopes. */
function checkMappedToken(c: Client) {
  const token = JSON.parse(c.lastBody ?? "{}").access_token as string | undefined;
  const claims = token ? JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) : {};
  const expected = "audit:read billing:read reports:read reports:write";
  if (claims.scope !== expected || claims.groups?.length !== 3 || !claims.email || claims.tier !== "gold")
    throw new Error(`a mapped session's token lacks its mapping or scopes: ${JSON.stringify(claims)}`);
}

/** Runs each step in turn for BENCH_ALTERNATE_ROUNDS short slices (default 10 of 1.5 s), summed per step. */
export async function alternate(
  options: LoadOptions,
  steps: ((w: number) => Promise<boolean>)[],
): Promise<Stats[]> {
  const rounds = Number(process.env.BENCH_ALTERNATE_ROUNDS ?? 10);
  const slice = {
    ...options,
    warmupMs: 300,
    durationMs: Number(process.env.BENCH_ALTERNATE_SLICE_MS ?? 1_500),
  };
  const slices: Stats[][] = steps.map(() => []);
  for (let round = 0; round < rounds; round++) {
    // Each round starts with the other step, so neither always follows the other's warm caches.
    const order = round % 2 === 0 ? steps.map((_, i) => i) : steps.map((_, i) => steps.length - 1 - i);
    for (const i of order) slices[i]!.push(await runLoad(slice, steps[i]!));
  }
  return slices.map(combine);
}

/** Slices of one step as one measurement: requests over total measured time, CPU weighted by requests. */
function combine(slices: Stats[]): Stats {
  const requests = slices.reduce((n, s) => n + s.requests, 0);
  const seconds = slices.reduce((n, s) => n + s.requests / s.rps, 0);
  const weighted = (f: (s: Stats) => number | null) => {
    if (slices.some((s) => f(s) === null)) return null;
    return slices.reduce((n, s) => n + (f(s) as number) * s.requests, 0) / requests;
  };
  const median = (f: (s: Stats) => number) => {
    const sorted = slices.map(f).sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? 0;
  };
  return {
    requests,
    errors: slices.reduce((n, s) => n + s.errors, 0),
    rps: requests / seconds,
    p50: median((s) => s.p50),
    p99: median((s) => s.p99),
    serverCpuUs: weighted((s) => s.serverCpuUs),
    eventLoopCpuUs: weighted((s) => s.eventLoopCpuUs),
    clientCpuUs: weighted((s) => s.clientCpuUs) ?? 0,
    databaseCpuUs: weighted((s) => s.databaseCpuUs),
  };
}
