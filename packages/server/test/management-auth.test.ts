import { afterAll, beforeAll, expect, it } from "vitest";
import { createApiKey, provisionApp, revokeApiKey } from "../src/domain/apps/apps.js";
import { describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

describeEachDatabase("Management API authentication", (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(dialect);
  });
  afterAll(() => s.close());

  const call = (appId: string, authorization?: string) =>
    s.inject({
      method: "GET",
      url: `/v2/session/apps/${appId}/users`,
      headers: authorization === undefined ? {} : { authorization },
    });

  it("accepts the app's key", async () => {
    expect((await call(s.appId, `Bearer ${s.apiKey}`)).status).toBe(200);
    expect((await call(s.appId, `bearer ${s.apiKey}`)).status).toBe(200);
  });

  for (const [what, header] of [
    ["no Authorization header", undefined],
    ["an empty header", ""],
    ["another scheme", "Basic dXNlcjpwYXNz"],
    ["Bearer with nothing", "Bearer "],
    ["an unknown key of the right shape", `Bearer ovk_${"A".repeat(43)}`],
    ["garbage", "Bearer ' OR 1=1 --"],
  ] as const) {
    it(`answers 401 for ${what}`, async () => {
      const res = await call(s.appId, header);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ code: "unauthorized", status: "unauthorized", message: expect.any(String) });
    });
  }

  it("rejects a revoked key at once", async () => {
    const deps = { store: s.store, clock: s.clock };
    const extra = await createApiKey(deps, s.appId, "to-revoke");
    if (!extra.ok) throw new Error("key not created");
    expect((await call(s.appId, `Bearer ${extra.apiKey.secret}`)).status).toBe(200);
    expect(await revokeApiKey(deps, s.appId, extra.apiKey.key.id)).toEqual({ ok: true });
    const res = await call(s.appId, `Bearer ${extra.apiKey.secret}`);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe("unauthorized");
    expect((await call(s.appId, `Bearer ${s.apiKey}`)).status).toBe(200);
  });

  it("does not reveal whether another app exists", async () => {
    const other = await provisionApp(s.domain, "other");
    const existing = await call(other.app.id, `Bearer ${s.apiKey}`);
    const missing = await call("anoappatall", `Bearer ${s.apiKey}`);
    expect(existing.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(existing.body).toEqual(missing.body);
    expect(existing.body).toEqual({
      code: "app_not_found",
      status: "not_found",
      message: expect.any(String),
    });
    // And the other app's own key works on its own path only.
    expect((await call(other.app.id, `Bearer ${other.apiKey.secret}`)).status).toBe(200);
    expect((await call(s.appId, `Bearer ${other.apiKey.secret}`)).status).toBe(404);
  });

  it("authenticates before reading the body", async () => {
    const res = await s.inject({
      method: "POST",
      url: `/v2/session/apps/${s.appId}/users`,
      headers: { "content-type": "application/json" },
      payload: "{not json",
    });
    expect(res.status).toBe(401);
  });

  it("stores keys only as SHA-256 hashes with at least 128 bits of entropy", async () => {
    const rows = await s.db.database.db.selectFrom("api_keys").selectAll().execute();
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.secret_sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(row)).not.toContain(s.apiKey.slice(4, 20));
    }
    // ovk_ + 43 base64url characters = 256 random bits.
    expect(s.apiKey).toMatch(/^ovk_[A-Za-z0-9_-]{43}$/);
  });
});
