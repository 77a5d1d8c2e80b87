import { constants, createPublicKey, verify } from "node:crypto";
import { answerActivation } from "@overture/sdk";
import { afterAll, beforeAll, expect, it } from "vitest";
import { purgeExpired } from "../src/domain/shared/purge-expired.js";
import { startWebhookDispatcher } from "../src/workers/webhook-dispatcher.js";
import { json, type ReceivedCall, startReceiver } from "./support/receiver.js";
import { describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

interface Envelope {
  id: string;
  type: string;
  created_at: string;
  payload: Record<string, unknown>;
}

describeEachDatabase("webhooks: delivery", (dialect) => {
  let s: TestServer;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let status = 200;
  let dispatcher: ReturnType<typeof startWebhookDispatcher>;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    receiver = await startReceiver((call, res) => {
      if (call.method === "GET") {
        const answer = answerActivation(call.url, { verificationToken: "tok", appId: s.appId });
        return json(res, answer.status, answer.body);
      }
      json(res, status, {});
    });
    dispatcher = startWebhookDispatcher(s.domain, { error: () => {} }, { intervalMs: 20 });
  });
  afterAll(async () => {
    dispatcher.stop();
    await dispatcher.idle();
    await s.close();
    await receiver.close();
  });

  const batches = () => receiver.calls.filter((c) => c.method === "POST");
  const received = (calls = batches()) =>
    calls.flatMap((c) => (JSON.parse(c.body) as { events: Envelope[] }).events);
  /**
   * Waits, in real time, until `check` holds: the dispatcher runs every 20 ms. Up to 20 s, for a
   * machine busy with the rest of the suite; a passing run waits only as long as it must.
   */
  async function until(check: () => boolean, what: string) {
    for (let i = 0; i < 1000 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
    expect(check(), what).toBe(true);
  }

  async function activeWebhook(events: string[], url = `${receiver.url}?w=${Math.random()}`) {
    const id = (await s.mgmt("POST", "/webhooks", { url, verification_token: "tok", events })).body.webhook
      .id;
    expect((await s.mgmt("POST", `/webhooks/${id}/activate`)).status).toBe(200);
    return { id, url };
  }
  const to = (url: string) => (c: ReceivedCall) => url.endsWith(c.url.replace(/^\/hook/, ""));

  it("sends signed batches of the subscribed events recorded since activation, with stable envelopes", async () => {
    await s.mgmt("POST", "/users", { external_id: "before-activation" });
    const { id, url } = await activeWebhook(["user.created", "user.updated"]);
    const mine = to(url);
    const user = (await s.mgmt("POST", "/users", { external_id: "after-activation" })).body.id;
    await s.mgmt("PUT", `/users/${user}/status`, { status: "disabled" });
    await s.mgmt("PATCH", `/users/${user}/profile`, { plan: "pro" });
    await until(() => received(batches().filter(mine)).length >= 2, "two events arrive");
    const events = received(batches().filter(mine));
    expect(events.map((e) => [e.type, e.payload.user_id])).toEqual([
      ["user.created", user],
      ["user.updated", user],
    ]);
    expect(events[0]).toEqual({
      id: expect.stringMatching(/^evt_/),
      type: "user.created",
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      payload: expect.objectContaining({ external_id: "after-activation", source: "api" }),
    });
    const call = batches().filter(mine)[0]!;
    expect(JSON.parse(call.body).app_id).toBe(s.appId);
    expect(call.headers["content-type"]).toBe("application/json");

    // The signature verifies with plain node:crypto and the app's published key (docs/webhooks.md).
    const jwks = (
      await s.inject({
        method: "GET",
        url: "/.well-known/jwks.json",
        headers: { host: `${s.appId}.localhost` },
      })
    ).body;
    const jwk = jwks.keys.find((k: { kid: string }) => k.kid === call.headers["x-webhook-signature-key-id"]);
    expect(jwk).toBeDefined();
    const signature = String(call.headers["x-webhook-signature"]).replace(/^rsassa-pss-sha256=/, "");
    const key = createPublicKey({ key: jwk, format: "jwk" });
    const pss = { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO };
    expect(verify("sha256", Buffer.from(call.body), pss, Buffer.from(signature, "base64url"))).toBe(true);
    expect(verify("sha256", Buffer.from(`${call.body} `), pss, Buffer.from(signature, "base64url"))).toBe(
      false,
    );

    // The answer is recorded just after the receiver has the batch.
    let webhook = (await s.mgmt("GET", `/webhooks/${id}`)).body.webhook;
    for (let i = 0; i < 100 && webhook.last_http_code === null; i++) {
      await new Promise((r) => setTimeout(r, 20));
      webhook = (await s.mgmt("GET", `/webhooks/${id}`)).body.webhook;
    }
    expect(webhook.last_http_code).toBe(200);
    expect(webhook.last_http_code_date).toMatch(/Z$/);
    await s.mgmt("DELETE", `/webhooks/${id}`);
  });

  it("sends nothing to an inactive webhook, and nothing recorded while it was inactive", async () => {
    const { id, url } = await activeWebhook(["user.created"]);
    const mine = to(url);
    expect((await s.mgmt("POST", `/webhooks/${id}/deactivate`)).status).toBe(200);
    await s.mgmt("POST", "/users", { external_id: "while-inactive" });
    await new Promise((r) => setTimeout(r, 200));
    expect(batches().filter(mine)).toEqual([]);
    expect((await s.mgmt("POST", `/webhooks/${id}/activate`)).status).toBe(200);
    const later = (await s.mgmt("POST", "/users", { external_id: "reactivated" })).body.id;
    await until(() => received(batches().filter(mine)).length >= 1, "the later event arrives");
    await new Promise((r) => setTimeout(r, 100));
    expect(received(batches().filter(mine)).map((e) => e.payload.user_id)).toEqual([later]);
    await s.mgmt("DELETE", `/webhooks/${id}`);
  });

  it("retries a failing endpoint with backoff, holding the events behind, and delivers all in order after", async () => {
    const { id, url } = await activeWebhook(["user.created"]);
    const mine = to(url);
    status = 500;
    const first = (await s.mgmt("POST", "/users", { external_id: "retry-1" })).body.id;
    await until(() => batches().filter(mine).length >= 1, "a first attempt");
    // The clock moves only once the server has recorded an attempt: an advance before it would
    // date the next attempt from the advanced clock (a flake seen under load).
    /** Waits until the deliveries' attempts, summed, reach `n`: each event counts each attempt it was in. */
    const attempted = async (n: number) => {
      for (let i = 0; i < 1000; i++) {
        const log = (await s.mgmt("GET", `/webhooks/${id}/deliveries`)).body.deliveries as {
          attempts: number;
        }[];
        if (log.reduce((sum, d) => sum + d.attempts, 0) >= n) return;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`the delivery log never showed ${n} attempts`);
    };
    await attempted(1);
    const second = (await s.mgmt("POST", "/users", { external_id: "retry-2" })).body.id;
    await new Promise((r) => setTimeout(r, 150));
    // Held: one attempt, no retry before a minute has passed, and the second event waits behind.
    expect(batches().filter(mine)).toHaveLength(1);
    expect((await s.mgmt("GET", `/webhooks/${id}`)).body.webhook.last_http_code).toBe(500);
    s.clock.advance(61_000);
    await until(() => batches().filter(mine).length >= 2, "a retry after a minute");
    // The retry carries both, in order; the next waits two minutes.
    expect(received([batches().filter(mine)[1]!]).map((e) => e.payload.user_id)).toEqual([first, second]);
    await attempted(3); // the first event twice, the second once
    s.clock.advance(61_000);
    await new Promise((r) => setTimeout(r, 150));
    expect(batches().filter(mine)).toHaveLength(2);
    status = 200;
    s.clock.advance(61_000);
    await until(() => batches().filter(mine).length >= 3, "a third attempt");
    await attempted(5);
    expect(batches().filter(mine)).toHaveLength(3);
    expect(received([batches().filter(mine)[2]!]).map((e) => e.payload.user_id)).toEqual([first, second]);
    expect((await s.mgmt("GET", `/webhooks/${id}`)).body.webhook.last_http_code).toBe(200);
    await s.mgmt("DELETE", `/webhooks/${id}`);
  });

  it("gives up after two weeks, and the queue moves on", async () => {
    const { id, url } = await activeWebhook(["user.created"]);
    const mine = to(url);
    status = 503;
    const lost = (await s.mgmt("POST", "/users", { external_id: "given-up" })).body.id;
    await until(() => batches().filter(mine).length >= 1, "a first attempt");
    // Backoff doubles to 12 h and stays there; past two weeks from the first attempt, it is failed.
    // Each 12 h step makes one attempt, read from the delivery log once it is recorded.
    const record = async () =>
      (await s.mgmt("GET", `/webhooks/${id}/deliveries`)).body.deliveries[0] as {
        attempts: number;
        status: string;
      };
    const recorded = async (check: (d: { attempts: number; status: string }) => boolean) => {
      for (let i = 0; i < 1000; i++) {
        const d = await record();
        if (d && check(d)) return d;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error("the delivery log did not change");
    };
    let current = await recorded((d) => d.attempts === 1);
    while (current.status === "pending") {
      const before = current.attempts;
      s.clock.advance(12 * 3_600_000);
      current = await recorded((d) => d.attempts > before);
      expect(current.attempts).toBe(before + 1);
    }
    expect(current.status).toBe("failed");
    // The first attempt, then one per 12 h step until two weeks have passed.
    expect(current.attempts).toBeGreaterThanOrEqual(28);
    expect(current.attempts).toBeLessThanOrEqual(30);
    const attempts = batches().filter(mine).length;
    expect(attempts).toBe(current.attempts);
    status = 200;
    const next = (await s.mgmt("POST", "/users", { external_id: "after-giving-up" })).body.id;
    await until(
      () => received(batches().filter(mine)).some((e) => e.payload.user_id === next),
      "the next event",
    );
    const last = received([batches().filter(mine).at(-1)!]);
    expect(last.map((e) => e.payload.user_id)).toEqual([next]);
    expect(received(batches().filter(mine)).filter((e) => e.payload.user_id === lost).length).toBe(attempts);
    await s.mgmt("DELETE", `/webhooks/${id}`);
  });

  it("keeps a delivery log, paginated and filtered, redelivers one event or all since a time, and purges", async () => {
    const { id, url } = await activeWebhook(["user.created"]);
    const mine = to(url);
    status = 200;
    const users: string[] = [];
    for (const n of [1, 2, 3]) {
      users.push((await s.mgmt("POST", "/users", { external_id: `log-${n}` })).body.id);
      // A second apart, so that "since the second" is exactly the last two.
      s.clock.advance(1_000);
    }
    await until(() => received(batches().filter(mine)).length >= 3, "three events");
    // The answer is recorded just after the receiver has the batch.
    const delivered = async () =>
      (await s.mgmt("GET", `/webhooks/${id}/deliveries?status=delivered`)).body.deliveries.length;
    for (let i = 0; i < 100 && (await delivered()) < 3; i++) await new Promise((r) => setTimeout(r, 20));
    const page = await s.mgmt("GET", `/webhooks/${id}/deliveries?limit=2`);
    expect(page.status, page.text).toBe(200);
    expect(page.body.deliveries).toHaveLength(2);
    expect(page.body.deliveries[0]).toEqual({
      event_id: expect.stringMatching(/^evt_/),
      event_type: "user.created",
      status: "delivered",
      attempts: 1,
      last_status: 200,
      last_error: null,
      last_latency_ms: expect.any(Number),
      first_attempt_at: expect.stringMatching(/Z$/),
      last_attempt_at: expect.stringMatching(/Z$/),
      next_attempt_at: null,
      delivered_at: expect.stringMatching(/Z$/),
      created_at: expect.stringMatching(/Z$/),
    });
    const rest = await s.mgmt("GET", `/webhooks/${id}/deliveries?limit=2&cursor=${page.body.next_cursor}`);
    expect(rest.body.deliveries).toHaveLength(1);
    expect(rest.body.next_cursor).toBeNull();
    // Newest first across the two pages.
    const ids = [...page.body.deliveries, ...rest.body.deliveries].map(
      (d: { event_id: string }) => d.event_id,
    );
    expect(ids).toEqual(
      received(batches().filter(mine))
        .map((e) => e.id)
        .reverse(),
    );
    expect((await s.mgmt("GET", `/webhooks/${id}/deliveries?status=failed`)).body.deliveries).toEqual([]);

    // One event again: the same id, a second attempt.
    const oldest = received(batches().filter(mine))[0]!;
    const again = await s.mgmt("POST", `/webhooks/${id}/deliveries/${oldest.id}/redeliver`);
    expect([again.status, again.body.delivery.status]).toEqual([200, "pending"]);
    await until(() => received(batches().filter(mine)).length >= 4, "the redelivery");
    expect(received(batches().filter(mine))[3]).toEqual(oldest);
    const log = async () =>
      (await s.mgmt("GET", `/webhooks/${id}/deliveries`)).body.deliveries as {
        event_id: string;
        attempts: number;
        status: string;
      }[];
    let attempts = 0;
    for (let i = 0; i < 100 && attempts < 2; i++) {
      attempts = (await log()).find((d) => d.event_id === oldest.id)?.attempts ?? 0;
      if (attempts < 2) await new Promise((r) => setTimeout(r, 20));
    }
    expect(attempts).toBe(2);

    // Everything since the second event.
    const second = received(batches().filter(mine))[1]!;
    const since = await s.mgmt("POST", `/webhooks/${id}/redeliver`, { since: second.created_at });
    expect(since.body).toEqual({ redelivered: 2 });
    await until(() => received(batches().filter(mine)).length >= 6, "two more");
    expect(
      received(batches().filter(mine))
        .slice(4)
        .map((e) => e.payload.user_id),
    ).toEqual(users.slice(1));

    const missing = await s.mgmt("POST", `/webhooks/${id}/deliveries/evt_unknown/redeliver`);
    expect([missing.status, missing.body.code]).toEqual([404, "not_found"]);
    const other = await s.forNewApp("other log");
    expect((await other.mgmt("GET", `/webhooks/${id}/deliveries`)).body.code).toBe("webhook_not_found");
    expect(
      (await other.mgmt("POST", `/webhooks/${id}/redeliver`, { since: second.created_at })).body.code,
    ).toBe("webhook_not_found");
    const bad = await s.mgmt("GET", `/webhooks/${id}/deliveries?limit=1000`);
    expect([bad.status, bad.body.code]).toEqual([400, "invalid_request"]);

    // Delivered rows go after the retention; the default is seven days.
    expect((await purgeExpired(s.domain)).deliveries).toBe(0);
    s.clock.advance(7 * 86_400_000 + 60_000);
    const purged = await purgeExpired(s.domain);
    expect(purged.deliveries).toBeGreaterThanOrEqual(3);
    // Their events go with them: nothing refers to them any more.
    expect(purged.outbox).toBeGreaterThanOrEqual(3);
    expect((await s.mgmt("GET", `/webhooks/${id}/deliveries`)).body.deliveries).toEqual([]);
    await s.mgmt("DELETE", `/webhooks/${id}`);
  });

  it("two nodes' dispatchers share the webhooks and never send one event twice", async () => {
    const second = await s.secondNode();
    const other = startWebhookDispatcher(second.domain, { error: () => {} }, { intervalMs: 20 });
    try {
      status = 200;
      const hooks = await Promise.all([1, 2, 3, 4].map(() => activeWebhook(["user.created"])));
      const users: string[] = [];
      for (let n = 0; n < 200; n += 20)
        await Promise.all(
          Array.from({ length: 20 }, async (_, i) => {
            users.push((await s.mgmt("POST", "/users", { external_id: `two-nodes-${n + i}` })).body.id);
          }),
        );
      for (const { url } of hooks) {
        const mine = to(url);
        await until(() => received(batches().filter(mine)).length >= 200, "every event at every webhook");
      }
      await new Promise((r) => setTimeout(r, 200));
      for (const { id, url } of hooks) {
        const ids = received(batches().filter(to(url))).map((e) => e.id);
        expect(ids).toHaveLength(200);
        expect(new Set(ids).size).toBe(200);
        await s.mgmt("DELETE", `/webhooks/${id}`);
      }
    } finally {
      other.stop();
      await other.idle();
      await second.close();
    }
  });
});
