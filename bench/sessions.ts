import { generateKeyPairSync, type KeyObject, randomUUID, sign } from "node:crypto";
import { Pool } from "undici";
import { loadConfig } from "../packages/server/src/config/load-config.js";
import { createUser } from "../packages/server/src/domain/identity/create-user.js";
import { issueChallengeToken } from "../packages/server/src/domain/sessions/challenge-token.js";
import { openRuntime } from "../packages/server/src/runtime.js";
import { type LoadOptions, runLoad, type Stats } from "./load.js";
import type { ServerProcess } from "./server-process.js";

export interface Client {
  key: KeyObject;
  header: string;
  nonce: string;
  refreshToken: string;
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

/** A DPoP proof as the web SDK makes one: a fresh jti, the last nonce, the exact URL. */
export function proof(c: Client, url: string): string {
  const payload = b64({
    jti: randomUUID(),
    htm: "POST",
    htu: url,
    iat: Math.floor(Date.now() / 1000),
    ...(c.nonce && { nonce: c.nonce }),
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
 * finalize (challenge token → DPoP-bound session) and refresh (DPoP + rotation), each virtual
 * client with its own key. Challenge tokens are issued beforehand by this process with the
 * server's own code and keys (same database, same master key), so finalize itself is what is timed.
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
    const refresh = await runLoad(options, (w) => post(clients[w]!, "/v1/session/refresh", null, true));
    return [
      ["finalize (POST /login/finalize, DPoP)", finalize],
      ["refresh (POST /refresh, DPoP + rotation)", refresh],
    ];
  } finally {
    await pool.close();
  }
}
