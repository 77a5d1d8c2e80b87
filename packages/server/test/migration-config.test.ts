import { afterAll, beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

describeEachDatabase("migration config", (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(dialect);
  });
  afterAll(() => s.close());

  const iso = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);

  it("is created once, read, replaced and deleted", async () => {
    expect((await s.mgmt("GET", "/config/migration")).body.code).toBe("config_not_found");
    expect(
      (await s.mgmt("PUT", "/config/migration", { session_validation_url: "https://a.example/v" })).status,
    ).toBe(404);

    const created = await s.mgmt("POST", "/config/migration", {
      session_validation_url: "https://api.example.com/session/validate",
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      config: {
        session_validation_url: "https://api.example.com/session/validate",
        created_at: iso,
        updated_at: iso,
      },
    });
    expect((await s.mgmt("GET", "/config/migration")).body).toEqual(created.body);

    const again = await s.mgmt("POST", "/config/migration", {
      session_validation_url: "https://other.example/v",
    });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ code: "conflict", status: "conflict", message: expect.any(String) });
    expect((await s.mgmt("GET", "/config/migration")).body).toEqual(created.body);

    s.clock.advance(60_000);
    const replaced = await s.mgmt("PUT", "/config/migration", {
      session_validation_url: "https://api.example.com/v2/validate?source=overture",
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body.config.session_validation_url).toBe(
      "https://api.example.com/v2/validate?source=overture",
    );
    expect(replaced.body.config.created_at).toBe(created.body.config.created_at);
    expect(
      Date.parse(replaced.body.config.updated_at) - Date.parse(created.body.config.updated_at),
    ).toBeGreaterThanOrEqual(60_000);
    expect((await s.mgmt("GET", "/config/migration")).body).toEqual(replaced.body);

    expect((await s.mgmt("DELETE", "/config/migration")).status).toBe(204);
    expect((await s.mgmt("GET", "/config/migration")).status).toBe(404);
    expect((await s.mgmt("DELETE", "/config/migration")).status).toBe(404);
  });

  it("rejects bad URLs with invalid_request and writes nothing", async () => {
    const bad: unknown[] = [
      {},
      { session_validation_url: "" },
      { session_validation_url: 42 },
      { session_validation_url: "not a url" },
      { session_validation_url: "/relative/path" },
      { session_validation_url: "ftp://files.example.com/hook" },
      { session_validation_url: "javascript:alert(1)" },
      { session_validation_url: "https://user:secret@api.example.com/hook" },
      { session_validation_url: "https://api.example.com/hook#fragment" },
      { session_validation_url: `https://api.example.com/${"a".repeat(2048)}` },
      { session_validation_url: "https://api.example.com/hook", extra: true },
      // http leaves the machine: refused even in dev mode.
      { session_validation_url: "http://api.example.com/hook" },
      { session_validation_url: "http://10.0.0.5/hook" },
    ];
    for (const body of bad) {
      for (const method of ["POST", "PUT"] as const) {
        const res = await s.mgmt(method, "/config/migration", body);
        expect(res.status, `${method} ${JSON.stringify(body).slice(0, 80)}`).toBe(400);
        expect(res.body.code).toBe("invalid_request");
      }
    }
    expect((await s.mgmt("GET", "/config/migration")).status).toBe(404);
  });

  it("accepts http to loopback in dev mode only", async () => {
    // On an app of its own: switching its mode must not change what the other tests see.
    const own = await s.forNewApp("hook-urls");
    for (const url of [
      "http://127.0.0.1:8787/hook",
      "http://localhost:3000/hook",
      "http://[::1]:9000/hook",
    ]) {
      const created = await own.mgmt("POST", "/config/migration", { session_validation_url: url });
      expect(created.status, url).toBe(201);
      expect(created.body.config.session_validation_url).toBe(url);
      expect((await own.mgmt("DELETE", "/config/migration")).status).toBe(204);
    }
    await own.mgmt("PUT", "/mode", { mode: "prod" });
    try {
      const refused = await own.mgmt("POST", "/config/migration", {
        session_validation_url: "http://127.0.0.1:8787/hook",
      });
      expect(refused.status).toBe(400);
      expect(refused.body.message).toMatch(/https/);
      expect((await own.mgmt("GET", "/config/migration")).status).toBe(404);
      const https = await own.mgmt("POST", "/config/migration", {
        session_validation_url: "https://hooks.example.com/v",
      });
      expect(https.status).toBe(201);
      expect(
        (await own.mgmt("PUT", "/config/migration", { session_validation_url: "http://localhost/hook" }))
          .status,
      ).toBe(400);
      expect((await own.mgmt("GET", "/config/migration")).body.config.session_validation_url).toBe(
        "https://hooks.example.com/v",
      );
    } finally {
      await own.mgmt("PUT", "/mode", { mode: "dev" });
    }
  });
});
