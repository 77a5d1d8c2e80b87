import { createHash, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Pool } from "undici";
import { type LoadOptions, runLoad, type Stats } from "./load.js";
import type { ServerProcess } from "./server-process.js";
import { newClient, proof } from "./sessions.js";

/**
 * Lazy migration as a client makes it: POST /migration (the server calls the hook, here on
 * loopback in this process, and creates the user) then POST /login/finalize with the PKCE verifier
 * and a DPoP proof. Every operation is a legacy user seen for the first time.
 */
export async function benchMigration(
  server: ServerProcess,
  options: LoadOptions,
): Promise<[string, Stats][]> {
  const hook = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const { token } = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { token: string };
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          external_id: `legacy-${token}`,
          identifiers: [{ value: `${token}@legacy.example` }],
        }),
      );
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, "127.0.0.1", resolve));
  const pool = new Pool(server.base, { connections: options.concurrency, pipelining: 1 });
  try {
    const configured = await pool.request({
      method: "POST",
      path: `/v2/session/apps/${server.appId}/config/migration`,
      headers: { authorization: `Bearer ${server.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({
        session_validation_url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/validate`,
      }),
    });
    await configured.body.dump();
    if (configured.statusCode !== 201) throw new Error(`migration config: ${configured.statusCode}`);

    const run = randomBytes(3).toString("hex");
    const clients = Array.from({ length: options.concurrency }, newClient);
    let next = 0;
    const migrate = await runLoad(options, async (w) => {
      const verifier = randomBytes(32).toString("base64url");
      const res = await pool.request({
        method: "POST",
        path: "/v1/session/migration",
        headers: {
          "content-type": "application/json",
          // Many clients: the per-IP limit on hook calls must not be what is measured.
          "x-forwarded-for": `10.${randomBytes(3).join(".")}`,
        },
        body: JSON.stringify({
          token: `${run}-${next++}`,
          code_challenge: createHash("sha256").update(verifier).digest("base64url"),
        }),
      });
      const body = (await res.body.json()) as { challenge_token?: string };
      if (res.statusCode !== 200 || !body.challenge_token) return false;
      const c = clients[w]!;
      const url = `${server.base}/v1/session/login/finalize`;
      for (let attempt = 0; attempt < 2; attempt++) {
        const done = await pool.request({
          method: "POST",
          path: "/v1/session/login/finalize",
          headers: { "content-type": "application/json", dpop: proof(c, url) },
          body: JSON.stringify({ challenge_token: body.challenge_token, code_verifier: verifier }),
        });
        const text = await done.body.text();
        const nonce = done.headers["dpop-nonce"];
        if (typeof nonce === "string") c.nonce = nonce;
        if (done.statusCode === 400 && text.includes("use_dpop_nonce")) continue;
        return done.statusCode === 200;
      }
      return false;
    });
    return [["migration (POST /migration → hook → new user, then finalize)", migrate]];
  } finally {
    await pool.close();
    await new Promise<void>((resolve) => hook.close(() => resolve()));
  }
}
