import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { answerActivation } from "@overture/sdk";
import { Pool } from "undici";
import type { LoadOptions, Stats } from "./load.js";
import type { ServerProcess } from "./server-process.js";
import { alternate, finalizer, issueChallengeTokens, newClient, sessionPoster } from "./sessions.js";

/**
 * Webhook delivery (docs/webhooks.md), with the server's own dispatcher:
 *
 * - events delivered per second: a webhook subscribed to `user.created` on a local receiver, and
 *   BENCH_WEBHOOK_EVENTS users created through the Management API by 32 clients; the rate is the
 *   events over the time from the first create to the last event received (so it counts the
 *   dispatcher keeping up with the writes, and the writes themselves);
 * - refresh, and finalize, with an active webhook subscribed to `user.session.created` against the
 *   same with it deactivated, in alternating slices, so the machine's drift hits both alike.
 */
export async function benchWebhooks(
  server: ServerProcess,
  env: Record<string, string>,
  options: LoadOptions,
): Promise<[string, Stats][]> {
  let received = 0;
  let lastReceivedAt = 0;
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method === "GET") {
        const answer = answerActivation(req.url ?? "", { verificationToken: "bench", appId: server.appId });
        res.writeHead(answer.status, { "content-type": "application/json" }).end(JSON.stringify(answer.body));
        return;
      }
      received += (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { events: unknown[] }).events.length;
      lastReceivedAt = performance.now();
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/events`;
  const pool = new Pool(server.base, { connections: options.concurrency, pipelining: 1 });
  const mgmt = async (method: string, path: string, body?: unknown) => {
    const res = await pool.request({
      method: method as "POST",
      path: `/v2/session/apps/${server.appId}${path}`,
      headers: { authorization: `Bearer ${server.apiKey}`, "content-type": "application/json" },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await res.body.text();
    return { status: res.statusCode, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  };
  try {
    const created = await mgmt("POST", "/webhooks", {
      url,
      verification_token: "bench",
      events: ["user.created"],
    });
    const users = (created.body.webhook as { id: string }).id;
    if ((await mgmt("POST", `/webhooks/${users}/activate`)).status !== 200)
      throw new Error("activation failed");
    const total = Number(process.env.BENCH_WEBHOOK_EVENTS ?? 20_000);
    const started = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < total) {
        const n = next++;
        const res = await mgmt("POST", "/users", { external_id: `wh-${n}-${started}` });
        if (res.status !== 201) throw new Error(`create user: ${res.status}`);
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    const createdAt = performance.now();
    for (let i = 0; i < 1_200 && received < total; i++) await new Promise((r) => setTimeout(r, 50));
    if (received < total) throw new Error(`only ${received} of ${total} events arrived`);
    const seconds = (lastReceivedAt - started) / 1000;
    const delivery: Stats = {
      requests: total,
      errors: 0,
      rps: total / seconds,
      p50: 0,
      p99: 0,
      serverCpuUs: null,
      eventLoopCpuUs: null,
      clientCpuUs: 0,
      databaseCpuUs: null,
    };
    console.log(
      `webhooks: ${total} events created in ${((createdAt - started) / 1000).toFixed(1)} s, all delivered after ${seconds.toFixed(1)} s`,
    );
    await mgmt("DELETE", `/webhooks/${users}`);

    // Sessions with and without an active webhook subscribed to user.session.created.
    const sessions = (
      await mgmt("POST", "/webhooks", { url, verification_token: "bench", events: ["user.session.created"] })
    ).body.webhook as { id: string };
    const tokens = await issueChallengeTokens(server, env, 120_000);
    const post = sessionPoster(pool, server.base);
    const clients = Array.from({ length: options.concurrency }, newClient);
    const finalizing = finalizer(post, clients, tokens);
    for (let w = 0; w < clients.length; w++)
      if (!(await finalizing.step(w))) throw new Error("finalize failed");
    const refresh = (w: number) => post(clients[w]!, "/v1/session/refresh", null, true);
    const toggle = async (active: boolean) =>
      mgmt("POST", `/webhooks/${sessions.id}/${active ? "activate" : "deactivate"}`);
    const refreshPair = await alternateToggled(options, refresh, toggle);
    const finalizePair = await alternateToggled(options, finalizing.step, toggle);
    if (finalizing.ranOut()) console.warn("finalize ran out of its pre-issued challenge tokens");
    return [
      ["webhook delivery: events delivered per second (end to end from POST /users)", delivery],
      ["  alternating slices: refresh, no active webhook", refreshPair[0]!],
      ["  alternating slices: refresh, a webhook on user.session.created", refreshPair[1]!],
      ["  alternating slices: finalize, no active webhook", finalizePair[0]!],
      ["  alternating slices: finalize, a webhook on user.session.created", finalizePair[1]!],
    ];
  } finally {
    await pool.close();
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  }
}

/** `alternate` over the same step with the webhook inactive, then active, each slice set first. */
async function alternateToggled(
  options: LoadOptions,
  step: (w: number) => Promise<boolean>,
  toggle: (active: boolean) => Promise<unknown>,
): Promise<Stats[]> {
  let state: boolean | null = null;
  const as = (active: boolean) => async (w: number) => {
    if (state !== active) {
      state = active;
      await toggle(active);
    }
    return step(w);
  };
  return alternate(options, [as(false), as(true)]);
}
