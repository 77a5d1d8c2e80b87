import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createApp } from "../src/app.js";
import { loadConfig } from "../src/config/load-config.js";
import { provisionApp } from "../src/domain/apps/apps.js";
import { managementRoutes } from "../src/http/routes-management.js";
import { createLogger } from "../src/log/create-logger.js";
import { createProbes } from "../src/probes.js";
import { createDomainDeps } from "../src/runtime.js";
import { createStore } from "../src/storage/kysely-store.js";
import { logCapture } from "./support/log-capture.js";
import { rowCounts } from "./support/row-counts.js";
import { createTestDatabase, describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, TestClock, type TestServer } from "./support/test-server.js";

/**
 * Sweeps the Management route table, so every endpoint, present and future, answers bad input
 * with the documented 4xx and writes nothing.
 */
describeEachDatabase("every Management endpoint rejects bad input", (dialect) => {
  let s: TestServer;
  let userId: string;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    userId = (
      await s.mgmt("POST", "/users", { external_id: "sweep", identifiers: [{ value: "sweep@example.com" }] })
    ).body.id;
  });
  afterAll(() => s.close());

  const hasBody = (method: string) => method !== "GET";
  const pathFor = (path: string, id: string) =>
    path.replace(":userID", id).replace(":groupName", "admins").replace(":scope", "read:invoices");

  for (const [method, path, spec] of managementRoutes) {
    const label = `${method} ${path}`;

    it(`${label}: 401 without a key, 401 with a wrong key, 404 on another app`, async () => {
      const url = `/v2/session/apps/${s.appId}${pathFor(path, userId)}`;
      const noKey = await s.inject({ method, url });
      expect(noKey.status).toBe(401);
      expect(noKey.body.code).toBe("unauthorized");
      const wrongKey = await s.inject({
        method,
        url,
        headers: { authorization: `Bearer ovk_${"x".repeat(43)}` },
      });
      expect(wrongKey.status).toBe(401);
      const otherApp = await s.inject({
        method,
        url: `/v2/session/apps/aotherapp1${pathFor(path, userId)}`,
        headers: { authorization: `Bearer ${s.apiKey}` },
      });
      expect(otherApp.status).toBe(404);
      expect(otherApp.body).toEqual({
        code: "app_not_found",
        status: "not_found",
        message: expect.any(String),
      });
    });

    if (hasBody(method) && spec.body) {
      it(`${label}: malformed JSON, wrong types, oversize and non-JSON bodies are 4xx and write nothing`, async () => {
        const before = await rowCounts(s);
        const path_ = pathFor(path, userId);
        const malformed = await s.mgmt(method, path_, '{"a":');
        expect(malformed.status).toBe(400);
        expect(malformed.body.code).toBe("invalid_request");
        const wrongType = await s.mgmt(method, path_, "[1,2,3]");
        expect(wrongType.status).toBe(400);
        const oversize = await s.mgmt(method, path_, { pad: "x".repeat(70_000) });
        expect(oversize.status).toBe(413);
        expect(oversize.body.code).toBe("payload_too_large");
        const notJson = await s.mgmt(method, path_, "a=b", {
          "content-type": "application/x-www-form-urlencoded",
        });
        expect(notJson.status).toBe(415);
        expect(notJson.body.code).toBe("unsupported_media_type");
        expect(await rowCounts(s)).toEqual(before);
      });
    }

    if (path.includes(":userID")) {
      it(`${label}: an unknown user id is 404 user_not_found`, async () => {
        const before = await rowCounts(s);
        const body =
          method === "GET" || (method === "DELETE" && !path.endsWith("identifiers"))
            ? undefined
            : sampleBody(path);
        const res = await s.mgmt(method, pathFor(path, "usr_01jqebhswje1ka1z7ahr9rfsgt"), body);
        expect(res.status).toBe(404);
        expect(res.body.code).toBe("user_not_found");
        expect(await rowCounts(s)).toEqual(before);
      });
    }
  }
});

/** A valid body for each user sub-resource, so only the unknown id can fail. */
function sampleBody(path: string): unknown {
  if (path.endsWith("/profile")) return { a: 1 };
  if (path.endsWith("/external_id")) return { external_id: "nobody" };
  if (path.endsWith("/status")) return { status: "active" };
  if (path.endsWith("/password")) return { password: "long enough password" };
  if (path.endsWith("/identifiers")) return { identifier: { value: "nobody@example.com" } };
  if (path.endsWith("/scopes")) return { scope: "read:invoices" };
  if (path.endsWith("/groups")) return { group: "admins" };
  return undefined;
}

describeEachDatabase("secrets stay out of the logs", (dialect) => {
  it("logs neither API keys nor passwords, even at trace level", async () => {
    const t = await createTestDatabase(dialect);
    const { lines, stream } = logCapture();
    const config = loadConfig({});
    const logger = createLogger("trace", stream);
    const domain = createDomainDeps(config, createStore(t.database), {
      masterKey: randomBytes(32),
      clock: new TestClock(),
      passwordHashConcurrency: 1,
      log: logger,
    });
    const app = await createApp({ config, domain, probes: createProbes(t.database), logger });
    try {
      const { app: a, apiKey } = await provisionApp(domain, "logs");
      const headers = { authorization: `Bearer ${apiKey.secret}`, "content-type": "application/json" };
      const password = "hunter2-but-longer";
      await app.inject({
        method: "POST",
        url: `/v2/session/apps/${a.id}/users`,
        headers,
        payload: JSON.stringify({ password }),
      });
      await app.inject({
        method: "POST",
        url: `/v2/session/apps/${a.id}/users`,
        headers,
        payload: "{broken",
      });
      const log = lines.join("");
      expect(lines.length).toBeGreaterThan(2);
      expect(log).not.toContain(apiKey.secret);
      expect(log).not.toContain(apiKey.secret.slice(4, 24));
      expect(log).not.toContain(password);
    } finally {
      await app.close();
      await t.drop();
    }
  });
});
