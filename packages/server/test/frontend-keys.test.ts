import { createPublicKey, createVerify } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { provisionApp } from "../src/domain/apps/apps.js";
import { mintAccessToken } from "../src/domain/sessions/access-token.js";
import { CORS_ALLOW_HEADERS, CORS_EXPOSE_HEADERS } from "../src/http/middleware/cors.js";
import { KeyRing, KID_MISS_REFETCH_MS } from "../src/keys/key-ring.js";
import { SessionClient } from "./support/session-client.js";
import { describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

describeEachDatabase("Frontend API: app resolution, CORS and JWKS", (dialect) => {
  let s: TestServer;
  let second: string;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    second = (await provisionApp(s.domain, "second")).app.id;
  });
  afterAll(() => s.close());

  const jwks = (host: string, headers: Record<string, string> = {}) =>
    s.inject({ method: "GET", url: "/.well-known/jwks.json", headers: { host, ...headers } });

  it("resolves the app from {appId}.<base domain>, ignoring the port", async () => {
    const a = await jwks(`${s.appId}.localhost:4000`);
    const b = await jwks(`${second}.LOCALHOST`);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(a.body.keys).toHaveLength(1);
    expect(a.body.keys[0].kid).not.toBe(b.body.keys[0].kid);
    expect(a.headers["cache-control"]).toBe("public, max-age=300");
  });

  it("answers 404 in the frontend shape for an unknown host when there is no default app", async () => {
    const res = await jwks("nobody.example.org");
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      code: "not_found",
      message: "No application is served at this host.",
      type: "not_found",
      request_id: expect.stringMatching(/^req_/),
    });
    const unknownApp = await jwks("anosuchapp1.localhost");
    expect(unknownApp.status).toBe(404);
  });

  it("publishes ES256 public keys only", async () => {
    const [key] = (await jwks(`${s.appId}.localhost`)).body.keys;
    expect(key).toEqual({
      kid: expect.stringMatching(/^sig_/),
      kty: "EC",
      crv: "P-256",
      x: expect.any(String),
      y: expect.any(String),
      alg: "ES256",
      use: "sig",
    });
    expect(key.d).toBeUndefined();
  });

  it("stores private keys only encrypted, and they sign what the JWKS verifies", async () => {
    const rows = await s.db.database.db
      .selectFrom("signing_keys")
      .selectAll()
      .where("app_id", "=", s.appId)
      .execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.private_key).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(rows[0]!.private_key).not.toContain("PRIVATE KEY");
    const app = (await s.store.apps.get(s.appId))!;
    const active = await s.keys.signingKey(app);
    const data = Buffer.from("payload");
    const signature = createVerify("SHA256").update(data);
    const { createSign } = await import("node:crypto");
    const sig = createSign("SHA256").update(data).sign(active.privateKey);
    const [jwk] = (await jwks(`${s.appId}.localhost`)).body.keys;
    expect(signature.verify(createPublicKey({ key: jwk, format: "jwk" }), sig)).toBe(true);
  });

  it("rotates: the new key becomes current, the old one stays published until its retention ends", async () => {
    const before = (await jwks(`${second}.localhost`)).body.keys;
    const rotated = await s.keys.rotate(second, "RS256");
    const after = (await jwks(`${second}.localhost`)).body.keys;
    expect(after.map((k: { kid: string }) => k.kid)).toEqual([before[0].kid, rotated.id]);
    expect(after[1]).toMatchObject({ kty: "RSA", alg: "RS256", n: expect.any(String), e: "AQAB" });
    s.clock.advance(s.keys.retentionMs + 60_000);
    const later = (await jwks(`${second}.localhost`)).body.keys;
    expect(later.map((k: { kid: string }) => k.kid)).toEqual([rotated.id]);
  });

  it("lists through the Management API what the JWKS publishes, with purpose, status and no private part", async () => {
    const own = await s.forNewApp("keys-list");
    const host = `${own.appId}.localhost`;
    const listed = async () => {
      const res = await own.mgmt("GET", "/keys");
      expect(res.status).toBe(200);
      return res.body.keys as Record<string, unknown>[];
    };
    const first = await listed();
    expect(first).toEqual([
      {
        kid: expect.any(String),
        purpose: "token",
        alg: "ES256",
        status: "current",
        public_jwk: (await jwks(host)).body.keys[0],
        created_at: expect.any(String),
        retired_at: null,
        expires_at: null,
      },
    ]);
    // A step-up config makes the hook key; a rotation retires the first key, still published.
    await s.keys.hookKey(own.appId);
    const rotated = await s.keys.rotate(own.appId, "RS256");
    const after = await listed();
    expect(after.map((k) => [k.kid, k.purpose, k.status])).toEqual([
      [first[0]!.kid, "token", "retired"],
      [rotated.id, "token", "current"],
      [expect.any(String), "hook", "current"],
    ]);
    expect(after[0]).toMatchObject({ retired_at: expect.any(String), expires_at: expect.any(String) });
    expect(after.map((k) => k.public_jwk)).toEqual((await jwks(host)).body.keys);
    expect(JSON.stringify(after)).not.toMatch(/"d"|"p"|"q"|"dp"|"dq"|"qi"/);
    // Another app's key is never listed.
    const other = (await s.mgmt("GET", "/keys")).body.keys.map((k: { kid: string }) => k.kid);
    expect(other).not.toContain(rotated.id);
  });

  it("answers CORS preflights for allowed origins exactly as the web SDK needs", async () => {
    const res = await s.inject({
      method: "OPTIONS",
      url: "/.well-known/jwks.json",
      headers: {
        host: `${s.appId}.localhost:8443`,
        origin: "https://localhost:9443",
        "access-control-request-method": "GET",
        "access-control-request-headers": "content-type,dpop,x-refresh-token,x-sdk-user-agent",
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers["access-control-allow-origin"]).toBe("https://localhost:9443");
    expect(res.headers["access-control-allow-credentials"]).toBe("true");
    expect(res.headers["access-control-allow-methods"]).toBe("GET, POST, PATCH, DELETE");
    expect(res.headers["access-control-allow-headers"]).toBe(CORS_ALLOW_HEADERS);
    expect(res.headers.vary).toContain("Origin");
  });

  it("exposes the SDK's headers on actual responses, errors included", async () => {
    const ok = await jwks(`${s.appId}.localhost`, { origin: "http://127.0.0.1:5173" });
    expect(ok.headers["access-control-allow-origin"]).toBe("http://127.0.0.1:5173");
    expect(ok.headers["access-control-expose-headers"]).toBe(CORS_EXPOSE_HEADERS);
  });

  it("gives disallowed origins no CORS headers, and none at all in prod mode", async () => {
    // On an app of its own: switching its mode must not change what the other tests see.
    const own = await s.forNewApp("cors-prod");
    const evil = await jwks(`${own.appId}.localhost`, { origin: "https://evil.example" });
    expect(evil.status).toBe(200);
    expect(evil.headers["access-control-allow-origin"]).toBeUndefined();
    const pre = await own.inject({
      method: "OPTIONS",
      url: "/.well-known/jwks.json",
      headers: {
        host: `${own.appId}.localhost`,
        origin: "https://evil.example",
        "access-control-request-method": "GET",
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers["access-control-allow-origin"]).toBeUndefined();
    for (const bad of ["null", "https://localhost:9443/path", "file://localhost"]) {
      expect(
        (await jwks(`${own.appId}.localhost`, { origin: bad })).headers["access-control-allow-origin"],
      ).toBeUndefined();
    }
    await own.mgmt("PUT", "/mode", { mode: "prod" });
    own.clock.advance(10_000); // past the app cache
    const prod = await jwks(`${own.appId}.localhost`, { origin: "https://localhost:9443" });
    expect(prod.headers["access-control-allow-origin"]).toBeUndefined();
    await own.mgmt("PUT", "/mode", { mode: "dev" });
  });

  it("rereads the published keys for an unknown kid at most once per interval", async () => {
    const host = `${s.appId}.localhost`;
    const user = await s.mgmt("POST", "/users", { identifiers: [{ value: "kid-miss@example.com" }] });
    const c = new SessionClient(s, host);
    await c.signIn(user.body.id);
    const me = (token: string) => c.bearer("GET", "/v1/session/me/list", token);
    expect((await me(c.accessToken!)).status).toBe(200);
    const [h, p, sig] = c.accessToken!.split(".");
    const header = JSON.parse(Buffer.from(h!, "base64url").toString());
    const unknownKid = `${Buffer.from(JSON.stringify({ ...header, kid: "sig_unknown" })).toString("base64url")}.${p}.${sig}`;
    // The first unknown kid rereads the keys (and finds nothing).
    expect((await me(unknownKid)).status).toBe(401);

    // Another node rotates and signs with a key this node has not read yet.
    const otherNode = new KeyRing({ store: s.store, clock: s.clock, masterKey: s.masterKey });
    await otherNode.rotate(s.appId, "ES256");
    const app = (await s.store.apps.get(s.appId))!;
    const session = (await s.store.sessions.get(s.appId, c.sessionId))!;
    const fresh = await mintAccessToken(
      otherNode,
      app,
      c.origin,
      { userId: user.body.id, externalId: null, sessionId: session.id, scope: "", claims: {} },
      s.clock.now(),
    );
    // Within the interval the keys are not read again, whatever kid arrives...
    expect((await me(fresh.token)).status).toBe(401);
    // ...and after it, one reread finds the new key.
    s.clock.advance(KID_MISS_REFETCH_MS);
    expect((await me(fresh.token)).status).toBe(200);
  });
});

describeEachDatabase("Frontend API: the default app", (dialect) => {
  it("serves the only app on any host, and the configured default app when set", async () => {
    const s = await startTestServer(dialect);
    try {
      const only = await s.inject({
        method: "GET",
        url: "/.well-known/jwks.json",
        headers: { host: "auth.example.com" },
      });
      expect(only.status).toBe(200);
      await provisionApp(s.domain, "another");
      s.clock.advance(10_000);
      const ambiguous = await s.inject({
        method: "GET",
        url: "/.well-known/jwks.json",
        headers: { host: "auth.example.com" },
      });
      expect(ambiguous.status).toBe(404);
    } finally {
      await s.close();
    }
    const configured = await startTestServer(dialect, { OVERTURE_DEFAULT_APP: "aplaceholder" });
    try {
      const res = await configured.inject({
        method: "GET",
        url: "/.well-known/jwks.json",
        headers: { host: "auth.example.com" },
      });
      expect(res.status).toBe(404);
    } finally {
      await configured.close();
    }
  });
});
