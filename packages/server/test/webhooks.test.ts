import { afterAll, beforeAll, expect, it } from "vitest";
import { json, startReceiver } from "./support/receiver.js";
import { tableCounts } from "./support/row-counts.js";
import { describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

describeEachDatabase("webhooks: registration and the activation handshake", (dialect) => {
  let s: TestServer;
  let endpoint: Awaited<ReturnType<typeof startReceiver>>;
  /** What the endpoint answers to a handshake, given the query it got. */
  let answer: (query: URLSearchParams) => [number, unknown] = (q) => [
    200,
    { challenge: Number(q.get("challenge")) },
  ];
  const queries: URLSearchParams[] = [];
  beforeAll(async () => {
    s = await startTestServer(dialect);
    endpoint = await startReceiver((call, res) => {
      const query = new URL(call.url, "http://endpoint").searchParams;
      queries.push(query);
      const [status, body] = answer(query);
      json(res, status, body);
    });
  });
  afterAll(async () => {
    await s.close();
    await endpoint.close();
  });

  const iso = expect.stringMatching(/^\d{4}-\d\d-\d\dT/);
  const create = (body: Record<string, unknown> = {}) =>
    s.mgmt("POST", "/webhooks", {
      url: endpoint.url,
      verification_token: "a-secret-of-mine",
      events: ["user.created", "user.session.created"],
      ...body,
    });

  it("registers inactive, never shows the verification token, and keeps it sealed", async () => {
    const created = await create();
    expect(created.status, created.text).toBe(201);
    expect(created.body).toEqual({
      webhook: {
        id: expect.stringMatching(/^web_/),
        url: endpoint.url,
        events: ["user.created", "user.session.created"],
        active: false,
        last_http_code: null,
        last_http_code_date: null,
        created_at: iso,
        updated_at: iso,
      },
    });
    expect(created.text).not.toContain("a-secret-of-mine");
    const row = await s.db.database.db
      .selectFrom("webhooks")
      .selectAll()
      .where("id", "=", created.body.webhook.id)
      .executeTakeFirst();
    expect(JSON.stringify(row)).not.toContain("a-secret-of-mine");
    const id = created.body.webhook.id;
    expect((await s.mgmt("GET", `/webhooks/${id}`)).body).toEqual(created.body);
    expect((await s.mgmt("GET", "/webhooks")).body.webhooks).toContainEqual(created.body.webhook);
    expect((await s.mgmt("DELETE", `/webhooks/${id}`)).status).toBe(204);
    expect((await s.mgmt("GET", `/webhooks/${id}`)).body.code).toBe("webhook_not_found");
  });

  it("subscribes and unsubscribes events one at a time, in the catalogue's order", async () => {
    const id = (await create({ events: ["user.session.created"] })).body.webhook.id;
    const added = await s.mgmt("POST", `/webhooks/${id}/events`, { event: "user.created" });
    expect(added.status).toBe(201);
    expect(added.body.webhook.events).toEqual(["user.created", "user.session.created"]);
    expect(
      (await s.mgmt("POST", `/webhooks/${id}/events`, { event: "user.created" })).body.webhook.events,
    ).toEqual(["user.created", "user.session.created"]);
    for (const event of ["user.updated", "migration.hook_failed", "step_up.hook_failed"])
      expect((await s.mgmt("POST", `/webhooks/${id}/events`, { event })).status).toBe(201);
    const removed = await s.mgmt("DELETE", `/webhooks/${id}/events/user.session.created`);
    expect(removed.status).toBe(200);
    expect(removed.body.webhook.events).toEqual([
      "user.created",
      "user.updated",
      "migration.hook_failed",
      "step_up.hook_failed",
    ]);
    for (const event of ["user.updated", "migration.hook_failed", "step_up.hook_failed"])
      await s.mgmt("DELETE", `/webhooks/${id}/events/${event}`);
    const last = await s.mgmt("DELETE", `/webhooks/${id}/events/user.created`);
    expect([last.status, last.body.code]).toEqual([400, "invalid_request"]);
    await s.mgmt("DELETE", `/webhooks/${id}`);
  });

  it("activates only on a 200 JSON echo of the challenge, which carries the token and the app", async () => {
    const id = (await create()).body.webhook.id;
    const failures: [(q: URLSearchParams) => [number, unknown], string][] = [
      [() => [500, { error: "down" }], "HTTP 500"],
      [() => [302, {}], "HTTP 302"],
      [(q) => [200, { challenge: Number(q.get("challenge")) + 1 }], "did not echo"],
      [() => [200, "not json at all"], "did not echo"],
      [() => [200, { nothing: true }], "did not echo"],
    ];
    for (const [endpointAnswer, why] of failures) {
      answer = endpointAnswer;
      const res = await s.mgmt("POST", `/webhooks/${id}/activate`);
      expect([res.status, res.body.code], why).toEqual([400, "webhook_activation_failed"]);
      expect(res.body.message).toContain(why);
      expect((await s.mgmt("GET", `/webhooks/${id}`)).body.webhook.active).toBe(false);
    }
    answer = (q) => [200, { challenge: Number(q.get("challenge")) }];
    const activated = await s.mgmt("POST", `/webhooks/${id}/activate`);
    expect(activated.status, activated.text).toBe(200);
    expect(activated.body.webhook.active).toBe(true);
    const query = queries.at(-1)!;
    expect(endpoint.calls.at(-1)?.method).toBe("GET");
    expect(query.get("event")).toBe("activate");
    expect(query.get("verification_token")).toBe("a-secret-of-mine");
    expect(query.get("app_id")).toBe(s.appId);
    expect(query.get("challenge")).toMatch(/^\d+$/);
    // Challenges are random.
    expect(new Set(queries.map((q) => q.get("challenge"))).size).toBe(queries.length);
    // The string form of the integer is accepted too.
    answer = (q) => [200, { challenge: q.get("challenge") }];
    expect((await s.mgmt("POST", `/webhooks/${id}/activate`)).status).toBe(200);

    const off = await s.mgmt("POST", `/webhooks/${id}/deactivate`);
    expect([off.status, off.body.webhook.active]).toEqual([200, false]);
    // A failed handshake on an inactive webhook leaves it inactive; nothing listening: unreachable.
    const dead = (await create({ url: "http://127.0.0.1:9/hook" })).body.webhook.id;
    const refused = await s.mgmt("POST", `/webhooks/${dead}/activate`);
    expect([refused.status, refused.body.code]).toEqual([400, "webhook_activation_failed"]);
    expect(refused.body.message).toContain("could not be reached");
  });

  it("refuses bad input with invalid_request or webhook_not_found, and writes nothing", async () => {
    const id = (await create()).body.webhook.id;
    const other = await s.forNewApp("other webhooks");
    const theirs = (
      await other.mgmt("POST", "/webhooks", {
        url: endpoint.url,
        verification_token: "t",
        events: ["user.created"],
      })
    ).body.webhook.id;
    const cases: [string, string, unknown, number, string][] = [
      [
        "POST",
        "/webhooks",
        { url: "http://example.com/hook", verification_token: "t", events: ["user.created"] },
        400,
        "invalid_request",
      ],
      [
        "POST",
        "/webhooks",
        { url: "ftp://example.com/hook", verification_token: "t", events: ["user.created"] },
        400,
        "invalid_request",
      ],
      [
        "POST",
        "/webhooks",
        { url: "https://me:pw@example.com/h", verification_token: "t", events: ["user.created"] },
        400,
        "invalid_request",
      ],
      [
        "POST",
        "/webhooks",
        { url: `https://example.com/${"a".repeat(2048)}`, verification_token: "t", events: ["user.created"] },
        400,
        "invalid_request",
      ],
      [
        "POST",
        "/webhooks",
        { url: "https://example.com/h", verification_token: "t".repeat(101), events: ["user.created"] },
        400,
        "invalid_request",
      ],
      [
        "POST",
        "/webhooks",
        { url: "https://example.com/h", verification_token: "", events: ["user.created"] },
        400,
        "invalid_request",
      ],
      [
        "POST",
        "/webhooks",
        { url: "https://example.com/h", verification_token: "t", events: [] },
        400,
        "invalid_request",
      ],
      [
        "POST",
        "/webhooks",
        { url: "https://example.com/h", verification_token: "t", events: ["user.teleported"] },
        400,
        "invalid_request",
      ],
      [
        "POST",
        "/webhooks",
        { url: "https://example.com/h", verification_token: "t", events: ["otp.delivery_failed"] },
        400,
        "invalid_request",
      ],
      [
        "POST",
        "/webhooks",
        { url: "https://example.com/h", verification_token: "t", events: ["user.created"], secret: 1 },
        400,
        "invalid_request",
      ],
      ["POST", `/webhooks/${id}/events`, { event: "user.teleported" }, 400, "invalid_request"],
      ["POST", `/webhooks/${id}/events`, {}, 400, "invalid_request"],
      ["DELETE", `/webhooks/${id}/events/user.teleported`, undefined, 400, "invalid_request"],
      ["GET", `/webhooks/${id}/deliveries?status=bogus`, undefined, 400, "invalid_request"],
      ["GET", `/webhooks/${id}/deliveries?limit=0`, undefined, 400, "invalid_request"],
      ["GET", `/webhooks/${id}/deliveries?limit=abc`, undefined, 400, "invalid_request"],
      ["GET", `/webhooks/${id}/deliveries?cursor=${"x".repeat(65)}`, undefined, 400, "invalid_request"],
      ["GET", `/webhooks/${id}/deliveries?extra=1`, undefined, 400, "invalid_request"],
      ["POST", `/webhooks/${id}/redeliver`, { since: "not a date" }, 400, "invalid_request"],
      ["POST", `/webhooks/${id}/redeliver`, { since: "2026-02-30T00:00:00Z" }, 400, "invalid_request"],
      ["POST", `/webhooks/${id}/redeliver`, { since: "2026-01-01" }, 400, "invalid_request"],
      ["POST", `/webhooks/${id}/redeliver`, { since: 5 }, 400, "invalid_request"],
      ["POST", `/webhooks/${id}/redeliver`, {}, 400, "invalid_request"],
      ["POST", `/webhooks/${id}/deliveries/${"e".repeat(65)}/redeliver`, undefined, 400, "invalid_request"],
      ["POST", `/webhooks/${id}/deliveries/evt_none/redeliver`, undefined, 404, "not_found"],
      ["GET", `/webhooks/${theirs}/deliveries`, undefined, 404, "webhook_not_found"],
      ["POST", `/webhooks/${theirs}/redeliver`, { since: "2026-01-01T00:00:00Z" }, 404, "webhook_not_found"],
      ["POST", `/webhooks/${theirs}/deliveries/evt_none/redeliver`, undefined, 404, "webhook_not_found"],
      ["GET", "/webhooks/web_unknown", undefined, 404, "webhook_not_found"],
      ["GET", `/webhooks/${theirs}`, undefined, 404, "webhook_not_found"],
      ["DELETE", `/webhooks/${theirs}`, undefined, 404, "webhook_not_found"],
      ["POST", `/webhooks/${theirs}/activate`, undefined, 404, "webhook_not_found"],
      ["POST", `/webhooks/${theirs}/deactivate`, undefined, 404, "webhook_not_found"],
      ["POST", `/webhooks/${theirs}/events`, { event: "user.deleted" }, 404, "webhook_not_found"],
      ["DELETE", `/webhooks/${theirs}/events/user.created`, undefined, 404, "webhook_not_found"],
    ];
    for (const [method, path, body, status, code] of cases) {
      const before = await tableCounts(s);
      const res = await s.mgmt(method as "POST", path, body);
      expect([res.status, res.body.code], `${method} ${path} ${JSON.stringify(body)?.slice(0, 60)}`).toEqual([
        status,
        code,
      ]);
      expect(await tableCounts(s)).toEqual(before);
    }
    expect((await other.mgmt("GET", `/webhooks/${theirs}`)).body.webhook.events).toEqual(["user.created"]);
  });

  it("allows 20 webhooks per app", async () => {
    const t = await s.forNewApp("many webhooks");
    for (let i = 0; i < 20; i++)
      expect(
        (
          await t.mgmt("POST", "/webhooks", {
            url: `${endpoint.url}?n=${i}`,
            verification_token: "t",
            events: ["user.created"],
          })
        ).status,
      ).toBe(201);
    const over = await t.mgmt("POST", "/webhooks", {
      url: endpoint.url,
      verification_token: "t",
      events: ["user.created"],
    });
    expect([over.status, over.body.code]).toEqual([400, "invalid_request"]);
    expect((await t.mgmt("GET", "/webhooks")).body.webhooks).toHaveLength(20);
  });

  it("never calls an internal address in prod: the handshake is refused", async () => {
    const t = await s.forNewApp("prod webhooks");
    expect((await t.mgmt("PUT", "/mode", { mode: "prod" })).status).toBe(204);
    const port = new URL(endpoint.url).port;
    const id = (
      await t.mgmt("POST", "/webhooks", {
        url: `https://localhost:${port}/hook`,
        verification_token: "t",
        events: ["user.created"],
      })
    ).body.webhook.id;
    const calls = endpoint.calls.length;
    const res = await t.mgmt("POST", `/webhooks/${id}/activate`);
    expect([res.status, res.body.code]).toEqual([400, "webhook_activation_failed"]);
    expect(endpoint.calls.length).toBe(calls);
  });

  it("fails the handshake of an endpoint that does not answer within 10 s", { timeout: 30_000 }, async () => {
    const { createServer } = await import("node:http");
    const silent = createServer(() => {
      // Never answers.
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const port = (silent.address() as { port: number }).port;
      const id = (await create({ url: `http://127.0.0.1:${port}/hook` })).body.webhook.id;
      const res = await s.mgmt("POST", `/webhooks/${id}/activate`);
      expect([res.status, res.body.code]).toEqual([400, "webhook_activation_failed"]);
      expect(res.body.message).toContain("within 10 s");
      expect((await s.mgmt("GET", `/webhooks/${id}`)).body.webhook.active).toBe(false);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
