import { randomBytes } from "node:crypto";
import { Pool } from "undici";
import { loadConfig } from "../packages/server/src/config/load-config.js";
import { createUser } from "../packages/server/src/domain/identity/create-user.js";
import { issueChallengeToken } from "../packages/server/src/domain/sessions/challenge-token.js";
import { openRuntime } from "../packages/server/src/runtime.js";
import { SoftAuthenticator } from "../packages/server/test/support/soft-authenticator.js";
import { type LoadOptions, runLoad, type Stats } from "./load.js";
import type { ServerProcess } from "./server-process.js";
import { type Client, newClient, proof, sessionPoster } from "./sessions.js";

const ORIGIN = "https://bench.example.com";
const PASSKEYS = 200;

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString());

/**
 * Primary passkey login's finish (docs/passkeys.md): `POST /login/passkey/finish` with an
 * assertion, verified (ES256 over the authenticator data and client data, origin, RP ID hash,
 * user verification), the login token spent, the use recorded, a challenge token signed.
 *
 * 200 users each register a passkey through the API first (a session granted
 * `prld:passkey:write`, then begin and finish). The measured requests finish ceremonies begun
 * and signed before the window, each from an address of its own (the limits are per IP), by
 * authenticators that report a zero counter as synced passkeys do, so any order is valid.
 */
export async function benchPasskeys(
  server: ServerProcess,
  env: Record<string, string>,
  options: LoadOptions,
): Promise<[string, Stats][]> {
  const pool = new Pool(server.base, { connections: options.concurrency, pipelining: 1 });
  const send = async (method: string, path: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await pool.request({
      method: method as "POST",
      path,
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
    const text = await res.body.text();
    return { status: res.statusCode, json: text ? JSON.parse(text) : {}, nonce: res.headers["dpop-nonce"] };
  };
  const mgmt = async (method: string, path: string, body: unknown, expected: number) => {
    const res = await send(method, `/v2/session/apps/${server.appId}${path}`, body, {
      authorization: `Bearer ${server.apiKey}`,
    });
    if (res.status !== expected) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.json)}`);
  };
  /** Bearer and a session DPoP proof, with one retry for the nonce. */
  const authed = async (c: Client, accessToken: string, path: string, body: unknown) => {
    for (let attempt = 0; ; attempt++) {
      const res = await send("POST", path, body, {
        authorization: `Bearer ${accessToken}`,
        dpop: proof(c, `${server.base}${path}`),
      });
      if (typeof res.nonce === "string") c.nonce = res.nonce;
      if (res.status === 200 || attempt === 1 || res.json.code !== "use_dpop_nonce") return res;
    }
  };
  const fromAnywhere = () => ({ "x-forwarded-for": `10.${randomBytes(3).join(".")}` });
  try {
    await mgmt("POST", "/config/scopes", { scope: "prld:passkey:write" }, 201);
    await mgmt(
      "PUT",
      "/config/passkey",
      { rp_id: "bench.example.com", rp_name: "Bench", allowed_origins: [ORIGIN], login_enabled: true },
      200,
    );
    const tokens = await registrationSessions(server, env);
    const post = sessionPoster(pool, server.base);
    const auth = new SoftAuthenticator(ORIGIN);
    const credentialIds: string[] = [];
    for (const token of tokens) {
      const c = newClient();
      if (!(await post(c, "/v1/session/login/finalize", JSON.stringify({ challenge_token: token }), false)))
        throw new Error("finalize failed");
      const accessToken = JSON.parse(c.lastBody ?? "{}").access_token as string;
      const begun = await authed(c, accessToken, "/v1/session/me/passkeys/register/begin", {});
      const finished = await authed(c, accessToken, "/v1/session/me/passkeys/register/finish", {
        registration_token: begun.json.registration_token,
        attestation: auth.create(begun.json.public_key),
      });
      if (finished.status !== 200) throw new Error(`registration: ${JSON.stringify(finished.json)}`);
      credentialIds.push(finished.json.credential.credential_id);
    }

    // Ceremonies begun and signed before the window: more than the finishes it can hold.
    const budget = Math.ceil(((options.warmupMs + options.durationMs) / 1000) * 2_500);
    const ceremonies: string[] = [];
    for (let at = 0; at < budget; at += options.concurrency) {
      const batch = Array.from({ length: Math.min(options.concurrency, budget - at) }, async (_, i) => {
        const begun = await send("POST", "/v1/session/login/passkey/begin", {}, fromAnywhere());
        if (begun.status !== 200) throw new Error(`begin: ${JSON.stringify(begun.json)}`);
        const assertion = auth.get(begun.json.public_key, {
          credentialId: credentialIds[(at + i) % credentialIds.length],
          signCount: 0,
        });
        return JSON.stringify({ login_token: begun.json.login_token, assertion });
      });
      ceremonies.push(...(await Promise.all(batch)));
    }

    let next = 0;
    let last = "";
    const finish = await runLoad(options, async () => {
      const body = ceremonies[next++];
      if (!body) return false;
      const res = await pool.request({
        method: "POST",
        path: "/v1/session/login/passkey/finish",
        headers: { "content-type": "application/json", ...fromAnywhere() },
        body,
      });
      const text = await res.body.text();
      if (res.statusCode !== 200) return false;
      last = text;
      return true;
    });
    if (next > ceremonies.length)
      console.warn(`passkey login ran out of its ${ceremonies.length} ceremonies`);
    if (claimsOf(JSON.parse(last).challenge_token ?? "").method !== "passkey")
      throw new Error(`passkey login finish answered ${last}`);
    return [["passkey login finish (POST /login/passkey/finish → challenge token)", finish]];
  } finally {
    await pool.close();
  }
}

/** Challenge tokens for sessions allowed to register a passkey, one per new user. */
async function registrationSessions(server: ServerProcess, env: Record<string, string>): Promise<string[]> {
  const runtime = await openRuntime(loadConfig({ ...process.env, ...env }));
  try {
    const app = await runtime.domain.store.apps.get(server.appId);
    if (!app) throw new Error("bench app not found");
    const tokens: string[] = [];
    for (let i = 0; i < PASSKEYS; i++) {
      const created = await createUser(runtime.domain, app.id, {});
      if (!created.ok) throw new Error("bench user refused");
      tokens.push(
        await issueChallengeToken(
          runtime.domain.keys,
          app,
          server.base,
          { userId: created.user.id, method: "otp", scopes: ["prld:passkey:write"] },
          Date.now(),
        ),
      );
    }
    return tokens;
  } finally {
    await runtime.database.close();
  }
}
