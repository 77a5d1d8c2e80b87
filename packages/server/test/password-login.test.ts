import { afterAll, beforeAll, expect, it } from "vitest";
import { rowCounts } from "./support/row-counts.js";
import { SessionClient } from "./support/session-client.js";
import { describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

describeEachDatabase("password login", (dialect) => {
  let s: TestServer;
  let host: string;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    host = `${s.appId}.localhost`;
    // Granted to sessions below; like any granted scope, it must be an allowed one.
    await s.mgmt("POST", "/config/scopes", { scope: "prld:pwd:write" });
  });
  afterAll(() => s.close());

  const post = (path: string, body: unknown, ip = "10.0.0.1") =>
    s.inject({
      method: "POST",
      url: `/v1/session${path}`,
      headers: { host, "content-type": "application/json", "x-forwarded-for": ip },
      payload: JSON.stringify(body),
      remoteAddress: ip,
    });
  const finalize = async (challengeToken: string) => new SessionClient(s, host).finalize(challengeToken);

  it("is forbidden until the app has a password config", async () => {
    const res = await post("/login/email/password", { identifier: "a@example.com", password: "whatever123" });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: "forbidden", type: "forbidden" });
  });

  it("manages the config: defaults, one per app, replace, validation, delete", async () => {
    const created = await s.mgmt("POST", "/config/login/password", {
      password_compliancy: {
        min_length: 10,
        max_length: 64,
        uppercase: 1,
        lowercase: 1,
        numbers: 1,
        symbols: 0,
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.config).toMatchObject({
      hash_method: "argon2id",
      enabled: true,
      rate_limit_login_ip: { ttl: 600_000_000_000, limit: 100 },
      rate_limit_login_identifier: { ttl: 600_000_000_000, limit: 10 },
      password_compliancy: { min_length: 10, uppercase: 1 },
      created_at: expect.any(String),
    });
    expect((await s.mgmt("POST", "/config/login/password", {})).body.code).toBe("conflict");
    expect((await s.mgmt("GET", "/config/login/password")).body).toEqual(created.body);
    for (const bad of [
      { hash_method: "md5" },
      {
        password_compliancy: {
          min_length: 12,
          max_length: 8,
          uppercase: 0,
          lowercase: 0,
          numbers: 0,
          symbols: 0,
        },
      },
      { rate_limit_login_ip: { ttl: 5, limit: 1 } },
      { enabled: "yes" },
      { unknown: 1 },
    ]) {
      const res = await s.mgmt("PUT", "/config/login/password", bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }
    const compliancy = await s.inject({
      method: "GET",
      url: "/v1/session/password/compliancy",
      headers: { host },
    });
    expect(compliancy.body).toEqual({
      min_length: 10,
      max_length: 64,
      uppercase: 1,
      lowercase: 1,
      numbers: 1,
      symbols: 0,
    });
    expect((await s.mgmt("DELETE", "/config/login/password")).status).toBe(204);
    expect((await s.mgmt("GET", "/config/login/password")).body.code).toBe("config_not_found");
    expect((await s.mgmt("DELETE", "/config/login/password")).status).toBe(404);
    const defaults = await s.inject({
      method: "GET",
      url: "/v1/session/password/compliancy",
      headers: { host },
    });
    expect(defaults.body).toEqual({
      min_length: 8,
      max_length: 0,
      uppercase: 0,
      lowercase: 0,
      numbers: 0,
      symbols: 0,
    });
    expect(
      (
        await s.mgmt("POST", "/config/login/password", {
          rate_limit_login_identifier: { ttl: 60_000_000_000, limit: 5 },
          rate_limit_login_ip: { ttl: 60_000_000_000, limit: 30 },
        })
      ).status,
    ).toBe(201);
  });

  it("signs up, finalizes, and signs in again with the password", async () => {
    const up = await post("/login/email/sign-up", {
      identifier: " Newbie@Example.com ",
      password: "a good password",
    });
    expect(up.status).toBe(200);
    expect(Object.keys(up.body)).toEqual(["challenge_token"]);
    const session = await finalize(up.body.challenge_token);
    expect(session.status).toBe(200);
    const users = (
      await s.mgmt("GET", "/users?identifier_type=email_address&identifier_value=newbie%40example.com")
    ).body.users;
    expect(users).toHaveLength(1);
    expect(users[0].has_password).toBe(true);
    const events = await s.store.outbox.list(s.appId, { limit: 1000 });
    expect(
      events.find(
        (e) => e.type === "user.created" && (e.payload as { user_id: string }).user_id === users[0].id,
      )?.payload,
    ).toMatchObject({ source: "sign_up" });

    const login = await post("/login/email/password", {
      identifier: "NEWBIE@example.com",
      password: "a good password",
    });
    expect(login.status).toBe(200);
    expect((await finalize(login.body.challenge_token)).status).toBe(200);
  });

  it("refuses a taken email, a weak password and a malformed email at sign-up, writing nothing", async () => {
    const before = await rowCounts(s);
    const taken = await post("/login/email/sign-up", {
      identifier: "newbie@example.com",
      password: "another password",
    });
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe("identifier_already_exists");
    const weak = await post("/login/email/sign-up", { identifier: "weak@example.com", password: "short" });
    expect(weak.status).toBe(400);
    expect(weak.body.code).toBe("invalid_password");
    const malformed = await post("/login/email/sign-up", {
      identifier: "not-an-email",
      password: "a good password",
    });
    expect(malformed.body.code).toBe("bad_request");
    for (const body of [
      {},
      { identifier: "x@y.co" },
      { identifier: 1, password: "p" },
      { identifier: "x@y.co", password: "p", extra: 1 },
    ]) {
      expect((await post("/login/email/sign-up", body)).body.code).toBe("bad_request");
    }
    expect(await rowCounts(s)).toEqual(before);
  });

  it("answers unknown email, no password and wrong password alike", async () => {
    await s.mgmt("POST", "/users", { identifiers: [{ value: "nopassword@example.com" }] });
    const answers = await Promise.all([
      post(
        "/login/email/password",
        { identifier: "ghost@example.com", password: "a good password" },
        "10.1.0.1",
      ),
      post(
        "/login/email/password",
        { identifier: "nopassword@example.com", password: "a good password" },
        "10.1.0.2",
      ),
      post(
        "/login/email/password",
        { identifier: "newbie@example.com", password: "a wrong password" },
        "10.1.0.3",
      ),
    ]);
    for (const a of answers) {
      expect(a.status).toBe(401);
      const { request_id: _, ...rest } = a.body;
      expect(rest).toEqual({
        code: "unauthorized",
        message: "The email or password is incorrect.",
        type: "unauthorized",
      });
    }
  });

  it("tells a disabled user apart only after the right password", async () => {
    const up = await post(
      "/login/email/sign-up",
      { identifier: "gone@example.com", password: "a good password" },
      "10.2.0.1",
    );
    await finalize(up.body.challenge_token);
    const id = (
      await s.mgmt("GET", "/users?identifier_type=email_address&identifier_value=gone%40example.com")
    ).body.users[0].id;
    await s.mgmt("PUT", `/users/${id}/status`, { status: "disabled" });
    expect(
      (
        await post(
          "/login/email/password",
          { identifier: "gone@example.com", password: "wrong password!" },
          "10.2.0.2",
        )
      ).status,
    ).toBe(401);
    const right = await post(
      "/login/email/password",
      { identifier: "gone@example.com", password: "a good password" },
      "10.2.0.3",
    );
    expect(right.status).toBe(403);
    expect(right.body.code).toBe("suspended_account");
  });

  it("slows an email down after its wrong guesses, limits each IP's share, and limits IPs", async () => {
    const attempt = (identifier: string, ip: string) =>
      post("/login/email/password", { identifier, password: "nope nope nope" }, ip);
    // Windows are fixed minutes: start just after a boundary, so the attempts cannot straddle two.
    s.clock.advance(60_000 - (s.clock.now() % 60_000) + 10);
    // The email's five free wrong guesses, from five IPs.
    for (let i = 0; i < 5; i++) expect((await attempt("victim@example.com", `10.3.0.${i}`)).status).toBe(401);
    // Then one guess per spacing, from anyone: the next one is admitted, the one right after waits.
    expect((await attempt("victim@example.com", "10.3.0.50")).status).toBe(401);
    const slowed = await attempt("victim@example.com", "10.3.0.51");
    expect(slowed.status).toBe(429);
    expect(slowed.body).toMatchObject({ code: "rate_limited", type: "too_many_requests" });
    expect(Number(slowed.headers["retry-after"])).toBeGreaterThan(0);
    expect(Number(slowed.headers["retry-after"])).toBeLessThanOrEqual(4);
    expect((await attempt("someone-else@example.com", "10.3.0.99")).status).toBe(401);

    // One IP's share of an email's guesses: half the limit, rounded up.
    for (let i = 0; i < 3; i++) expect((await attempt("victim2@example.com", "10.3.0.60")).status).toBe(401);
    expect((await attempt("victim2@example.com", "10.3.0.60")).status).toBe(429);

    for (let i = 0; i < 30; i++) await attempt(`spray${i}@example.com`, "10.4.0.1");
    expect((await attempt("fresh@example.com", "10.4.0.1")).status).toBe(429);
    s.clock.advance(61_000);
    expect((await attempt("victim@example.com", "10.3.0.100")).status).toBe(401);
    expect((await attempt("fresh@example.com", "10.4.0.1")).status).toBe(401);
  });

  it("changes the password with prld:pwd:write, consuming the scope", async () => {
    const up = await post(
      "/login/email/sign-up",
      { identifier: "changer@example.com", password: "first password" },
      "10.5.0.1",
    );
    const plain = new SessionClient(s, host);
    await plain.finalize(up.body.challenge_token);
    const reset = (c: SessionClient, password: string) =>
      s.inject({
        method: "POST",
        url: "/v1/session/me/password/reset",
        headers: { host, authorization: `Bearer ${c.accessToken}`, "content-type": "application/json" },
        payload: JSON.stringify({ password }),
      });
    expect((await reset(plain, "second password")).body.code).toBe("insufficient_scope");

    const userId = (
      await s.mgmt("GET", "/users?identifier_type=email_address&identifier_value=changer%40example.com")
    ).body.users[0].id;
    const granted = new SessionClient(s, host);
    await granted.signIn(userId, { scopes: ["prld:pwd:write"] });
    expect((await reset(granted, "short")).body.code).toBe("invalid_password");
    expect((await reset(granted, "second password")).status).toBe(204);
    expect((await reset(granted, "third password")).body.code).toBe("insufficient_scope");
    expect(
      (
        await post(
          "/login/email/password",
          { identifier: "changer@example.com", password: "first password" },
          "10.5.0.2",
        )
      ).status,
    ).toBe(401);
    expect(
      (
        await post(
          "/login/email/password",
          { identifier: "changer@example.com", password: "second password" },
          "10.5.0.3",
        )
      ).status,
    ).toBe(200);
    const noBearer = await s.inject({
      method: "POST",
      url: "/v1/session/me/password/reset",
      headers: { host, "content-type": "application/json" },
      payload: "{}",
    });
    expect(noBearer.status).toBe(400);
  });

  it("ends the user's other sessions when the password changes, unless told to keep them", async () => {
    const user = await s.mgmt("POST", "/users", {
      identifiers: [{ value: "rotate-all@example.com" }],
      password: "first password",
    });
    const id = user.body.id;
    const signedIn = async (scopes: string[] = []) => {
      const c = new SessionClient(s, host);
      await c.signIn(id, { scopes });
      return c;
    };
    const reset = (c: SessionClient, body: Record<string, unknown>) =>
      s.inject({
        method: "POST",
        url: "/v1/session/me/password/reset",
        headers: { host, authorization: `Bearer ${c.accessToken}`, "content-type": "application/json" },
        payload: JSON.stringify(body),
      });
    const revokedReasons = async () =>
      (await s.store.outbox.list(s.appId, { limit: 10_000 }))
        .map((e) => ({ type: e.type, payload: e.payload as { user_id: string; reason: string } }))
        .filter((e) => e.type === "user.session.revoked" && e.payload.user_id === id)
        .map((e) => e.payload.reason);

    // Self-service: every other session ends, the one that changed the password stays.
    const other = await signedIn();
    const changer = await signedIn(["prld:pwd:write"]);
    expect((await reset(changer, { password: "second password" })).status).toBe(204);
    expect((await other.refresh()).status).toBe(401);
    expect((await changer.refresh()).status).toBe(200);
    expect(await revokedReasons()).toEqual(["password_changed"]);

    const kept = await signedIn();
    const keeper = await signedIn(["prld:pwd:write"]);
    expect((await reset(keeper, { password: "third password", revoke_sessions: false })).status).toBe(204);
    expect((await kept.refresh()).status).toBe(200);

    // Management: every session ends, unless revoke_sessions is false.
    expect(
      (await s.mgmt("PUT", `/users/${id}/password`, { password: "fourth password", revoke_sessions: false }))
        .status,
    ).toBe(204);
    expect((await kept.refresh()).status).toBe(200);
    expect((await s.mgmt("PUT", `/users/${id}/password`, { password: "fifth password" })).status).toBe(204);
    for (const c of [changer, kept, keeper]) expect((await c.refresh()).status).toBe(401);
    expect(await revokedReasons()).toEqual([
      "password_changed",
      "password_changed",
      "password_changed",
      "password_changed",
    ]);
    expect(
      (await s.mgmt("PUT", `/users/${id}/password`, { password: "sixth password", revoke_sessions: "no" }))
        .status,
    ).toBe(400);
  });
});
