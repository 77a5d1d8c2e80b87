import { afterAll, beforeAll, expect, it } from "vitest";
import { createApp } from "../src/app.js";
import { createProbes } from "../src/probes.js";
import { openDatabase } from "../src/storage/open-database.js";
import { describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

describeEachDatabase("probes: /healthz and /readyz", (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(dialect);
  });
  afterAll(() => s.close());

  const probe = (server: Pick<TestServer, "inject">, path: string, host = "localhost") =>
    server.inject({ method: "GET", url: path, headers: { host } });

  it("answer without credentials on any host: alive, and ready with the database and schema checked", async () => {
    for (const host of ["localhost", `${s.appId}.localhost`, "nobody.example.org"]) {
      const live = await probe(s, "/healthz", host);
      expect([live.status, live.body]).toEqual([200, { status: "ok" }]);
      const ready = await probe(s, "/readyz", host);
      expect(ready.status).toBe(200);
      expect(ready.headers["cache-control"]).toBe("no-store");
      expect(ready.body).toEqual({
        status: "ready",
        checks: { database: "ok", migrations: "current", draining: false },
      });
    }
  });

  it("is not ready while a migration this build needs is missing", async () => {
    const { db } = s.db.database;
    const last = await db
      .selectFrom("overture_migrations")
      .selectAll()
      .orderBy("name", "desc")
      .executeTakeFirstOrThrow();
    await db.deleteFrom("overture_migrations").where("name", "=", last.name).execute();
    try {
      const ready = await probe(s, "/readyz");
      expect(ready.status).toBe(503);
      expect(ready.body).toEqual({
        status: "not_ready",
        checks: { database: "ok", migrations: "pending", draining: false },
      });
      // Liveness does not depend on it: restarting would not help.
      expect((await probe(s, "/healthz")).status).toBe(200);
    } finally {
      await db.insertInto("overture_migrations").values(last).execute();
    }
    expect((await probe(s, "/readyz")).status).toBe(200);
  });

  it("is not ready once draining, on that node only", async () => {
    const other = await s.secondNode();
    try {
      other.probes.startDraining();
      const ready = await probe(other, "/readyz");
      expect([ready.status, ready.body.checks.draining]).toEqual([503, true]);
      expect((await probe(other, "/healthz")).status).toBe(200);
      expect((await probe(s, "/readyz")).status).toBe(200);
    } finally {
      await other.close();
    }
  });

  it("is not ready when its database does not answer", async () => {
    const gone =
      dialect === "sqlite"
        ? openDatabase({ dialect: "sqlite", file: ":memory:" })
        : openDatabase({ dialect: "postgres", url: "postgres://postgres@127.0.0.1:1/none" }, { poolSize: 1 });
    if (dialect === "sqlite") await gone.close();
    const app = await createApp({
      config: s.config,
      domain: s.domain,
      probes: createProbes(gone),
    });
    try {
      const ready = await app.inject({ method: "GET", url: "/readyz" });
      expect(ready.statusCode).toBe(503);
      expect(JSON.parse(ready.body)).toEqual({
        status: "not_ready",
        checks: { database: "unreachable", migrations: "unknown", draining: false },
      });
    } finally {
      await app.close();
      if (dialect !== "sqlite") await gone.close();
    }
  });
});
