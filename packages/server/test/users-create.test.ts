import { afterAll, beforeAll, expect, it } from "vitest";
import { rowCounts } from "./support/row-counts.js";
import { describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

describeEachDatabase("POST /users", (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(dialect);
  });
  afterAll(() => s.close());

  let seq = 0;
  const unique = () => `${Date.now().toString(36)}-${seq++}`;

  it("creates a user with normalised identifiers and returns it", async () => {
    const ext = `ext-${unique()}`;
    const res = await s.mgmt("POST", "/users", {
      external_id: ext,
      identifiers: [
        { type: "email_address", value: `  Jane.${ext}@Example.COM ` },
        { type: "phone_number", value: "+33 6 12 34 56 78" },
      ],
      profile: { first_name: "Jane", locales: ["fr-FR"] },
    });
    expect(res.status).toBe(201);
    expect(res.body.id).toMatch(/^usr_[0-9a-z]{26}$/);
    expect(res.body.user).toMatchObject({
      id: res.body.id,
      external_id: ext,
      status: "active",
      identifiers: [
        { type: "email_address", value: `jane.${ext}@example.com` },
        { type: "phone_number", value: "+33612345678" },
      ],
      scopes: [],
      profile: { first_name: "Jane", locales: ["fr-FR"] },
      has_password: false,
    });
    expect(new Date(res.body.user.created_at).toISOString()).toBe(res.body.user.created_at);
    const fetched = await s.mgmt("GET", `/users/${res.body.id}`);
    expect(fetched.body.user).toEqual(res.body.user);
  });

  it("creates a user with no fields at all", async () => {
    const res = await s.mgmt("POST", "/users", {});
    expect(res.status).toBe(201);
    expect(res.body.user).toMatchObject({ external_id: null, identifiers: [], profile: {} });
  });

  it("infers a missing identifier type from the value", async () => {
    const res = await s.mgmt("POST", "/users", {
      identifiers: [{ value: `infer-${unique()}@example.com` }, { value: "+14155552671" }],
    });
    expect(res.status).toBe(201);
    expect(res.body.user.identifiers.map((i: { type: string }) => i.type)).toEqual([
      "email_address",
      "phone_number",
    ]);
  });

  it("hashes a password with argon2id and never returns it", async () => {
    const res = await s.mgmt("POST", "/users", { password: "correct horse battery staple" });
    expect(res.status).toBe(201);
    expect(res.body.user.has_password).toBe(true);
    expect(res.text).not.toContain("correct horse");
    const stored = await s.store.users.get(s.appId, res.body.id);
    expect(stored?.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  it("answers distinct 409 codes for a taken external_id and a taken identifier", async () => {
    const ext = `dup-${unique()}`;
    const email = `dup-${unique()}@example.com`;
    expect(
      (await s.mgmt("POST", "/users", { external_id: ext, identifiers: [{ value: email }] })).status,
    ).toBe(201);
    const before = await rowCounts(s);

    const sameExternal = await s.mgmt("POST", "/users", { external_id: ext });
    expect(sameExternal.status).toBe(409);
    expect(sameExternal.body).toEqual({
      code: "external_id_already_exists",
      status: "conflict",
      message: expect.any(String),
    });

    const sameEmail = await s.mgmt("POST", "/users", {
      external_id: `other-${unique()}`,
      identifiers: [{ type: "email_address", value: email.toUpperCase() }],
    });
    expect(sameEmail.status).toBe(409);
    expect(sameEmail.body.code).toBe("identifier_already_exists");
    expect(await rowCounts(s)).toEqual(before);
  });

  it("lets exactly one of many concurrent creates with one external_id win", async () => {
    const ext = `race-${unique()}`;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        s.mgmt("POST", "/users", {
          external_id: ext,
          identifiers: [{ value: `race-${i}-${ext}@example.com` }],
        }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((x) => x === 201)).toHaveLength(1);
    expect(statuses.filter((x) => x === 409)).toHaveLength(19);
    for (const r of results.filter((x) => x.status === 409))
      expect(r.body.code).toBe("external_id_already_exists");
    const listed = await s.mgmt("GET", `/users?external_id=${ext}`);
    expect(listed.body.users).toHaveLength(1);
  });

  it("lets exactly one of many concurrent creates with one identifier win", async () => {
    const email = `race-${unique()}@example.com`;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        s.mgmt("POST", "/users", { external_id: `race-id-${i}-${email}`, identifiers: [{ value: email }] }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.body?.code === "identifier_already_exists")).toHaveLength(19);
    const listed = await s.mgmt("GET", `/users?identifier_type=email_address&identifier_value=${email}`);
    expect(listed.body.users).toHaveLength(1);
    // The losers' users were rolled back whole: none of their external ids exist.
    const lookup = await s.mgmt("POST", "/users/batch_lookup", {
      external_ids: Array.from({ length: 20 }, (_, i) => `race-id-${i}-${email}`),
    });
    expect(lookup.body.users).toHaveLength(1);
  });

  const badBodies: [string, unknown, string][] = [
    ["external_id of the wrong type", { external_id: 42 }, "invalid_request"],
    ["empty external_id", { external_id: "" }, "invalid_request"],
    ["external_id over 128 characters", { external_id: "x".repeat(129) }, "invalid_request"],
    ["an unknown property", { externl_id: "typo" }, "invalid_request"],
    ["identifiers not an array", { identifiers: { value: "a@b.co" } }, "invalid_request"],
    [
      "an identifier of unknown type",
      { identifiers: [{ type: "username", value: "bob" }] },
      "invalid_request",
    ],
    [
      "an invalid email",
      { identifiers: [{ type: "email_address", value: "not-an-email" }] },
      "invalid_identifier",
    ],
    ["an invalid phone", { identifiers: [{ type: "phone_number", value: "+1234" }] }, "invalid_identifier"],
    [
      "a phone without country code",
      { identifiers: [{ type: "phone_number", value: "0612345678" }] },
      "invalid_identifier",
    ],
    ["a value that is neither", { identifiers: [{ value: "bob" }] }, "invalid_identifier"],
    [
      "more than 20 identifiers",
      { identifiers: Array.from({ length: 21 }, (_, i) => ({ value: `u${i}@ex.com` })) },
      "invalid_request",
    ],
    ["a profile that is not an object", { profile: ["a"] }, "invalid_request"],
    ["a profile over 16 KiB", { profile: { blob: "x".repeat(17_000) } }, "invalid_request"],
    ["a profile with an empty key", { profile: { "": 1 } }, "invalid_request"],
    ["a password too short for the policy", { password: "short" }, "invalid_password"],
    ["a password of the wrong type", { password: 12345678 }, "invalid_request"],
    ["a JSON array body", [], "invalid_request"],
    ["a JSON string body", '"hello"', "invalid_request"],
    ["malformed JSON", '{"external_id":', "invalid_request"],
    ["a prototype-poisoning key", '{"__proto__":{"admin":true}}', "invalid_request"],
  ];
  for (const [what, body, code] of badBodies) {
    it(`rejects ${what} with ${code} and writes nothing`, async () => {
      const before = await rowCounts(s);
      const res = await s.mgmt("POST", "/users", body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ code, status: "bad_request", message: expect.any(String) });
      expect(await rowCounts(s)).toEqual(before);
    });
  }

  it("names the offending field in validation messages", async () => {
    const res = await s.mgmt("POST", "/users", { externl_id: "typo" });
    expect(res.body.message).toContain('"externl_id"');
    const res2 = await s.mgmt("POST", "/users", { identifiers: [{ value: "x".repeat(321) }] });
    expect(res2.body.message).toContain("body/identifiers/0/value");
  });

  it("answers 413 for a body over the 64 KiB limit", async () => {
    const res = await s.mgmt("POST", "/users", { profile: { blob: "x".repeat(70_000) } });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ code: "payload_too_large", status: "payload_too_large" });
  });

  it("answers 415 for a body that is not JSON", async () => {
    for (const type of [
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
    ]) {
      const res = await s.mgmt("POST", "/users", "external_id=x", { "content-type": type });
      expect(res.status, type).toBe(415);
      expect(res.body.code).toBe("unsupported_media_type");
    }
  });

  it("answers 400 for a missing body", async () => {
    const res = await s.mgmt("POST", "/users");
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("invalid_request");
  });
});
