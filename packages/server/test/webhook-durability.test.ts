import { mkdtempSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { answerActivation } from "@overture/sdk";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startServeProcess } from "./support/run-cli.js";
import { createTestDatabase, describeEachDatabase, type TestDatabase } from "./support/test-databases.js";

/**
 * At least once, never lost: the server is killed (SIGKILL) while it delivers over a thousand
 * events to a real receiver, then started again on the same database; every event arrives, and an
 * event that arrives twice has the same id both times.
 */
describeEachDatabase("webhooks: a server killed mid-delivery loses nothing", (dialect) => {
  let db: TestDatabase;
  /** The dev app the first start creates, read from its banner. */
  let appId = "";
  const received: { id: string; userId: string }[] = [];
  let batches = 0;
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method === "GET") {
        const answer = answerActivation(req.url ?? "", { verificationToken: "t", appId });
        res.writeHead(answer.status, { "content-type": "application/json" }).end(JSON.stringify(answer.body));
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
        events: { id: string; payload: { user_id: string } }[];
      };
      for (const e of body.events) received.push({ id: e.id, userId: e.payload.user_id });
      batches++;
      // A slow receiver, so that the kill lands while batches are still going out.
      setTimeout(() => res.writeHead(200).end(), 40);
    });
  });
  beforeAll(async () => {
    db = await createTestDatabase(dialect, { migrate: false });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  });
  afterAll(async () => {
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
    await db.drop();
  });

  it("delivers every one of 1,200 events after a SIGKILL and a restart", { timeout: 120_000 }, async () => {
    const env = {
      OVERTURE_DATA_DIR: mkdtempSync(join(tmpdir(), "overture-kill-")),
      OVERTURE_DATABASE_URL: db.url,
      OVERTURE_PORT: "0",
    };
    const first = startServeProcess(env, { args: ["--create-dev-app"] });
    const banner = await first.ready;
    const management = /Management API:\s+(\S+)/.exec(banner)?.[1] as string;
    appId = /App ID:\s+(\S+)/.exec(banner)?.[1] as string;
    const apiKey = /API key:\s+(ovk_\S+)/.exec(banner)?.[1] as string;
    const headers = { authorization: `Bearer ${apiKey}`, "content-type": "application/json" };
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${management}${path}`, {
        method,
        headers,
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
    };
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/events`;
    const webhook = await call("POST", "/webhooks", {
      url,
      verification_token: "t",
      events: ["user.created"],
    });
    expect(webhook.status).toBe(201);
    const id = (webhook.body.webhook as { id: string }).id;
    expect((await call("POST", `/webhooks/${id}/activate`)).status).toBe(200);

    const users: string[] = [];
    const create = async (n: number) => {
      const res = await call("POST", "/users", { external_id: `kill-${n}` });
      expect(res.status).toBe(201);
      users.push(res.body.id as string);
    };
    for (let n = 0; n < 1_200; n += 20)
      await Promise.all(Array.from({ length: 20 }, (_, i) => create(n + i)));

    // Kill it while it is delivering: some batches arrived, most have not.
    for (let i = 0; i < 500 && batches < 2; i++) await new Promise((r) => setTimeout(r, 10));
    process.kill(first.pid as number, "SIGKILL");
    await first.stop();
    const beforeRestart = new Set(received.map((r) => r.userId)).size;
    expect(beforeRestart).toBeLessThan(1_200);

    const second = startServeProcess(env, { args: ["--create-dev-app"] });
    const management2 = /Management API:\s+(\S+)/.exec(await second.ready)?.[1] as string;
    try {
      // The dead process's leases run out (at most 20 s), then the rest goes out.
      for (let i = 0; i < 900 && new Set(received.map((r) => r.userId)).size < 1_200; i++)
        await new Promise((r) => setTimeout(r, 100));
      const byUser = new Map<string, Set<string>>();
      for (const r of received) byUser.set(r.userId, (byUser.get(r.userId) ?? new Set()).add(r.id));
      expect(users.filter((u) => !byUser.has(u))).toEqual([]);
      // A duplicate is the same event again: one id per user.
      expect([...byUser.values()].filter((ids) => ids.size !== 1)).toEqual([]);
      // A batch sent but not recorded before the kill is sent again once its lease runs out: the
      // queue drains to nothing pending.
      const pending = async () =>
        (
          (await (
            await fetch(`${management2}/webhooks/${id}/deliveries?status=pending`, { headers })
          ).json()) as {
            deliveries: unknown[];
          }
        ).deliveries.length;
      for (let i = 0; i < 600 && (await pending()) > 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(await pending()).toBe(0);
      const again = new Map<string, Set<string>>();
      for (const r of received) again.set(r.userId, (again.get(r.userId) ?? new Set()).add(r.id));
      expect([...again.values()].filter((ids) => ids.size !== 1)).toEqual([]);
    } finally {
      expect(await second.stop()).toBe(0);
    }
  });
});
