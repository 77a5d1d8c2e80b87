import { afterAll, beforeAll, expect, it } from "vitest";
import { tableCounts } from "./support/row-counts.js";
import { describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

/** Allowed scopes, groups, and the scopes and groups of users (docs/scopes-and-claims.md). */
describeEachDatabase("scopes and groups", (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(dialect);
  });
  afterAll(() => s.close());

  const iso = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  let cursor: string | undefined;
  const newEvents = async () => {
    const events = await s.store.outbox.list(s.appId, { ...(cursor && { afterId: cursor }), limit: 1000 });
    cursor = events.at(-1)?.id ?? cursor;
    // biome-ignore lint/suspicious/noExplicitAny: payloads are inspected field by field
    return events.map((e) => ({ type: e.type, payload: e.payload as any }));
  };
  /** Each request is refused with `status` and `code` and writes nothing at all. */
  const refused = async (
    requests: [method: "POST" | "PUT" | "DELETE", path: string, body?: unknown][],
    status: number,
    code: string,
    message?: RegExp,
  ) => {
    for (const [method, path, body] of requests) {
      const before = await tableCounts(s);
      const res = await s.mgmt(method, path, body);
      const what = `${method} ${path} ${JSON.stringify(body)}`;
      expect(res.status, what).toBe(status);
      expect(res.body, what).toEqual({ code, status: expect.any(String), message: expect.any(String) });
      if (message) expect(res.body.message, what).toMatch(message);
      expect(await tableCounts(s), `${what} wrote something`).toEqual(before);
    }
  };
  const newUser = async (email: string) =>
    (await s.mgmt("POST", "/users", { identifiers: [{ value: email }] })).body.id as string;

  it("declares allowed scopes, idempotently, in one pattern, with prld: reserved", async () => {
    expect((await s.mgmt("GET", "/config/scopes")).body).toEqual({ scopes: [] });
    for (const scope of ["read:invoices", "admin", "prld:pwd:write", "a.b-c_d:e"]) {
      const res = await s.mgmt("POST", "/config/scopes", { scope });
      expect(res.status, scope).toBe(201);
      expect(res.body.scopes).toContain(scope);
    }
    const again = await s.mgmt("POST", "/config/scopes", { scope: "admin" });
    expect(again.status).toBe(201);
    const all = ["a.b-c_d:e", "admin", "prld:pwd:write", "read:invoices"];
    expect(again.body).toEqual({ scopes: all });
    expect((await s.mgmt("GET", "/config/scopes")).body).toEqual({ scopes: all });

    await refused(
      [
        ["POST", "/config/scopes", { scope: "prld:admin" }],
        ["POST", "/config/scopes", { scope: "PRLD:pwd:write" }],
      ],
      400,
      "invalid_request",
      /reserved prld: prefix; the reserved scopes are prld:pwd:write, prld:passkey:write/,
    );
    await refused(
      [
        ["POST", "/config/scopes", { scope: "two words" }],
        ["POST", "/config/scopes", { scope: "a/b" }],
        ["POST", "/config/scopes", { scope: "" }],
        ["POST", "/config/scopes", { scope: "x".repeat(129) }],
        ["POST", "/config/scopes", { scope: 42 }],
        ["POST", "/config/scopes", {}],
        ["DELETE", "/config/scopes", { scope: "no way" }],
      ],
      400,
      "invalid_request",
      /scope/,
    );
    await refused([["DELETE", "/config/scopes", { scope: "never:declared" }]], 404, "scope_not_found");
    const removed = await s.mgmt("DELETE", "/config/scopes", { scope: "a.b-c_d:e" });
    expect(removed.status).toBe(200);
    expect(removed.body).toEqual({ scopes: ["admin", "prld:pwd:write", "read:invoices"] });
  });

  it("keeps an app's allowed scopes within 100 and 2048 characters, the longest scope claim", async () => {
    const own = await s.forNewApp("scope-limits");
    const long = (i: number) => `${String(i).padStart(3, "0")}${"x".repeat(125)}`;
    for (let i = 0; i < 15; i++)
      expect((await own.mgmt("POST", "/config/scopes", { scope: long(i) })).status).toBe(201);
    const over = await own.mgmt("POST", "/config/scopes", { scope: long(15) });
    expect(over.status).toBe(400);
    expect(over.body.message).toMatch(/2048 characters/);
    for (let i = 0; i < 15; i++) await own.mgmt("DELETE", "/config/scopes", { scope: long(i) });
    for (let i = 0; i < 100; i++)
      expect((await own.mgmt("POST", "/config/scopes", { scope: `s${i}` })).status).toBe(201);
    const hundredFirst = await own.mgmt("POST", "/config/scopes", { scope: "s100" });
    expect(hundredFirst.status).toBe(400);
    expect(hundredFirst.body.message).toMatch(/at most 100/);
    expect((await own.mgmt("GET", "/config/scopes")).body.scopes).toHaveLength(100);
  });

  it("creates, reads, replaces and deletes groups of allowed scopes", async () => {
    await refused(
      [
        ["POST", "/config/groups", { name: "readers", scopes: ["read:invoices", "write:invoices"] }],
        ["POST", "/config/scopes", { scope: "ok", extra: 1 }],
      ],
      400,
      "invalid_request",
    );
    const first = await s.mgmt("POST", "/config/groups", { name: "readers", scopes: ["write:nothing"] });
    expect(first.body.message).toBe(
      'scopes[0] "write:nothing" is not an allowed scope of this app; declare it with POST /config/scopes first.',
    );
    const created = await s.mgmt("POST", "/config/groups", {
      name: "readers",
      scopes: ["read:invoices", "admin", "read:invoices"],
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      name: "readers",
      scopes: ["admin", "read:invoices"],
      created_at: iso,
      updated_at: iso,
    });
    expect((await s.mgmt("GET", "/config/groups/readers")).body).toEqual(created.body);
    await s.mgmt("POST", "/config/groups", { name: "Admins_2-x", scopes: [] });
    expect((await s.mgmt("GET", "/config/groups")).body.groups.map((g: { name: string }) => g.name)).toEqual([
      "Admins_2-x",
      "readers",
    ]);

    await refused(
      [["POST", "/config/groups", { name: "readers", scopes: [] }]],
      409,
      "conflict",
      /PUT \/config\/groups\/readers/,
    );
    await refused(
      [
        ["POST", "/config/groups", { name: "bad name", scopes: [] }],
        ["POST", "/config/groups", { name: "a".repeat(65), scopes: [] }],
        ["POST", "/config/groups", { name: "ok" }],
        ["POST", "/config/groups", { name: "ok", scopes: "admin" }],
        ["POST", "/config/groups", { name: "ok", scopes: ["prld:pwd:write"] }],
        ["PUT", "/config/groups/readers", { scopes: ["prld:pwd:write"] }],
        ["PUT", "/config/groups/readers", {}],
        ["PUT", "/config/groups/readers", { scopes: ["nope"] }],
        ["PUT", "/config/groups/bad.name", { scopes: [] }],
        ["DELETE", "/config/groups/bad.name"],
      ],
      400,
      "invalid_request",
    );
    await refused(
      [
        ["PUT", "/config/groups/nobody", { scopes: [] }],
        ["DELETE", "/config/groups/nobody"],
      ],
      404,
      "group_not_found",
    );
    expect((await s.mgmt("GET", "/config/groups/nobody")).body.code).toBe("group_not_found");

    s.clock.advance(1000);
    const replaced = await s.mgmt("PUT", "/config/groups/readers", { scopes: ["read:invoices"] });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ name: "readers", scopes: ["read:invoices"] });
    expect(replaced.body.created_at).toBe(created.body.created_at);
    expect(replaced.body.updated_at).not.toBe(created.body.updated_at);
    expect((await s.mgmt("GET", "/config/groups/readers")).body).toEqual(replaced.body);

    expect((await s.mgmt("DELETE", "/config/groups/Admins_2-x")).status).toBe(204);
    expect((await s.mgmt("GET", "/config/groups/Admins_2-x")).status).toBe(404);
  });

  it("refuses to remove a scope a group or a login config grants, naming them", async () => {
    await s.mgmt("POST", "/config/scopes", { scope: "billing" });
    await s.mgmt("POST", "/config/groups", { name: "accountants", scopes: ["billing"] });
    await s.mgmt("POST", "/config/groups", { name: "auditors", scopes: ["billing", "admin"] });
    const otp = await s.mgmt("POST", "/config/login/otp", {
      config_type: "otp",
      channel_type: "sms",
      granted_scopes: ["billing"],
    });
    await refused(
      [["DELETE", "/config/scopes", { scope: "billing" }]],
      409,
      "scope_in_use",
      new RegExp(
        `"billing" is granted by group "accountants", group "auditors", OTP login config ${otp.body.login_config.id}`,
      ),
    );
    await s.mgmt("DELETE", `/config/login/otp/${otp.body.login_config.id}`);
    await s.mgmt("DELETE", "/config/groups/accountants");
    await s.mgmt("PUT", "/config/groups/auditors", { scopes: ["admin"] });
    expect((await s.mgmt("DELETE", "/config/scopes", { scope: "billing" })).status).toBe(200);
    // An OTP config cannot grant it any more either.
    const again = await s.mgmt("POST", "/config/login/otp", {
      config_type: "otp",
      channel_type: "sms",
      granted_scopes: ["billing"],
    });
    expect(again.status).toBe(400);
    expect(again.body.message).toMatch(/granted_scopes\[0\] "billing" is not an allowed scope/);
  });

  it("grants and takes a user's scopes, idempotently, with user.updated when something changed", async () => {
    const id = await newUser("scoped@example.com");
    await newEvents();
    await refused(
      [
        ["POST", `/users/${id}/scopes`, { scope: "not:allowed" }],
        ["POST", `/users/${id}/scopes`, { scope: "prld:pwd:write" }],
        ["POST", `/users/${id}/scopes`, { scope: "bad scope" }],
        ["POST", `/users/${id}/scopes`, {}],
        ["DELETE", `/users/${id}/scopes/bad%20scope`],
      ],
      400,
      "invalid_request",
    );
    const unknown = await s.mgmt("POST", `/users/${id}/scopes`, { scope: "not:allowed" });
    expect(unknown.body.message).toMatch(/scope "not:allowed" is not an allowed scope/);
    await refused(
      [
        ["POST", "/users/usr_01jqebhswje1ka1z7ahr9rfsgt/scopes", { scope: "admin" }],
        ["DELETE", "/users/usr_01jqebhswje1ka1z7ahr9rfsgt/scopes/admin"],
      ],
      404,
      "user_not_found",
    );

    for (const scope of ["read:invoices", "admin", "admin"]) {
      const res = await s.mgmt("POST", `/users/${id}/scopes`, { scope });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ success: true });
    }
    expect((await s.mgmt("GET", `/users/${id}`)).body.user).toMatchObject({
      scopes: ["admin", "read:invoices"],
      groups: [],
    });
    expect((await s.mgmt("DELETE", `/users/${id}/scopes/read:invoices`)).status).toBe(204);
    expect((await s.mgmt("DELETE", `/users/${id}/scopes/read%3Ainvoices`)).status).toBe(204);
    expect((await s.mgmt("DELETE", `/users/${id}/scopes/never:held`)).status).toBe(204);
    expect((await s.mgmt("GET", `/users/${id}`)).body.user.scopes).toEqual(["admin"]);

    const events = await newEvents();
    // The state after each change: status and external_id too (docs/events.md).
    const held = { user_id: id, status: "active", external_id: null };
    expect(events).toEqual([
      {
        type: "user.updated",
        payload: { ...held, changed: ["scopes"], scopes: ["read:invoices"], groups: [], updated_at: iso },
      },
      {
        type: "user.updated",
        payload: {
          ...held,
          changed: ["scopes"],
          scopes: ["admin", "read:invoices"],
          groups: [],
          updated_at: iso,
        },
      },
      {
        type: "user.updated",
        payload: { ...held, changed: ["scopes"], scopes: ["admin"], groups: [], updated_at: iso },
      },
    ]);
  });

  it("adds and removes a user's groups, idempotently, with user.updated when something changed", async () => {
    const id = await newUser("grouped@example.com");
    await s.mgmt("POST", "/config/groups", { name: "editors", scopes: ["read:invoices"] });
    await newEvents();
    await refused(
      [
        ["POST", `/users/${id}/groups`, { group: "nobody" }],
        ["POST", `/users/${id}/groups`, { group: "bad name" }],
        ["POST", `/users/${id}/groups`, { group: 7 }],
        ["DELETE", `/users/${id}/groups/bad.name`],
      ],
      400,
      "invalid_request",
    );
    await refused(
      [
        ["POST", "/users/usr_01jqebhswje1ka1z7ahr9rfsgt/groups", { group: "editors" }],
        ["DELETE", "/users/usr_01jqebhswje1ka1z7ahr9rfsgt/groups/editors"],
      ],
      404,
      "user_not_found",
    );
    for (const group of ["editors", "readers", "editors"]) {
      const res = await s.mgmt("POST", `/users/${id}/groups`, { group });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ success: true });
    }
    const listed = await s.mgmt(
      "GET",
      "/users?identifier_type=email_address&identifier_value=grouped%40example.com",
    );
    expect(listed.body.users[0]).toMatchObject({ groups: ["editors", "readers"], scopes: [] });
    expect((await s.mgmt("DELETE", `/users/${id}/groups/editors`)).status).toBe(204);
    expect((await s.mgmt("DELETE", `/users/${id}/groups/editors`)).status).toBe(204);
    expect((await s.mgmt("DELETE", `/users/${id}/groups/nosuchgroup`)).status).toBe(204);
    expect((await s.mgmt("GET", `/users/${id}`)).body.user.groups).toEqual(["readers"]);
    const held = { user_id: id, status: "active", external_id: null };
    expect((await newEvents()).map((e) => e.payload)).toEqual([
      { ...held, changed: ["groups"], scopes: [], groups: ["editors"], updated_at: iso },
      { ...held, changed: ["groups"], scopes: [], groups: ["editors", "readers"], updated_at: iso },
      { ...held, changed: ["groups"], scopes: [], groups: ["readers"], updated_at: iso },
    ]);
  });

  it("takes a deleted group from its members, and a removed scope from its holders, with events", async () => {
    const a = await newUser("member-a@example.com");
    const b = await newUser("member-b@example.com");
    await s.mgmt("POST", "/config/scopes", { scope: "temp:access" });
    await s.mgmt("POST", "/config/groups", { name: "temporary", scopes: ["temp:access"] });
    for (const id of [a, b]) {
      await s.mgmt("POST", `/users/${id}/groups`, { group: "temporary" });
      await s.mgmt("POST", `/users/${id}/scopes`, { scope: "temp:access" });
    }
    await newEvents();
    expect((await s.mgmt("DELETE", "/config/groups/temporary")).status).toBe(204);
    expect((await s.mgmt("DELETE", "/config/scopes", { scope: "temp:access" })).status).toBe(200);
    for (const id of [a, b])
      expect((await s.mgmt("GET", `/users/${id}`)).body.user).toMatchObject({ scopes: [], groups: [] });
    const events = await newEvents();
    expect(
      events
        .filter((e) => e.payload.changed[0] === "groups")
        .map((e) => e.payload.user_id)
        .sort(),
    ).toEqual([a, b].sort());
    expect(
      events
        .filter((e) => e.payload.changed[0] === "scopes")
        .map((e) => e.payload.user_id)
        .sort(),
    ).toEqual([a, b].sort());
    expect(events.every((e) => e.type === "user.updated")).toBe(true);
    // A group made again under the name starts empty: no one was left in it.
    await s.mgmt("POST", "/config/groups", { name: "temporary", scopes: [] });
    expect((await s.mgmt("GET", `/users/${a}`)).body.user.groups).toEqual([]);
  });

  it("keeps each app's scopes, groups and users to itself", async () => {
    const other = await s.forNewApp("other-scopes");
    const id = await newUser("mine@example.com");
    expect((await other.mgmt("GET", "/config/scopes")).body.scopes).toEqual([]);
    expect((await other.mgmt("GET", "/config/groups/readers")).status).toBe(404);
    // Another app's user is unknown here, even with a scope both apps allow.
    await other.mgmt("POST", "/config/scopes", { scope: "admin" });
    const res = await other.mgmt("POST", `/users/${id}/scopes`, { scope: "admin" });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe("user_not_found");
    // A group of this app cannot be joined by name from the other.
    const otherUser = (await other.mgmt("POST", "/users", { identifiers: [{ value: "theirs@example.com" }] }))
      .body.id;
    expect((await other.mgmt("POST", `/users/${otherUser}/groups`, { group: "readers" })).status).toBe(400);
    expect((await other.mgmt("POST", `/users/${otherUser}/scopes`, { scope: "read:invoices" })).status).toBe(
      400,
    );
  });
});
