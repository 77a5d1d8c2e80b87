import { createHash, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Pool } from "undici";
import { type LoadOptions, runLoad, type Stats } from "./load.js";
import type { ServerProcess } from "./server-process.js";

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/**
 * A minimal OpenID provider for the bench, in this process: discovery, JWKS, and a token endpoint
 * that signs an RS256 ID token for the code it is given (the code carries the subject and the
 * nonce). It checks nothing, so what is measured is Overture's side of the callback.
 */
export async function startBenchIdp(): Promise<{ url: string; close(): Promise<void> }> {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: "jwk" }), kid: "bench-1", alg: "RS256", use: "sig" };
  let url = "";
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const send = (body: unknown) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (req.url === "/.well-known/openid-configuration")
        return send({
          issuer: url,
          authorization_endpoint: `${url}/authorize`,
          token_endpoint: `${url}/token`,
          jwks_uri: `${url}/jwks`,
          token_endpoint_auth_methods_supported: ["client_secret_post"],
        });
      if (req.url === "/jwks") return send({ keys: [jwk] });
      const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
      const { sub, nonce } = JSON.parse(Buffer.from(form.get("code") ?? "", "base64url").toString("utf8"));
      const iat = Math.floor(Date.now() / 1000);
      const input = `${b64({ alg: "RS256", kid: "bench-1", typ: "JWT" })}.${b64({
        iss: url,
        aud: form.get("client_id"),
        sub,
        nonce,
        iat,
        exp: iat + 300,
        email: `${sub}@bench.example`,
        email_verified: true,
      })}`;
      send({
        access_token: "at",
        token_type: "Bearer",
        id_token: `${input}.${sign("sha256", Buffer.from(input), privateKey).toString("base64url")}`,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/**
 * Social login as a browser makes it, for returning users (one provider account per client):
 * POST …/authorize (a state row, the provider URL), then the provider's return to
 * GET …/callback: state taken, code exchanged at the local provider, ID token validated, the user
 * found by OAuth identity, challenge token issued, 302 to the app. Finalize is the sessions
 * scenario's and is not repeated here.
 */
export async function benchOAuth(server: ServerProcess, options: LoadOptions): Promise<[string, Stats][]> {
  const pool = new Pool(server.base, { connections: options.concurrency, pipelining: 1 });
  try {
    const configured = await pool.request({
      method: "POST",
      path: `/v2/session/apps/${server.appId}/config/login/oauth/google`,
      headers: { authorization: `Bearer ${server.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({
        client_id: "bench-client",
        client_secret: "bench-secret",
        options: { use_email_as_identifier: true },
      }),
    });
    await configured.body.dump();
    if (configured.statusCode !== 201) throw new Error(`oauth config: ${configured.statusCode}`);
    const cookies: string[] = [];
    const flow = await runLoad(options, async (w) => {
      const verifier = randomBytes(32).toString("base64url");
      // Many browsers: the per-IP limit on authorizations must not be what is measured.
      const ip = `10.${randomBytes(3).join(".")}`;
      const started = await pool.request({
        method: "POST",
        path: "/v1/session/login/oauth/google/authorize",
        headers: {
          "content-type": "application/json",
          "x-forwarded-for": ip,
          ...(cookies[w] && { cookie: cookies[w] }),
        },
        body: JSON.stringify({
          redirect_uri: "http://localhost:5173/signed-in",
          code_challenge: createHash("sha256").update(verifier).digest("base64url"),
          code_challenge_method: "S256",
        }),
      });
      const body = (await started.body.json()) as { authorization_url?: string };
      const cookie = started.headers["set-cookie"];
      if (typeof cookie === "string") cookies[w] = cookie.split(";")[0] ?? "";
      if (started.statusCode !== 200 || !body.authorization_url) return false;
      const at = new URL(body.authorization_url).searchParams;
      const code = Buffer.from(JSON.stringify({ sub: `bench-${w}`, nonce: at.get("nonce") })).toString(
        "base64url",
      );
      const back = await pool.request({
        method: "GET",
        path: `/v1/session/login/oauth/google/callback?${new URLSearchParams({ code, state: at.get("state") ?? "" })}`,
        headers: { cookie: cookies[w] ?? "", "x-forwarded-for": ip },
      });
      await back.body.dump();
      return back.statusCode === 302 && String(back.headers.location).includes("challenge_token=");
    });
    return [
      ["social login (authorize, then callback: code exchange, ID token, user lookup, challenge)", flow],
    ];
  } finally {
    await pool.close();
  }
}
