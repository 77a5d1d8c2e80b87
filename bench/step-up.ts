import { randomBytes, randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Pool } from "undici";
import { loadConfig } from "../packages/server/src/config/load-config.js";
import { createUser } from "../packages/server/src/domain/identity/create-user.js";
import { issueChallengeToken } from "../packages/server/src/domain/sessions/challenge-token.js";
import { openRuntime } from "../packages/server/src/runtime.js";
import { type LoadOptions, runLoad, type Stats } from "./load.js";
import type { ServerProcess } from "./server-process.js";
import { type Client, newClient, proof, sessionPoster } from "./sessions.js";

interface Session {
  client: Client;
  accessToken: string;
  email: string;
}

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString());

/**
 * Step-up as the web SDK drives it (docs/step-up.md), against production limits:
 *
 * - direct `continue`: POST /stepup/request with the Bearer token of one of many sessions (a
 *   session may ask 20 times a minute), answered with a completed challenge token;
 * - the full OTP step flow: /stepup/request (`review`, verify_email) → /otp (the code goes to an
 *   HTTP gateway in this process) → /otp/check with the challenge DPoP → /refresh {step_up_token},
 *   each flow a user of its own from an address of its own (the OTP limits are per identifier and
 *   per IP), counted in flows per second.
 */
export async function benchStepUp(
  server: ServerProcess,
  env: Record<string, string>,
  options: LoadOptions,
): Promise<[string, Stats][]> {
  const codes = new Map<string, string>();
  const gateway = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const { to, code } = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { to: string; code: string };
      codes.set(to, code);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => gateway.listen(0, "127.0.0.1", resolve));
  const pool = new Pool(server.base, { connections: options.concurrency, pipelining: 1 });
  const post = sessionPoster(pool, server.base);
  const mgmt = async (path: string, body: unknown, expected: number) => {
    const res = await pool.request({
      method: "POST",
      path: `/v2/session/apps/${server.appId}${path}`,
      headers: { authorization: `Bearer ${server.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const text = await res.body.text();
    if (res.statusCode !== expected) throw new Error(`${path}: ${res.statusCode} ${text}`);
  };
  try {
    for (const scope of ["bench:read", "bench:transfer"]) await mgmt("/config/scopes", { scope }, 201);
    await mgmt(
      "/config/login/otp",
      {
        config_type: "otp",
        channel_type: "email",
        is_default: true,
        delivery: { type: "http", url: `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/send` },
      },
      201,
    );
    const email = ["email_address"];
    await mgmt(
      "/config/stepup",
      {
        step_keys: [],
        allowed_scopes: [
          {
            scope: "bench:read",
            mode: "direct",
            direct: {
              identifier_types: email,
              status: "continue",
              granted_for: 300,
              grant_mode: "session-bound",
            },
          },
          {
            scope: "bench:transfer",
            mode: "direct",
            direct: {
              identifier_types: email,
              status: "review",
              granted_for: 300,
              grant_mode: "session-bound",
              steps: [{ order: 1, key: "verify_email", expiration_duration: 600 }],
            },
          },
        ],
      },
      201,
    );

    const seconds = (options.warmupMs + options.durationMs) / 1000;
    // Up to 8,000 requests a second spread so that no session passes its 20 a minute.
    const direct = await openSessions(server, env, post, Math.ceil((seconds * 8_000) / 18), 100);
    let turn = 0;
    let lastDirect = "";
    const request = await runLoad(options, async () => {
      const s = direct[turn++ % direct.length]!;
      const res = await pool.request({
        method: "POST",
        path: "/v1/session/stepup/request",
        headers: { authorization: `Bearer ${s.accessToken}`, "content-type": "application/json" },
        body: '{"scope":"bench:read"}',
      });
      lastDirect = await res.body.text();
      return res.statusCode === 200;
    });
    const answer = JSON.parse(lastDirect) as { status: string; challenge_token: string };
    if (answer.status !== "continue" || claimsOf(answer.challenge_token).current_step !== "completed")
      throw new Error(`direct step-up answered ${lastDirect}`);

    const flowsBudget = Math.ceil(seconds * 800);
    const flowing = await openSessions(server, env, post, flowsBudget, flowsBudget);
    let next = 0;
    let lastFlow: Session | undefined;
    const flow = await runLoad(options, async () => {
      const s = flowing[next++];
      if (!s) return false;
      const ip = `10.${randomBytes(3).join(".")}`;
      const send = async (path: string, body: unknown, headers: Record<string, string>) => {
        const res = await pool.request({
          method: "POST",
          path: `/v1/session${path}`,
          headers: { "content-type": "application/json", "x-forwarded-for": ip, ...headers },
          body: JSON.stringify(body),
        });
        return { status: res.statusCode, text: await res.body.text() };
      };
      const asked = await send(
        "/stepup/request",
        { scope: "bench:transfer" },
        { authorization: `Bearer ${s.accessToken}` },
      );
      if (asked.status !== 200) return false;
      const challenge = JSON.parse(asked.text).challenge_token as string;
      if ((await send("/otp", { challenge_token: challenge }, {})).status !== 204) return false;
      const code = codes.get(s.email);
      if (!code) return false;
      const checked = await send(
        "/otp/check",
        { code, challenge_token: challenge },
        { dpop: proof(s.client, `${server.base}/v1/session/otp/check`, claimsOf(challenge).jti) },
      );
      if (checked.status !== 200) return false;
      const completed = JSON.parse(checked.text).challenge_token as string;
      const spent = await post(
        s.client,
        "/v1/session/refresh",
        JSON.stringify({ step_up_token: completed }),
        true,
      );
      if (spent) lastFlow = s;
      return spent;
    });
    if (next > flowing.length) console.warn(`the OTP step flow ran out of its ${flowing.length} sessions`);
    const granted = lastFlow && claimsOf(JSON.parse(lastFlow.client.lastBody ?? "{}").access_token ?? "");
    if (
      !String(granted?.scope ?? "")
        .split(" ")
        .includes("bench:transfer")
    )
      throw new Error("an OTP step flow ended without the scope in its access token");
    return [
      ["step-up request, direct continue (POST /stepup/request, Bearer)", request],
      ["step-up OTP step flow, flows/s (request → /otp → /otp/check → /refresh)", flow],
    ];
  } finally {
    await pool.close();
    await new Promise((resolve) => gateway.close(resolve));
  }
}

/**
 * `count` sessions, finalized through the server, for `users` users with an email each (created
 * by this process with the server's code on the same database).
 */
async function openSessions(
  server: ServerProcess,
  env: Record<string, string>,
  post: ReturnType<typeof sessionPoster>,
  count: number,
  users: number,
): Promise<Session[]> {
  const runtime = await openRuntime(loadConfig({ ...process.env, ...env }));
  const tokens: { token: string; email: string }[] = [];
  try {
    const app = await runtime.domain.store.apps.get(server.appId);
    if (!app) throw new Error("bench app not found");
    const made: { id: string; email: string }[] = [];
    for (let i = 0; i < users; i++) {
      const email = `stepup-${randomUUID()}@example.com`;
      const created = await createUser(runtime.domain, app.id, {
        identifiers: [{ type: "email_address", value: email }],
      });
      if (!created.ok) throw new Error("bench user refused");
      made.push({ id: created.user.id, email });
    }
    for (let i = 0; i < count; i++) {
      const user = made[i % made.length]!;
      tokens.push({
        token: await issueChallengeToken(
          runtime.domain.keys,
          app,
          server.base,
          { userId: user.id, method: "otp" },
          Date.now(),
        ),
        email: user.email,
      });
    }
  } finally {
    await runtime.database.close();
  }
  const sessions: Session[] = [];
  for (let at = 0; at < tokens.length; at += 32) {
    const batch = tokens.slice(at, at + 32).map(async ({ token, email }) => {
      const client = newClient();
      const body = JSON.stringify({ challenge_token: token });
      if (!(await post(client, "/v1/session/login/finalize", body, false)))
        throw new Error("finalize failed");
      return { client, accessToken: JSON.parse(client.lastBody ?? "{}").access_token as string, email };
    });
    sessions.push(...(await Promise.all(batch)));
  }
  return sessions;
}
