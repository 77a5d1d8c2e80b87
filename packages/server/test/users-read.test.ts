import { afterAll, beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

describeEachDatabase("reading users", (dialect) => {
  let s: TestServer;
  const created: { id: string; external_id: string; email: string }[] = [];
  beforeAll(async () => {
    s = await startTestServer(dialect);
    for (let i = 0; i < 25; i++) {
      const external_id = `read-${String(i).padStart(2, "0")}`;
      const email = `reader${i}@example.com`;
      const res = await s.mgmt("POST", "/users", { external_id, identifiers: [{ value: email }] });
      created.push({ id: res.body.id, external_id, email });
    }
    await s.mgmt("POST", "/users", { identifiers: [{ value: "+14155552671" }] });
  });
  afterAll(() => s.close());

  it("gets a user by id, and 404s an unknown one", async () => {
    const first = created[0]!;
    const res = await s.mgmt("GET", `/users/${first.id}`);
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ id: first.id, external_id: first.external_id });
    const missing = await s.mgmt("GET", "/users/usr_01jqebhswje1ka1z7ahr9rfsgt");
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      code: "user_not_found",
      status: "not_found",
      message: expect.any(String),
    });
    const nonsense = await s.mgmt("GET", "/users/not-even-an-id");
    expect(nonsense.status).toBe(404);
  });

  it("finds a user by external_id", async () => {
    const res = await s.mgmt("GET", "/users?external_id=read-07");
    expect(res.status).toBe(200);
    expect(res.body.users.map((u: { id: string }) => u.id)).toEqual([created[7]!.id]);
    expect(res.body.next_cursor).toBeNull();
    expect((await s.mgmt("GET", "/users?external_id=nobody")).body.users).toEqual([]);
  });

  it("finds a user by identifier, normalising the query value", async () => {
    const res = await s.mgmt(
      "GET",
      "/users?identifier_type=email_address&identifier_value=%20READER3%40Example.com",
    );
    expect(res.body.users.map((u: { id: string }) => u.id)).toEqual([created[3]!.id]);
    const phone = await s.mgmt(
      "GET",
      "/users?identifier_type=phone_number&identifier_value=%2B1%20415%20555%202671",
    );
    expect(phone.body.users).toHaveLength(1);
    expect(phone.body.users[0].identifiers).toEqual([{ type: "phone_number", value: "+14155552671" }]);
  });

  it("pages through every user once, in a stable order", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `/users?limit=10${cursor ? `&cursor=${cursor}` : ""}`;
      const res = await s.mgmt("GET", query);
      expect(res.status).toBe(200);
      expect(res.body.users.length).toBeLessThanOrEqual(10);
      seen.push(...res.body.users.map((u: { id: string }) => u.id));
      cursor = res.body.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(26);
    expect(new Set(seen).size).toBe(26);
    expect([...seen].sort()).toEqual(seen);
    for (const c of created) expect(seen).toContain(c.id);
    // The default page size is 20.
    expect((await s.mgmt("GET", "/users")).body.users).toHaveLength(20);
  });

  it("keeps paging correctly when users are created and deleted between pages", async () => {
    const page1 = await s.mgmt("GET", "/users?limit=5");
    await s.mgmt("DELETE", `/users/${page1.body.users[4].id}`);
    const added = await s.mgmt("POST", "/users", { external_id: "read-late" });
    const rest: string[] = [];
    let cursor: string | null = page1.body.next_cursor;
    while (cursor) {
      const res: { body: { users: { id: string }[]; next_cursor: string | null } } = await s.mgmt(
        "GET",
        `/users?limit=50&cursor=${cursor}`,
      );
      rest.push(...res.body.users.map((u) => u.id));
      cursor = res.body.next_cursor;
    }
    const firstIds = page1.body.users.map((u: { id: string }) => u.id);
    expect(rest.some((id) => firstIds.includes(id))).toBe(false);
    expect(rest).toContain(added.body.id);
  });

  for (const [what, query] of [
    ["limit 0", "limit=0"],
    ["limit 101", "limit=101"],
    ["a non-numeric limit", "limit=ten"],
    ["a forged cursor", "cursor=eyJhZnRlciI6IjEifQ"],
    ["a garbage cursor", "cursor=%%%"],
    ["identifier_type without a value", "identifier_type=email_address"],
    ["identifier_value without a type", "identifier_value=a%40b.co"],
    ["an unknown identifier_type", "identifier_type=username&identifier_value=bob"],
    ["an unknown parameter", "sort=desc"],
    ["an over-long external_id", `external_id=${"x".repeat(129)}`],
  ] as const) {
    it(`rejects ${what} with 400`, async () => {
      const res = await s.mgmt("GET", `/users?${query}`);
      expect(res.status).toBe(400);
      expect(["invalid_request", "invalid_identifier"]).toContain(res.body.code);
      expect(res.body.status).toBe("bad_request");
    });
  }

  it("rejects an invalid identifier_value with invalid_identifier", async () => {
    const res = await s.mgmt("GET", "/users?identifier_type=email_address&identifier_value=nope");
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("invalid_identifier");
  });

  it("batch-looks-up by external ids and emails, each user once", async () => {
    const res = await s.mgmt("POST", "/users/batch_lookup", {
      external_ids: ["read-01", "read-02", "missing", "read-01"],
      emails: ["READER2@example.com", "reader5@example.com", "ghost@example.com"],
    });
    expect(res.status).toBe(200);
    const ids = res.body.users.map((u: { id: string }) => u.id).sort();
    expect(ids).toEqual([created[1]!.id, created[2]!.id, created[5]!.id].sort());
    const onlyEmails = await s.mgmt("POST", "/users/batch_lookup", { emails: ["reader9@example.com"] });
    expect(onlyEmails.body.users.map((u: { id: string }) => u.id)).toEqual([created[9]!.id]);
  });

  for (const [what, body, code] of [
    ["an empty body", {}, "invalid_request"],
    ["two empty lists", { external_ids: [], emails: [] }, "invalid_request"],
    ["101 external ids", { external_ids: Array.from({ length: 101 }, (_, i) => `e${i}`) }, "invalid_request"],
    ["101 emails", { emails: Array.from({ length: 101 }, (_, i) => `e${i}@x.co`) }, "invalid_request"],
    ["an invalid email", { emails: ["nope"] }, "invalid_identifier"],
    ["a non-string external id", { external_ids: [1] }, "invalid_request"],
    ["an unknown field", { ids: ["x"] }, "invalid_request"],
  ] as const) {
    it(`rejects a batch lookup with ${what}`, async () => {
      const res = await s.mgmt("POST", "/users/batch_lookup", body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe(code);
    });
  }

  it("accepts exactly 100 of each in a batch lookup", async () => {
    const res = await s.mgmt("POST", "/users/batch_lookup", {
      external_ids: Array.from({ length: 100 }, (_, i) => `read-${String(i).padStart(2, "0")}`),
      emails: Array.from({ length: 100 }, (_, i) => `reader${i}@example.com`),
    });
    expect(res.status).toBe(200);
    expect(res.body.users.length).toBeGreaterThanOrEqual(24);
  });
});
