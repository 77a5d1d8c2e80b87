import { answerActivation } from "@overture/sdk";
import { afterAll, beforeAll, expect, it } from "vitest";
import { routeEvents } from "../src/domain/webhooks/dispatch-webhooks.js";
import { json, startReceiver } from "./support/receiver.js";
import { SessionClient } from "./support/session-client.js";
import { describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

/** Prometheus text → `name{labels}` → value, the labels as the server wrote them. */
async function scrape(url: string): Promise<Map<string, number>> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/plain");
  const values = new Map<string, number>();
  for (const line of (await res.text()).split("\n")) {
    const m = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m?.[1] && m[2]) values.set(m[1], Number(m[2]));
  }
  return values;
}

describeEachDatabase("metrics", (dialect) => {
  let s: TestServer;
  let hook: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    s = await startTestServer(dialect, {}, { metrics: true });
    hook = await startReceiver((call, res) => {
      if (call.method === "GET") {
        const answer = answerActivation(call.url, { verificationToken: "tok", appId: s.appId });
        return json(res, answer.status, answer.body);
      }
      const { token } = JSON.parse(call.body) as { token: string };
      json(res, 200, { external_id: `m-${token}`, identifiers: [{ value: `${token}@metrics.example` }] });
    });
  });
  afterAll(async () => {
    await s.close();
    await hook.close();
  });

  it("count requests, logins, refreshes, rate limits and hook calls by what they were, never by id", async () => {
    const host = `${s.appId}.localhost`;
    const post = (path: string, body?: unknown) =>
      s.inject({
        method: "POST",
        url: `/v1/session${path}`,
        headers: { host, "content-type": "application/json" },
        ...(body !== undefined && { payload: JSON.stringify(body) }),
      });
    await s.mgmt("POST", "/config/login/password", {});
    await s.mgmt("POST", "/config/migration", { session_validation_url: hook.url });
    const password = "a metrics password";
    await s.mgmt("POST", "/users", { identifiers: [{ value: "metrics@example.com" }], password });
    const before = await scrape(s.metricsUrl as string);
    const delta = async (key: string) =>
      ((await scrape(s.metricsUrl as string)).get(key) ?? 0) - (before.get(key) ?? 0);

    const first = await post("/login/email/password", { identifier: "metrics@example.com", password });
    const second = await post("/login/email/password", { identifier: "metrics@example.com", password });
    expect(
      (await post("/login/email/password", { identifier: "metrics@example.com", password: "wrong!" })).status,
    ).toBe(401);
    const client = new SessionClient(s, host);
    expect((await client.finalize(first.body.challenge_token)).status).toBe(200);
    expect((await new SessionClient(s, host).finalize(second.body.challenge_token)).status).toBe(200);
    // Three rotations; then the last token again at once (a grace retry); then an old one (reuse).
    const tokens: string[] = [];
    for (let i = 0; i < 3; i++) {
      tokens.push(String(client.refreshToken));
      expect((await client.refresh()).status).toBe(200);
    }
    client.refreshToken = tokens[2];
    expect((await client.refresh()).status).toBe(200);
    client.refreshToken = tokens[0];
    expect((await client.refresh()).body.code).toBe("token_reused");
    // A lazy migration: one call to the app's hook.
    expect((await post("/migration", { token: "hooked", code_challenge: "c".repeat(43) })).status).toBe(200);
    // A code resent at once is refused (one per 30 s): a rate limit.
    const started = await post("/login/otp", {
      identifier: { type: "email_address", value: "m.otp@example.com" },
    });
    const cookie = String(started.headers["set-cookie"]).split(";")[0] ?? "";
    const retried = await s.inject({
      method: "POST",
      url: "/v1/session/login/otp/retry",
      headers: { host, cookie },
    });
    expect(retried.status).toBe(429);

    const logins = (method: string, outcome: string) =>
      `overture_logins_total{method="${method}",outcome="${outcome}"}`;
    expect(await delta(logins("password", "ok"))).toBe(2);
    expect(await delta(logins("password", "unauthorized"))).toBe(1);
    expect(await delta(logins("finalize", "ok"))).toBe(2);
    expect(await delta(logins("migration", "ok"))).toBe(1);
    expect(await delta('overture_refreshes_total{outcome="rotated"}')).toBe(3);
    expect(await delta('overture_refreshes_total{outcome="grace_retry"}')).toBe(1);
    expect(await delta('overture_refreshes_total{outcome="reuse_detected"}')).toBe(1);
    expect(await delta('overture_rate_limited_total{route="/v1/session/login/otp/retry"}')).toBe(1);
    expect(await delta('overture_outbound_requests_total{peer="migration_hook",outcome="2xx"}')).toBe(1);
    expect(
      await delta(
        'overture_http_requests_total{surface="frontend",method="POST",route="/v1/session/refresh",status="200"}',
      ),
    ).toBe(4);
    expect(
      await delta(
        'overture_http_request_duration_seconds_count{surface="frontend",method="POST",route="/v1/session/refresh"}',
      ),
    ).toBe(5);

    const after = await scrape(s.metricsUrl as string);
    // The process's own: event-loop lag, CPU, heap.
    expect(after.has("overture_nodejs_eventloop_lag_seconds")).toBe(true);
    expect(after.has("overture_process_cpu_user_seconds_total")).toBe(true);
    // Route templates only: no app id, user id or token in any label.
    const text = await (await fetch(s.metricsUrl as string)).text();
    expect(text).not.toContain(s.appId);
    expect(text).not.toContain("usr_");
    expect(text).toContain('route="/v2/session/apps/:appID/users"');
  });

  it("are served on their own listener only: not on the API's hosts", async () => {
    expect(
      (await s.inject({ method: "GET", url: "/metrics", headers: { host: `${s.appId}.localhost` } })).status,
    ).toBe(404);
    expect((await fetch((s.metricsUrl as string).replace("/metrics", "/other"))).status).toBe(404);
  });

  it("show database commits and how far webhook delivery is behind", async () => {
    const webhook = (
      await s.mgmt("POST", "/webhooks", {
        url: `${hook.url}?webhook`,
        verification_token: "tok",
        events: ["user.created"],
      })
    ).body.webhook.id as string;
    expect((await s.mgmt("POST", `/webhooks/${webhook}/activate`)).status).toBe(200);
    await s.mgmt("POST", "/users", { external_id: "behind-1" });
    await s.mgmt("POST", "/users", { external_id: "behind-2" });
    s.clock.advance(90_000);
    const waiting = await scrape(s.metricsUrl as string);
    expect(waiting.get("overture_outbox_oldest_unrouted_seconds")).toBeGreaterThanOrEqual(90);
    // Routed (as the dispatcher does), not yet sent: two deliveries wait at that webhook.
    await routeEvents(s.domain, "metrics-test");
    s.clock.advance(30_000);
    const routed = await scrape(s.metricsUrl as string);
    const labels = `{app_id="${s.appId}",webhook_id="${webhook}"}`;
    expect(routed.get(`overture_webhook_pending_deliveries${labels}`)).toBe(2);
    expect(routed.get(`overture_webhook_oldest_pending_seconds${labels}`)).toBeGreaterThanOrEqual(30);
    expect(routed.get("overture_outbox_oldest_unrouted_seconds")).toBe(0);
    expect(routed.get("overture_db_transaction_duration_seconds_count")).toBeGreaterThan(0);
    expect(routed.get('overture_db_transaction_requests_bucket{le="64"}')).toBe(
      routed.get("overture_db_transaction_requests_count"),
    );
  });
});
