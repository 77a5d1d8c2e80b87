import { createLocalJWKSet, type JWTPayload, jwtVerify } from "jose";
import { afterAll, beforeAll, expect, it } from "vitest";
import { logCapture } from "./support/log-capture.js";
import { tableCounts } from "./support/row-counts.js";
import { SessionClient } from "./support/session-client.js";
import { describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

/** The claims mapping (docs/scopes-and-claims.md): its config, its rules, and the tokens it makes. */
describeEachDatabase("claims mapping", (dialect) => {
  let s: TestServer;
  let host: string;
  const { lines, stream } = logCapture();
  beforeAll(async () => {
    s = await startTestServer(dialect, {}, { logger: { level: "warn", stream } });
    host = `${s.appId}.localhost`;
  });
  afterAll(() => s.close());

  const iso = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  const verified = async (token: string): Promise<JWTPayload> => {
    const jwks = await s.inject({ method: "GET", url: "/.well-known/jwks.json", headers: { host } });
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks.body), {
      issuer: `http://${host}`,
      typ: "at+jwt",
      currentDate: new Date(s.clock.now()),
    });
    return payload;
  };
  /** The claims a token has beyond the ones every token has. */
  const mapped = (claims: JWTPayload) => {
    const { iss, sub, sid, iat, nbf, exp, jti, scope, external_id, ...rest } = claims;
    return rest;
  };

  it("is created once, read, replaced with a new version each time, and deleted", async () => {
    const own = await s.forNewApp("claims-crud");
    expect((await own.mgmt("GET", "/config/claims")).body.code).toBe("config_not_found");
    expect((await own.mgmt("PUT", "/config/claims", { mapping: { a: 1 } })).status).toBe(404);
    expect((await own.mgmt("DELETE", "/config/claims")).status).toBe(404);

    const mapping = { api_version: 2, uid: { $input: "user_id", $type: "string" } };
    const created = await own.mgmt("POST", "/config/claims", { mapping });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ config: { mapping, version: 1, created_at: iso, updated_at: iso } });
    expect((await own.mgmt("GET", "/config/claims")).body).toEqual(created.body);
    const second = await own.mgmt("POST", "/config/claims", { mapping: { b: 1 } });
    expect(second.status).toBe(409);
    expect(second.body.code).toBe("conflict");

    s.clock.advance(1000);
    const replaced = await own.mgmt("PUT", "/config/claims", { mapping: { api_version: 3 } });
    expect(replaced.status).toBe(200);
    expect(replaced.body.config).toMatchObject({ mapping: { api_version: 3 }, version: 2 });
    expect(replaced.body.config.created_at).toBe(created.body.config.created_at);
    expect(replaced.body.config.updated_at).not.toBe(created.body.config.updated_at);
    const same = await own.mgmt("PUT", "/config/claims", { mapping: { api_version: 3 } });
    expect(same.body.config.version).toBe(3);
    expect((await own.mgmt("GET", "/config/claims")).body).toEqual(same.body);

    expect((await own.mgmt("DELETE", "/config/claims")).status).toBe(204);
    expect((await own.mgmt("GET", "/config/claims")).status).toBe(404);
  });

  const deep = { a: { b: { c: { d: { e: 1 } } } } };
  const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, i]));
  const bad: [string, Record<string, unknown>, RegExp][] = [
    ...["iss", "sub", "sid", "aud", "exp", "iat", "nbf", "jti", "scope", "external_id", "cnf"].map(
      (claim) =>
        [
          `the registered claim ${claim}`,
          { [claim]: "x" },
          new RegExp(`^mapping\\.${claim}: "${claim}" is a registered claim`),
        ] as [string, Record<string, unknown>, RegExp],
    ),
    [
      "an unknown input",
      { ctx: { ip: { $input: "ipaddr", $type: "string" } } },
      /^mapping\.ctx\.ip\.\$input: unknown input "ipaddr"; the inputs are user_id, external_id/,
    ],
    [
      "country_code, which needs geolocation",
      { c: { $input: "country_code", $type: "string" } },
      /unknown input/,
    ],
    [
      "a type mismatch",
      { e: { $input: "emails", $type: "string" } },
      /^mapping\.e: input emails is string\[\], not string\.$/,
    ],
    [
      "a uuid user id",
      { u: { $input: "user_id", $type: "uuid" } },
      /^mapping\.u\.\$type: unknown type "uuid"/,
    ],
    ["$input alone", { a: { $input: "ip" } }, /^mapping\.a: \$input and \$type go together/],
    ["$type alone", { a: { $type: "string" } }, /^mapping\.a: \$input and \$type go together/],
    [
      "a key beside $input",
      { a: { $input: "ip", $type: "string", note: 1 } },
      /^mapping\.a: "note" cannot stand beside \$input/,
    ],
    [
      "a key beside $custom_claim",
      { a: { $custom_claim: "tier", $input: "ip" } },
      /^mapping\.a: \$input and \$type go together/,
    ],
    [
      "an empty profile path",
      { a: { $custom_claim: "" } },
      /^mapping\.a\.\$custom_claim: a profile field name/,
    ],
    ["a profile path that is no string", { a: { $custom_claim: 5 } }, /a profile field name/],
    ["a profile path with an empty key", { a: { $custom_claim: "address..city" } }, /empty or over-long key/],
    ["a profile path too deep", { a: { $custom_claim: "a.b.c.d.e.f" } }, /at most 5 nested profile keys/],
    ["an unknown operator", { a: { $eval: "1+1" } }, /^mapping\.a: unknown operator "\$eval"/],
    ["null", { a: null }, /^mapping\.a: null is not a claim value/],
    ["an object in an array", { a: [1, { b: 2 }] }, /^mapping\.a\[1\]: an array holds constants only/],
    ["nesting past 4 levels", deep, /^mapping\.a\.b\.c\.d: claims nest at most 4 deep/],
    ["more than 64 keys", many, /^mapping\.k64: a mapping has at most 64 keys/],
    ["an over-long claim name", { ["n".repeat(65)]: 1 }, /a claim name is 1 to 64 characters/],
    ["an empty claim name", { "": 1 }, /a claim name is 1 to 64 characters/],
    ["a control character in a name", { "a\u0007b": 1 }, /no control characters/],
    ["a mapping over 4096 bytes", { big: "x".repeat(4100) }, /^mapping is \d+ bytes; at most 4096\.$/],
    ["constants over 2048 bytes", { a: "x".repeat(1500), b: "y".repeat(1000) }, /constants take \d+ bytes/],
  ];
  it("refuses each rule's violation with 400 naming where, writing nothing", async () => {
    const own = await s.forNewApp("claims-rules");
    for (const [label, mapping, message] of bad) {
      const before = await tableCounts(s);
      const created = await own.mgmt("POST", "/config/claims", { mapping });
      expect(created.status, label).toBe(400);
      expect(created.body.code, label).toBe("invalid_request");
      expect(created.body.message, label).toMatch(message);
      expect(await tableCounts(s), `${label} wrote something`).toEqual(before);
    }
    expect((await own.mgmt("POST", "/config/claims", { mapping: { ok: true } })).status).toBe(201);
    for (const [label, mapping, message] of bad) {
      const replaced = await own.mgmt("PUT", "/config/claims", { mapping });
      expect(replaced.status, label).toBe(400);
      expect(replaced.body.message, label).toMatch(message);
    }
    expect((await own.mgmt("GET", "/config/claims")).body.config).toMatchObject({
      mapping: { ok: true },
      version: 1,
    });
    for (const body of [{}, { mapping: "x" }, { mapping: [1] }, { mapping: {}, extra: 1 }]) {
      const res = await own.mgmt("PUT", "/config/claims", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    // Registered names are free inside a nested object; every input and type pair is accepted.
    const allInputs = {
      ctx: { sub: "nested is fine", scope: 1 },
      a: { $input: "user_id", $type: "string" },
      b: { $input: "external_id", $type: "string" },
      c: { $input: "session_id", $type: "string" },
      d: { $input: "emails", $type: "string[]" },
      e: { $input: "email", $type: "string" },
      f: { $input: "phone_numbers", $type: "string[]" },
      g: { $input: "phone_number", $type: "string" },
      h: { $input: "groups", $type: "string[]" },
      i: { $input: "login_method", $type: "string" },
      j: { $input: "auth_time", $type: "number" },
      k: { $input: "ip", $type: "string" },
      l: { $input: "locales", $type: "string[]" },
      m: { $input: "locale", $type: "string" },
    };
    expect((await own.mgmt("PUT", "/config/claims", { mapping: allInputs })).status).toBe(200);
  });

  it("puts the mapped claims in every token, resolved at finalize and at each refresh", async () => {
    await s.mgmt("POST", "/config/scopes", { scope: "read" });
    await s.mgmt("POST", "/config/groups", { name: "staff", scopes: ["read"] });
    const user = (
      await s.mgmt("POST", "/users", {
        external_id: "legacy-7",
        identifiers: [
          { value: "first@example.com" },
          { value: "+33612345678" },
          { value: "second@example.com" },
        ],
        profile: { loyalty_tier: "gold", address: { city: "Lyon" } },
      })
    ).body.id;
    await s.mgmt("POST", `/users/${user}/groups`, { group: "staff" });
    // A session that started before there was any mapping: the node knows of none yet.
    const c = new SessionClient(s, host);
    await c.signIn(user, {}, { "accept-language": "fr-CH, fr;q=0.9, en;q=0.8, *;q=0.5, de;q=0" });
    expect(mapped(await verified(c.accessToken!))).toEqual({});

    const mapping = {
      api_version: 2,
      flags: ["beta", 3, true],
      uid: { $input: "user_id", $type: "string" },
      legacy_id: { $input: "external_id", $type: "string" },
      session: { $input: "session_id", $type: "string" },
      emails: { $input: "emails", $type: "string[]" },
      email: { $input: "email", $type: "string" },
      phones: { $input: "phone_numbers", $type: "string[]" },
      phone: { $input: "phone_number", $type: "string" },
      groups: { $input: "groups", $type: "string[]" },
      method: { $input: "login_method", $type: "string" },
      auth_time: { $input: "auth_time", $type: "number" },
      tier: { $custom_claim: "loyalty_tier" },
      missing: { $custom_claim: "not_there" },
      context: {
        ip: { $input: "ip", $type: "string" },
        languages: { $input: "locales", $type: "string[]" },
        language: { $input: "locale", $type: "string" },
        city: { $custom_claim: "address.city" },
        empty: { nothing: { $custom_claim: "nope.nope" } },
      },
    };
    expect((await s.mgmt("POST", "/config/claims", { mapping })).status).toBe(201);
    const refresh = await c.refresh({ "accept-language": "fr-CH, fr;q=0.9, en;q=0.8, *;q=0.5, de;q=0" });
    expect(refresh.status).toBe(200);
    const claims = await verified(c.accessToken!);
    expect(mapped(claims)).toEqual({
      api_version: 2,
      flags: ["beta", 3, true],
      uid: user,
      legacy_id: "legacy-7",
      session: c.sessionId,
      emails: ["first@example.com", "second@example.com"],
      email: "first@example.com",
      phones: ["+33612345678"],
      phone: "+33612345678",
      groups: ["staff"],
      method: "password",
      auth_time: expect.any(Number),
      tier: "gold",
      context: { ip: "127.0.0.1", languages: ["fr-CH", "fr", "en"], language: "fr-CH", city: "Lyon" },
    });
    expect(claims.sub).toBe(user);
    expect(claims.scope).toBe("read");
    expect(Math.abs((claims.auth_time as number) - s.clock.now() / 1000)).toBeLessThan(5);

    // A profile value is read at issuance.
    await s.mgmt("PATCH", `/users/${user}/profile`, { loyalty_tier: "platinum", address: null });
    await c.refresh();
    const after = mapped(await verified(c.accessToken!));
    expect(after.tier).toBe("platinum");
    // No Accept-Language: the scalar is left out, the list is empty; the city is gone with the address.
    expect(after.context).toEqual({ ip: "127.0.0.1", languages: [] });

    // A changed mapping reaches the session at its next refresh; a deleted one leaves nothing.
    await s.mgmt("PUT", "/config/claims", { mapping: { api_version: 3 } });
    await c.refresh();
    expect(mapped(await verified(c.accessToken!))).toEqual({ api_version: 3 });
    await s.mgmt("DELETE", "/config/claims");
    await c.refresh();
    expect(mapped(await verified(c.accessToken!))).toEqual({});
  });

  it("previews the token a user would get, with the stored mapping or a given one, storing nothing", async () => {
    const own = await s.forNewApp("claims-preview");
    const ownHost = `${own.appId}.localhost`;
    await own.mgmt("POST", "/config/scopes", { scope: "read" });
    await own.mgmt("POST", "/config/groups", { name: "staff", scopes: ["read"] });
    const user = (
      await own.mgmt("POST", "/users", {
        external_id: "legacy-9",
        identifiers: [{ value: "preview@example.com" }],
        profile: { loyalty_tier: "gold" },
      })
    ).body.id;
    await own.mgmt("POST", `/users/${user}/groups`, { group: "staff" });
    const preview = (body: Record<string, unknown>) => own.mgmt("POST", "/config/claims/preview", body);

    const none = await preview({ user_id: user });
    expect(none.status).toBe(200);
    expect(none.body).toEqual({
      claims: { sub: user, sid: "ses_preview", scope: "read", external_id: "legacy-9" },
      over_budget: false,
      mapping: "none",
    });

    const mapping = {
      tier: { $custom_claim: "loyalty_tier" },
      email: { $input: "email", $type: "string" },
      groups: { $input: "groups", $type: "string[]" },
      method: { $input: "login_method", $type: "string" },
      context: { ip: { $input: "ip", $type: "string" } },
    };
    const before = await tableCounts(s);
    const given = await preview({ user_id: user, mapping });
    expect(given.body).toEqual({
      claims: {
        sub: user,
        sid: "ses_preview",
        scope: "read",
        external_id: "legacy-9",
        tier: "gold",
        email: "preview@example.com",
        groups: ["staff"],
        method: "preview",
      },
      over_budget: false,
      mapping: "given",
    });
    expect(await tableCounts(s)).toEqual(before);
    expect((await own.mgmt("GET", "/config/claims")).status).toBe(404);

    // What the stored mapping previews is what a real token carries, but for the session's own inputs.
    expect((await own.mgmt("POST", "/config/claims", { mapping })).status).toBe(201);
    const stored = await preview({ user_id: user });
    expect(stored.body.mapping).toBe("stored");
    const c = new SessionClient(own, ownHost);
    await c.signIn(user);
    const jwks = await s.inject({ method: "GET", url: "/.well-known/jwks.json", headers: { host: ownHost } });
    const { payload } = await jwtVerify(c.accessToken!, createLocalJWKSet(jwks.body), {
      currentDate: new Date(s.clock.now()),
    });
    const { sid, method, context, ...sessionFree } = stored.body.claims;
    expect(mapped(payload)).toEqual({
      ...mapped(sessionFree),
      method: "password",
      context: { ip: "127.0.0.1" },
    });
    expect(payload).toMatchObject({ sub: user, scope: "read", external_id: "legacy-9" });

    // A change shows in the preview before it is saved.
    const edited = await preview({ user_id: user, mapping: { ...mapping, tier: "fixed" } });
    expect(edited.body.claims.tier).toBe("fixed");
    expect((await preview({ user_id: user })).body.claims.tier).toBe("gold");

    for (const [body, status, code] of [
      [{ user_id: user, mapping: { sub: "x" } }, 400, "invalid_request"],
      [{ user_id: user, mapping: { e: { $input: "emails", $type: "string" } } }, 400, "invalid_request"],
      [{ user_id: "usr_nobody" }, 404, "user_not_found"],
      [{}, 400, "invalid_request"],
      [{ user_id: user, mapping: [1] }, 400, "invalid_request"],
      [{ user_id: user, extra: 1 }, 400, "invalid_request"],
    ] as const) {
      const counts = await tableCounts(s);
      const res = await preview(body);
      expect([res.status, res.body.code], JSON.stringify(body)).toEqual([status, code]);
      expect(await tableCounts(s)).toEqual(counts);
    }
    const bad = await preview({
      user_id: user,
      mapping: { ctx: { ip: { $input: "ipaddr", $type: "string" } } },
    });
    expect(bad.body.message).toMatch(/^mapping\.ctx\.ip\.\$input: unknown input "ipaddr"/);
    // Another app's user is unknown here.
    expect((await s.mgmt("POST", "/config/claims/preview", { user_id: user })).status).toBe(404);
  });

  it("keeps a token within its budget: past 2048 bytes of claims, only the constants stay", async () => {
    const own = await s.forNewApp("claims-budget");
    const ownHost = `${own.appId}.localhost`;
    await own.mgmt("POST", "/config/claims", {
      mapping: {
        api_version: 2,
        bio: { $custom_claim: "bio" },
        ctx: { v: 1, note: { $custom_claim: "note" } },
      },
    });
    const user = (
      await own.mgmt("POST", "/users", {
        identifiers: [{ value: "verbose@example.com" }],
        profile: { bio: "b".repeat(1500), note: "short" },
      })
    ).body.id;
    const c = new SessionClient(own, ownHost);
    await c.signIn(user);
    const decode = (t: string) => JSON.parse(Buffer.from(t.split(".")[1]!, "base64url").toString());
    expect(decode(c.accessToken!)).toMatchObject({
      api_version: 2,
      bio: "b".repeat(1500),
      ctx: { v: 1, note: "short" },
    });
    lines.length = 0;
    await own.mgmt("PATCH", `/users/${user}/profile`, { bio: "b".repeat(3000) });
    expect((await c.refresh()).status).toBe(200);
    const over = decode(c.accessToken!);
    expect(over.api_version).toBe(2);
    expect(over.ctx).toEqual({ v: 1 });
    expect(over.bio).toBeUndefined();
    expect(c.accessToken!.length).toBeLessThan(8192);
    const warning = lines.map((l) => JSON.parse(l)).find((l) => /size limit/.test(l.msg));
    expect(warning).toMatchObject({ app_id: own.appId, user_id: user, level: 40 });
  });

  it("applies a mapping changed through one node at the next refresh on another", async () => {
    const other = await s.secondNode();
    try {
      const user = (await s.mgmt("POST", "/users", { identifiers: [{ value: "nodes@example.com" }] })).body
        .id;
      const c = new SessionClient(other, host);
      await c.signIn(user);
      expect(mapped(await verified(c.accessToken!))).toEqual({});
      await s.mgmt("POST", "/config/claims", { mapping: { mail: { $input: "emails", $type: "string[]" } } });
      await c.refresh();
      expect(mapped(await verified(c.accessToken!))).toEqual({ mail: ["nodes@example.com"] });
      await s.mgmt("DELETE", "/config/claims");
    } finally {
      await other.close();
    }
  });
});
