import { mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { type AddressInfo, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startServeProcess } from "./support/run-cli.js";
import { createTestDatabase, describeEachDatabase, type TestDatabase } from "./support/test-databases.js";

/**
 * The drain of a real `overture serve` process (docs/operations.md): requests in flight at SIGTERM
 * get their normal answers, new connections are refused, the process exits 0; past
 * OVERTURE_SHUTDOWN_TIMEOUT_MS what is still in flight is cut and it exits 1.
 */
describeEachDatabase("drain on SIGTERM", (dialect) => {
  const dbs: TestDatabase[] = [];
  let hook: Server;
  let hookUrl: string;
  let delayMs = 1_500;
  let arrived = 0;
  beforeAll(async () => {
    // The app's migration hook, slow on purpose: the requests waiting on it are the ones in flight.
    hook = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        arrived++;
        const { token } = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { token: string };
        setTimeout(() => {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(
            JSON.stringify({
              external_id: `drain-${token}`,
              identifiers: [{ value: `${token}@drain.example` }],
            }),
          );
        }, delayMs);
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, "127.0.0.1", resolve));
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/validate`;
  });
  afterAll(async () => {
    hook.closeAllConnections();
    await new Promise((resolve) => hook.close(resolve));
    for (const db of dbs) await db.drop();
  });

  /** A new `serve` on a database of its own: its first start prints the dev app's key. */
  const serve = async (extra: Record<string, string> = {}) => {
    const db = await createTestDatabase(dialect, { migrate: false });
    dbs.push(db);
    const server = startServeProcess(
      {
        OVERTURE_DATA_DIR: mkdtempSync(join(tmpdir(), "overture-drain-")),
        OVERTURE_DATABASE_URL: db.url,
        OVERTURE_PORT: "0",
        ...extra,
      },
      { args: ["--create-dev-app"] },
    );
    const banner = await server.ready;
    const base = /listening on (\S+)/.exec(banner)?.[1] as string;
    const management = /Management API:\s+(\S+)/.exec(banner)?.[1] as string;
    const apiKey = /API key:\s+(ovk_\S+)/.exec(banner)?.[1];
    const configured = await fetch(`${management}/config/migration`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ session_validation_url: hookUrl }),
    });
    expect(configured.status).toBe(201);
    const migrate = (token: string) =>
      fetch(`${base}/v1/session/migration`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token, code_challenge: "c".repeat(43) }),
      }).then(
        async (r) => ({ status: r.status, body: (await r.json()) as { challenge_token?: string } }),
        (error: Error) => ({ status: 0, body: { error: error.message } as { challenge_token?: string } }),
      );
    return { server, base, migrate };
  };
  const refused = (base: string) =>
    new Promise<boolean>((resolve) => {
      const url = new URL(base);
      const socket = connect(Number(url.port), url.hostname);
      socket.once("connect", () => {
        socket.destroy();
        resolve(false);
      });
      socket.once("error", () => resolve(true));
    });

  it("answers every request in flight at SIGTERM, refuses new connections, and exits 0", {
    timeout: 60_000,
  }, async () => {
    const { server, base, migrate } = await serve();
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    arrived = 0;
    const inFlight = Array.from({ length: 6 }, (_, i) => migrate(`t${i}`));
    while (arrived < 6) await new Promise((r) => setTimeout(r, 20));
    const stopped = server.stop();
    await new Promise((r) => setTimeout(r, 300));
    expect(await refused(base)).toBe(true);
    const answers = await Promise.all(inFlight);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(answers.every((a) => typeof a.body.challenge_token === "string")).toBe(true);
    expect(await stopped).toBe(0);
  });

  it("cuts what is still in flight after OVERTURE_SHUTDOWN_TIMEOUT_MS, and exits 1", {
    timeout: 60_000,
  }, async () => {
    delayMs = 5_000;
    try {
      const { server, migrate } = await serve({ OVERTURE_SHUTDOWN_TIMEOUT_MS: "300" });
      arrived = 0;
      const inFlight = migrate("slow");
      while (arrived < 1) await new Promise((r) => setTimeout(r, 20));
      const started = Date.now();
      expect(await server.stop()).toBe(1);
      expect(Date.now() - started).toBeLessThan(4_000);
      expect((await inFlight).status).toBe(0);
    } finally {
      delayMs = 1_500;
    }
  });
});
