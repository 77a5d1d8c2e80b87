import { afterAll, beforeAll, expect, it } from "vitest";
import { rowCounts } from "./support/row-counts.js";
import { describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

describeEachDatabase("changing users", (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(dialect);
  });
  afterAll(() => s.close());

  let seq = 0;
  const newUser = async (body: Record<string, unknown> = {}) => {
    const res = await s.mgmt("POST", "/users", { external_id: `upd-${seq++}`, ...body });
    expect(res.status).toBe(201);
    return res.body.user as { id: string; external_id: string; updated_at: string };
  };
  const getUser = async (id: string) => (await s.mgmt("GET", `/users/${id}`)).body.user;
  const missing = "usr_01jqebhswje1ka1z7ahr9rfsgt";

  it("merges the profile: sets, replaces, nests and removes keys with null", async () => {
    const u = await newUser({
      profile: { first_name: "Jane", last_name: "Doe", prefs: { theme: "dark", lang: "en" } },
    });
    const res = await s.mgmt("PATCH", `/users/${u.id}/profile`, {
      first_name: "Janet",
      last_name: null,
      prefs: { lang: "fr", tz: null },
      locales: ["fr-FR", "en-GB"],
    });
    expect(res.status).toBe(204);
    expect(res.text).toBe("");
    const after = await getUser(u.id);
    expect(after.profile).toEqual({
      first_name: "Janet",
      prefs: { theme: "dark", lang: "fr" },
      locales: ["fr-FR", "en-GB"],
    });
    expect(after.updated_at > u.updated_at || after.updated_at === u.updated_at).toBe(true);
  });

  it("rejects a profile patch that would exceed the limits, writing nothing", async () => {
    const u = await newUser({ profile: { a: 1 } });
    const wide = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, i]));
    const before = await rowCounts(s);
    for (const body of [wide, { big: "x".repeat(16_400) }, [1, 2], '"text"']) {
      const res = await s.mgmt("PATCH", `/users/${u.id}/profile`, body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe("invalid_request");
    }
    expect(await rowCounts(s)).toEqual(before);
    expect((await getUser(u.id)).profile).toEqual({ a: 1 });
    expect((await s.mgmt("PATCH", `/users/${missing}/profile`, { a: 2 })).status).toBe(404);
  });

  it("sets and replaces the external_id, with a distinct conflict", async () => {
    const a = await newUser();
    const b = await newUser();
    expect((await s.mgmt("PUT", `/users/${a.id}/external_id`, { external_id: "renamed-a" })).status).toBe(
      204,
    );
    expect((await getUser(a.id)).external_id).toBe("renamed-a");
    expect((await s.mgmt("GET", "/users?external_id=renamed-a")).body.users[0].id).toBe(a.id);
    expect((await s.mgmt("PUT", `/users/${a.id}/external_id`, { external_id: "renamed-a" })).status).toBe(
      204,
    );
    const clash = await s.mgmt("PUT", `/users/${b.id}/external_id`, { external_id: "renamed-a" });
    expect(clash.status).toBe(409);
    expect(clash.body.code).toBe("external_id_already_exists");
    expect((await getUser(b.id)).external_id).toBe(b.external_id);
    for (const body of [{}, { external_id: "" }, { external_id: null }, { external_id: "x".repeat(129) }]) {
      expect((await s.mgmt("PUT", `/users/${b.id}/external_id`, body)).status).toBe(400);
    }
    expect((await s.mgmt("PUT", `/users/${missing}/external_id`, { external_id: "z" })).status).toBe(404);
  });

  it("sets the status and returns the user", async () => {
    const u = await newUser();
    const res = await s.mgmt("PUT", `/users/${u.id}/status`, { status: "disabled" });
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ id: u.id, status: "disabled" });
    expect((await getUser(u.id)).status).toBe("disabled");
    expect((await s.mgmt("PUT", `/users/${u.id}/status`, { status: "active" })).body.user.status).toBe(
      "active",
    );
    const bad = await s.mgmt("PUT", `/users/${u.id}/status`, { status: "banned" });
    expect(bad.status).toBe(400);
    expect((await s.mgmt("PUT", `/users/${missing}/status`, { status: "active" })).status).toBe(404);
  });

  it("sets a password that verifies, and enforces the policy", async () => {
    const u = await newUser();
    expect(
      (await s.mgmt("PUT", `/users/${u.id}/password`, { password: "a long enough secret" })).status,
    ).toBe(204);
    const stored = await s.store.users.get(s.appId, u.id);
    expect(stored?.passwordHash).toMatch(/^\$argon2id\$/);
    const { verify } = await import("@node-rs/argon2");
    expect(await verify(stored!.passwordHash!, "a long enough secret")).toBe(true);
    expect((await getUser(u.id)).has_password).toBe(true);
    const weak = await s.mgmt("PUT", `/users/${u.id}/password`, { password: "1234567" });
    expect(weak.status).toBe(400);
    expect(weak.body.code).toBe("invalid_password");
    expect((await s.mgmt("PUT", `/users/${u.id}/password`, { password: "x".repeat(1025) })).status).toBe(400);
    expect(
      (await s.mgmt("PUT", `/users/${missing}/password`, { password: "a long enough secret" })).status,
    ).toBe(404);
  });

  it("adds and removes identifiers", async () => {
    const u = await newUser({ identifiers: [{ value: "first@example.com" }] });
    const add = await s.mgmt("POST", `/users/${u.id}/identifiers`, {
      identifier: { type: "email_address", value: "Second@Example.com" },
    });
    expect(add.status).toBe(201);
    expect(add.body.user.identifiers).toEqual([
      { type: "email_address", value: "first@example.com" },
      { type: "email_address", value: "second@example.com" },
    ]);
    const again = await s.mgmt("POST", `/users/${u.id}/identifiers`, {
      identifier: { value: "second@example.com" },
    });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("identifier_already_exists");

    const other = await newUser();
    const stolen = await s.mgmt("POST", `/users/${other.id}/identifiers`, {
      identifier: { value: "FIRST@example.com" },
    });
    expect(stolen.status).toBe(409);
    expect(stolen.body.code).toBe("identifier_already_exists");

    const del = await s.mgmt("DELETE", `/users/${u.id}/identifiers`, {
      identifier: { value: " First@Example.com" },
    });
    expect(del.status).toBe(200);
    expect(del.body).toEqual({ message: expect.any(String) });
    expect((await getUser(u.id)).identifiers).toEqual([
      { type: "email_address", value: "second@example.com" },
    ]);
    const gone = await s.mgmt("DELETE", `/users/${u.id}/identifiers`, {
      identifier: { value: "first@example.com" },
    });
    expect(gone.status).toBe(404);
    expect(gone.body.code).toBe("identifier_not_found");
    // Freed, so another user can take it now.
    expect(
      (await s.mgmt("POST", `/users/${other.id}/identifiers`, { identifier: { value: "first@example.com" } }))
        .status,
    ).toBe(201);
  });

  it("rejects bad identifier bodies without writing", async () => {
    const u = await newUser();
    const before = await rowCounts(s);
    for (const [body, code] of [
      [{}, "invalid_request"],
      [{ identifier: "a@b.co" }, "invalid_request"],
      [{ identifier: { value: "nope" } }, "invalid_identifier"],
      [{ identifier: { type: "phone_number", value: "a@b.co" } }, "invalid_identifier"],
      [{ identifier: { value: "a@b.co", extra: 1 } }, "invalid_request"],
    ] as const) {
      const res = await s.mgmt("POST", `/users/${u.id}/identifiers`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code).toBe(code);
    }
    expect(
      (await s.mgmt("POST", `/users/${missing}/identifiers`, { identifier: { value: "n@b.co" } })).status,
    ).toBe(404);
    expect(
      (await s.mgmt("DELETE", `/users/${missing}/identifiers`, { identifier: { value: "n@b.co" } })).status,
    ).toBe(404);
    expect(await rowCounts(s)).toEqual(before);
  });

  it("lets only one of concurrent additions of one identifier win", async () => {
    const users = await Promise.all(Array.from({ length: 10 }, () => newUser()));
    const results = await Promise.all(
      users.map((u) =>
        s.mgmt("POST", `/users/${u.id}/identifiers`, { identifier: { value: "+33612345679" } }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.body?.code === "identifier_already_exists")).toHaveLength(9);
  });

  it("deletes a user and frees its external_id and identifiers", async () => {
    const u = await newUser({ identifiers: [{ value: "leaving@example.com" }] });
    expect((await s.mgmt("DELETE", `/users/${u.id}`)).status).toBe(204);
    expect((await s.mgmt("GET", `/users/${u.id}`)).status).toBe(404);
    expect((await s.mgmt("DELETE", `/users/${u.id}`)).status).toBe(404);
    const again = await s.mgmt("POST", "/users", {
      external_id: u.external_id,
      identifiers: [{ value: "leaving@example.com" }],
    });
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(u.id);
  });

  it("answers 404 not_found for unknown routes and 405 for a known route's wrong method, in the management shape", async () => {
    const route = await s.mgmt("GET", "/userz");
    expect(route.status).toBe(404);
    expect(route.body).toEqual({ code: "not_found", status: "not_found", message: expect.any(String) });
    const method = await s.mgmt("PATCH", "/users");
    expect([method.status, method.body.code, method.headers.allow]).toEqual([
      405,
      "method_not_allowed",
      "POST, GET, HEAD",
    ]);
    const root = await s.inject({ method: "GET", url: "/nothing/here" });
    expect(root.body.code).toBe("not_found");
  });
});

describeEachDatabase("application mode", (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(dialect);
  });
  afterAll(() => s.close());

  it("starts in dev, switches to prod and back", async () => {
    // On an app of its own: switching its mode must not change what the other tests see.
    const own = await s.forNewApp("mode-switch");
    expect((await own.mgmt("GET", "/mode")).body).toEqual({ mode: "dev" });
    const put = await own.mgmt("PUT", "/mode", { mode: "prod" });
    expect(put.status).toBe(204);
    expect((await own.mgmt("GET", "/mode")).body).toEqual({ mode: "prod" });
    expect((await own.mgmt("PUT", "/mode", { mode: "dev" })).status).toBe(204);
    expect((await own.mgmt("GET", "/mode")).body).toEqual({ mode: "dev" });
  });

  for (const body of [{}, { mode: "staging" }, { mode: 1 }, { mode: "prod", extra: true }]) {
    it(`rejects ${JSON.stringify(body)}`, async () => {
      const res = await s.mgmt("PUT", "/mode", body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: "invalid_request", status: "bad_request" });
      expect((await s.mgmt("GET", "/mode")).body).toEqual({ mode: "dev" });
    });
  }
});
