import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSessionClient } from "@overture/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServeProcess } from "./support/run-cli.js";
import {
  createTestDatabase,
  POSTGRES_URL_VARIABLE,
  postgresUrl,
  type TestDatabase,
} from "./support/test-databases.js";

/**
 * A TCP load balancer as simple as they come: each new client connection goes to the next node in
 * turn, and a node that refuses the connection is skipped for the other, as a load balancer
 * retries a refused connection. It knows nothing of HTTP or of readiness.
 */
async function startBalancer(ports: () => number[]): Promise<{ port: number; close(): Promise<void> }> {
  let turn = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.pause();
    const tryNode = (attempt: number) => {
      const list = ports();
      if (attempt >= list.length * 2) return client.destroy();
      const upstream = connect(list[turn++ % list.length] as number, "127.0.0.1");
      upstream.once("error", () => {
        if (!upstream.readableEnded && upstream.bytesRead === 0 && upstream.bytesWritten === 0)
          return tryNode(attempt + 1);
        client.destroy();
      });
      upstream.once("connect", () => {
        sockets.add(upstream);
        upstream.on("close", () => sockets.delete(upstream));
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
        upstream.on("error", () => client.destroy());
        client.on("error", () => upstream.destroy());
      });
    };
    tryNode(0);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const title = "a rolling restart of two nodes on one PostgreSQL";
describe.skipIf(!postgresUrl())(
  postgresUrl() ? title : `${title} (skipped: set ${POSTGRES_URL_VARIABLE} to run)`,
  () => {
    let db: TestDatabase;
    const env = () => ({
      OVERTURE_DATABASE_URL: db.url,
      OVERTURE_MASTER_KEY: masterKey,
      OVERTURE_PORT: "0",
      OVERTURE_DATA_DIR: mkdtempSync(join(tmpdir(), "overture-rolling-")),
    });
    const masterKey = randomBytes(32).toString("base64url");
    beforeAll(async () => {
      db = await createTestDatabase("postgres", { migrate: false });
    });
    afterAll(() => db.drop());

    it("loses no refresh while each node is restarted in turn", { timeout: 120_000 }, async () => {
      const start = async () => {
        const node = startServeProcess(env(), { args: ["--create-dev-app"] });
        const banner = await node.ready;
        return { node, banner, port: Number(new URL(/listening on (\S+)/.exec(banner)?.[1] as string).port) };
      };
      let a = await start();
      const apiKey = /API key:\s+(ovk_\S+)/.exec(a.banner)?.[1];
      const management = /Management API:\s+(\S+)/.exec(a.banner)?.[1] as string;
      let b = await start();
      const alive = new Set([a.port, b.port]);
      const balancer = await startBalancer(() => [...alive]);
      const base = `http://127.0.0.1:${balancer.port}`;
      try {
        const headers = { authorization: `Bearer ${apiKey}`, "content-type": "application/json" };
        await fetch(`${management}/config/login/password`, { method: "POST", headers, body: "{}" });
        const password = "a rolling password";
        await fetch(`${management}/users`, {
          method: "POST",
          headers,
          body: JSON.stringify({ identifiers: [{ value: "rolling@example.com" }], password }),
        });
        const login = await fetch(`${base}/v1/session/login/email/password`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ identifier: "rolling@example.com", password }),
        });
        const { challenge_token } = (await login.json()) as { challenge_token: string };
        let phase = "start";
        // Every failed exchange counts, even one the SDK would retry: a drain must not cut a request.
        const failures: string[] = [];
        const counting: typeof fetch = (input, init) =>
          fetch(input, init).then(
            (res) => {
              if (res.status >= 500) failures.push(`HTTP ${res.status}`);
              return res;
            },
            (error: Error) => {
              failures.push(
                `${phase} ${String(input)} ${error.message} ${String((error.cause as Error | undefined)?.message ?? "")}`,
              );
              throw error;
            },
          );
        const session = createSessionClient({ baseUrl: base, timeoutMs: 5_000, fetch: counting });
        await session.finalizeLogin(challenge_token);

        let refreshes = 0;
        let running = true;
        const loop = (async () => {
          while (running) {
            await session.invalidateCache();
            try {
              await session.refresh();
              refreshes++;
            } catch (error) {
              failures.push((error as Error).message);
            }
          }
        })();
        const restart = async (which: "a" | "b") => {
          const old = which === "a" ? a : b;
          const before = refreshes;
          while (refreshes < before + 20) await new Promise((r) => setTimeout(r, 10));
          // The node drains; the balancer learns of it only by the refused connections.
          phase = `stopping ${which}`;
          expect(await old.node.stop()).toBe(0);
          phase = `stopped ${which}`;
          alive.delete(old.port);
          const fresh = await start();
          phase = `restarted ${which}`;
          alive.add(fresh.port);
          if (which === "a") a = fresh;
          else b = fresh;
        };
        await restart("a");
        await restart("b");
        const settled = refreshes;
        while (refreshes < settled + 20) await new Promise((r) => setTimeout(r, 10));
        running = false;
        await loop;
        expect(failures).toEqual([]);
        expect(refreshes).toBeGreaterThan(60);
      } finally {
        await balancer.close();
        await a.node.stop();
        await b.node.stop();
      }
    });
  },
);
