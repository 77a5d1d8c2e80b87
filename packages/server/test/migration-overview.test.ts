import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { routeEvents } from "../src/domain/webhooks/dispatch-webhooks.js";
import { json, startReceiver } from "./support/receiver.js";
import { tableCounts } from "./support/row-counts.js";
import { describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

const challenge = () =>
  createHash("sha256").update(randomBytes(32).toString("base64url")).digest("base64url");
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const noUsers = { migration: 0, api: 0, import: 0, sign_up: 0, login: 0 };

/**
 * GET /migration/overview (docs/migration.md, "Overview"): what the console's migration chart shows.
 * Creations and hook failures are counted when the outbox is routed, by the day they happened.
 */
describeEachDatabase("migration overview", (dialect) => {
  let s: TestServer;
  let hook: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    hook = await startReceiver((_call, res) => json(res, 500, {}));
  });
  afterAll(async () => {
    await hook.close();
    await s.close();
  });

  it("counts users by source, legacy sessions exchanged and hook failures, per UTC day", async () => {
    const own = await s.forNewApp("overview");
    const host = `${own.appId}.localhost`;
    const overview = async (query = "") => {
      // Creations and hook failures are counted as the outbox is routed (the dispatcher's work).
      while ((await routeEvents(s.domain, "overview-test")) > 0);
      const res = await own.mgmt("GET", `/migration/overview${query}`);
      expect(res.status, res.text).toBe(200);
      return res.body;
    };
    const empty = await overview();
    expect(empty.hook_configured).toBe(false);
    expect(empty.user_count).toBe(0);
    expect(empty.totals).toEqual({ users_created: noUsers, migrations: 0, hook_failures: 0 });
    expect(empty.days).toHaveLength(30);
    expect(empty.days.at(-1)).toEqual({
      date: utcDay(s.clock.now()),
      users_created: noUsers,
      migrations: 0,
      hook_failures: 0,
    });
    expect(empty.days[0].date).toBe(utcDay(s.clock.now() - 29 * 86_400_000));

    const migrate = () =>
      s.inject({
        method: "POST",
        url: "/v1/session/migration",
        headers: { host, "content-type": "application/json" },
        payload: JSON.stringify({ token: "legacy", code_challenge: challenge() }),
      });
    expect((await own.mgmt("POST", "/config/migration", { session_validation_url: hook.url })).status).toBe(
      201,
    );
    // Day 1: a backfilled user, a failing hook, then a migration that creates a user.
    expect((await own.mgmt("POST", "/users", { external_id: "legacy-1" })).status).toBe(201);
    expect((await migrate()).status).toBe(502);
    hook.answer((_call, res) =>
      json(res, 200, {
        external_id: "legacy-2",
        identifiers: [{ type: "email_address", value: "two@example.com" }],
      }),
    );
    expect((await migrate()).status).toBe(200);
    const day1 = utcDay(s.clock.now());

    // Day 2: the same legacy user again (found, not created), and a legacy user backfilled earlier.
    s.clock.advance(86_400_000);
    expect((await migrate()).status).toBe(200);
    hook.answer((_call, res) =>
      json(res, 200, {
        external_id: "legacy-1",
        identifiers: [{ type: "email_address", value: "one@example.com" }],
      }),
    );
    expect((await migrate()).status).toBe(200);
    hook.answer((_call, res) => json(res, 200, { identifiers: [] }));
    expect((await migrate()).status).toBe(502);

    const after = await overview("?days=2");
    expect(after.hook_configured).toBe(true);
    expect(after.user_count).toBe(2);
    expect(after.totals).toEqual({
      users_created: { ...noUsers, api: 1, migration: 1 },
      migrations: 3,
      hook_failures: 2,
    });
    expect(after.days).toEqual([
      { date: day1, users_created: { ...noUsers, api: 1, migration: 1 }, migrations: 1, hook_failures: 1 },
      { date: utcDay(s.clock.now()), users_created: noUsers, migrations: 2, hook_failures: 1 },
    ]);
    // A deleted user still counts as created; the user count follows the users.
    const id = (await own.mgmt("GET", "/users?external_id=legacy-1")).body.users[0].id;
    expect((await own.mgmt("DELETE", `/users/${id}`)).status).toBe(204);
    const later = await overview("?days=1");
    expect(later.user_count).toBe(1);
    expect(later.totals.users_created.api).toBe(1);
    expect(later.days).toHaveLength(1);

    // Another app's counts are its own.
    expect((await s.mgmt("GET", "/migration/overview")).body.totals.migrations).toBe(0);
  });

  it("counts each event once when several routers share the outbox", async () => {
    const own = await s.forNewApp("overview-routers");
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => own.mgmt("POST", "/users", { external_id: `r-${i}` })),
    );
    const drain = async (owner: string) => {
      while ((await routeEvents(s.domain, owner)) > 0);
    };
    await Promise.all([drain("router-a"), drain("router-b"), drain("router-c")]);
    const overview = (await own.mgmt("GET", "/migration/overview?days=1")).body;
    expect(overview.totals.users_created.api).toBe(40);
    expect(overview.days[0].users_created.api).toBe(40);
  });

  it("refuses a bad window with 400, writing nothing", async () => {
    for (const query of ["?days=0", "?days=91", "?days=x", "?days=1.5", "?other=1"]) {
      const before = await tableCounts(s);
      const res = await s.mgmt("GET", `/migration/overview${query}`);
      expect([res.status, res.body.code], query).toEqual([400, "invalid_request"]);
      expect(await tableCounts(s)).toEqual(before);
    }
    expect((await s.mgmt("GET", "/migration/overview?days=90")).body.days).toHaveLength(90);
  });
});
