import { afterAll, beforeAll, expect, it } from "vitest";
import { SessionClient } from "./support/session-client.js";
import { describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

describeEachDatabase("managing sessions", (dialect) => {
  let s: TestServer;
  let host: string;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    host = `${s.appId}.localhost`;
  });
  afterAll(() => s.close());

  let seq = 0;
  const newUser = async () =>
    (
      await s.mgmt("POST", "/users", {
        identifiers: [{ value: `m${seq++}@example.com` }, { value: `+3361234${String(5600 + seq)}` }],
      })
    ).body.id as string;
  const signedIn = async (userId: string, ua?: string) => {
    const c = new SessionClient(s, host);
    const res = await c.signIn(userId);
    expect(res.status).toBe(200);
    if (ua) await c.call("/v1/session/refresh", undefined, {}, { "user-agent": ua });
    return c;
  };

  it("lists the caller's sessions with /me/list, paginated", async () => {
    const user = await newUser();
    const a = await signedIn(user);
    await signedIn(user);
    await signedIn(user);
    const res = await a.bearer("GET", "/v1/session/me/list");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ total: 3, limit: 10, offset: 0 });
    expect(res.body.sessions[0]).toEqual({
      id: expect.stringMatching(/^ses_/),
      device_model: expect.any(String),
      device_type: expect.stringMatching(/^(desktop|mobile|tablet|unknown)$/),
      os_version: expect.any(String),
      country_code: expect.any(String),
      created_at: expect.any(String),
      last_seen_at: expect.any(String),
      expires_at: expect.any(String),
    });
    const page = await a.bearer("GET", "/v1/session/me/list?limit=2&offset=2");
    expect(page.body).toMatchObject({ total: 3, limit: 2, offset: 2 });
    expect(page.body.sessions).toHaveLength(1);
    for (const [q, code] of [
      ["limit=0", "invalid_pagination_limit"],
      ["limit=abc", "invalid_pagination_limit"],
      ["offset=-1", "invalid_pagination_offset"],
    ]) {
      const bad = await a.bearer("GET", `/v1/session/me/list?${q}`);
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe(code);
    }
  });

  it("answers HTTP 401 to a missing, invalid, expired or revoked bearer token", async () => {
    const user = await newUser();
    const c = await signedIn(user);
    for (const token of ["", "garbage", c.refreshToken!]) {
      const res = await c.bearer("GET", "/v1/session/me/list", token);
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ code: "unauthorized", type: "unauthorized" });
    }
    const token = c.accessToken!;
    s.clock.advance(301_000);
    expect((await c.bearer("GET", "/v1/session/me/list", token)).status).toBe(401);
    expect((await c.refresh()).status).toBe(200);
    expect((await c.bearer("GET", "/v1/session/me/list")).status).toBe(200);
    await c.call("/v1/session/revoke");
    expect((await c.bearer("GET", "/v1/session/me/list")).status).toBe(401);
  });

  it("revokes others, one session, mine and all", async () => {
    const user = await newUser();
    const [a, b, c, d] = [
      await signedIn(user),
      await signedIn(user),
      await signedIn(user),
      await signedIn(user),
    ];
    expect(
      (await a.bearer("POST", `/v1/session/me/revoke?target=session&session_id=${b.sessionId}`)).status,
    ).toBe(204);
    expect((await b.refresh()).status).toBe(401);
    expect(
      (await a.bearer("POST", "/v1/session/me/revoke?target=session&session_id=ses_nope")).body.code,
    ).toBe("not_found");
    expect((await a.bearer("POST", "/v1/session/me/revoke?target=session")).body.code).toBe("bad_request");
    expect((await a.bearer("POST", "/v1/session/me/revoke?target=everything")).status).toBe(400);
    expect((await a.bearer("POST", "/v1/session/me/revoke?target=others")).status).toBe(204);
    expect((await c.refresh()).status).toBe(401);
    expect((await d.refresh()).status).toBe(401);
    expect((await a.refresh()).status).toBe(200);
    expect((await a.bearer("POST", "/v1/session/me/revoke?target=mine")).status).toBe(204);
    expect((await a.refresh()).status).toBe(401);
    const [e, f] = [await signedIn(user), await signedIn(user)];
    expect((await e.bearer("POST", "/v1/session/me/revoke?target=all")).status).toBe(204);
    expect((await e.refresh()).status).toBe(401);
    expect((await f.refresh()).status).toBe(401);
  });

  it("cannot revoke another user's session", async () => {
    const mine = await signedIn(await newUser());
    const theirs = await signedIn(await newUser());
    const res = await mine.bearer(
      "POST",
      `/v1/session/me/revoke?target=session&session_id=${theirs.sessionId}`,
    );
    expect(res.status).toBe(404);
    expect((await theirs.refresh()).status).toBe(200);
  });

  it("lists the caller's identifiers with their ids", async () => {
    const user = await newUser();
    const c = await signedIn(user);
    const res = await c.bearer("GET", "/v1/session/me/identifiers");
    expect(res.status).toBe(200);
    expect(res.body.identifiers).toHaveLength(2);
    expect(res.body.identifiers[0]).toEqual({
      id: expect.stringMatching(/^idt_/),
      type: "email_address",
      value: expect.any(String),
    });
  });

  it("Management: lists, revokes one and invalidates all of a user's sessions", async () => {
    const user = await newUser();
    const a = await signedIn(user);
    const b = await signedIn(user);
    const listed = await s.mgmt("GET", `/users/${user}/sessions`);
    expect(listed.status).toBe(200);
    expect(listed.body.sessions.map((x: { id: string }) => x.id).sort()).toEqual(
      [a.sessionId, b.sessionId].sort(),
    );
    expect(listed.body.sessions[0]).toMatchObject({ method: "password", created_at: expect.any(String) });
    const one = await s.mgmt("DELETE", `/users/${user}/sessions/${a.sessionId}`);
    expect(one.status).toBe(200);
    expect((await a.refresh()).status).toBe(401);
    expect((await s.mgmt("DELETE", `/users/${user}/sessions/${a.sessionId}`)).body.code).toBe(
      "session_not_found",
    );
    const all = await s.mgmt("POST", `/users/${user}/sessions/invalidate`);
    expect(all.body).toMatchObject({ revoked: 1 });
    expect((await b.refresh()).status).toBe(401);
    expect((await s.mgmt("GET", `/users/${user}/sessions`)).body.sessions).toEqual([]);
    expect((await s.mgmt("GET", "/users/usr_01jqebhswje1ka1z7ahr9rfsgt/sessions")).status).toBe(404);
  });

  it("ends every session when the user is disabled or deleted, announcing each", async () => {
    const disabled = await newUser();
    const d1 = await signedIn(disabled);
    const d2 = await signedIn(disabled);
    const deleted = await newUser();
    const x = await signedIn(deleted);
    const before = (await s.store.outbox.list(s.appId, { limit: 100_000 })).length;
    await s.mgmt("PUT", `/users/${disabled}/status`, { status: "disabled" });
    await s.mgmt("DELETE", `/users/${deleted}`);
    for (const c of [d1, d2, x]) expect((await c.refresh()).status).toBe(401);
    expect((await d1.bearer("GET", "/v1/session/me/list")).status).toBe(401);
    const events = (await s.store.outbox.list(s.appId, { limit: 100_000 })).slice(before);
    const revoked = events
      .filter((e) => e.type === "user.session.revoked")
      .map((e) => e.payload as { session_id: string; reason: string });
    expect(revoked.map((r) => r.session_id).sort()).toEqual([d1.sessionId, d2.sessionId, x.sessionId].sort());
    expect(new Set(revoked.map((r) => r.reason))).toEqual(new Set(["user_disabled", "user_deleted"]));
  });
});

describeEachDatabase("purging ended sessions", (dialect) => {
  it("deletes sessions a day after they ended, with their refresh tokens, keeping live ones", async () => {
    const s = await startTestServer(dialect);
    try {
      const { purgeExpired } = await import("../src/domain/shared/purge-expired.js");
      const userId = (await s.mgmt("POST", "/users", {})).body.id;
      const host = `${s.appId}.localhost`;
      const ended = new SessionClient(s, host);
      await ended.signIn(userId);
      await ended.refresh();
      await ended.call("/v1/session/revoke");
      const live = new SessionClient(s, host);
      await live.signIn(userId);
      const count = async (t: "sessions" | "refresh_tokens") =>
        Number(
          (
            await s.db.database.db
              .selectFrom(t)
              .select((e) => e.fn.countAll().as("n"))
              .executeTakeFirstOrThrow()
          ).n,
        );
      expect(await count("sessions")).toBe(2);
      expect(await count("refresh_tokens")).toBe(3);
      expect((await purgeExpired({ store: s.store, clock: s.clock })).sessions).toBe(0);
      s.clock.advance(86_400_000 + 1000);
      expect((await purgeExpired({ store: s.store, clock: s.clock })).sessions).toBe(1);
      expect(await count("sessions")).toBe(1);
      expect(await count("refresh_tokens")).toBe(1);
      expect((await live.refresh()).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});

describeEachDatabase("session lifetimes per app", (dialect) => {
  it("are read and set through /config/session, and new tokens follow them", async () => {
    const s = await startTestServer(dialect);
    try {
      expect((await s.mgmt("GET", "/config/session")).body).toEqual({
        config: { access_token_ttl_seconds: 300, session_ttl_seconds: 2_592_000, idle_ttl_seconds: 604_800 },
      });
      const set = await s.mgmt("PUT", "/config/session", {
        access_token_ttl_seconds: 60,
        session_ttl_seconds: 3600,
        idle_ttl_seconds: 600,
      });
      expect(set.status).toBe(200);
      expect(set.body.config.access_token_ttl_seconds).toBe(60);
      s.clock.advance(10_000); // past the per-node app cache
      const c = new SessionClient(s, `${s.appId}.localhost`);
      const userId = (await s.mgmt("POST", "/users", {})).body.id;
      // The clock runs in real time: the token's iat is a second between these two readings.
      const before = Math.floor(s.clock.now() / 1000);
      const res = await c.signIn(userId);
      const after = Math.floor(s.clock.now() / 1000);
      expect(res.body.expires_at - 60).toBeGreaterThanOrEqual(before);
      expect(res.body.expires_at - 60).toBeLessThanOrEqual(after);
      expect(String(res.headers["set-cookie"])).toContain("Max-Age=3600");
      s.clock.advance(601_000);
      expect((await c.refresh()).status).toBe(401);
      for (const bad of [
        { access_token_ttl_seconds: 10, session_ttl_seconds: 3600, idle_ttl_seconds: 600 },
        { access_token_ttl_seconds: 90_000, session_ttl_seconds: 3600, idle_ttl_seconds: 600 },
        { access_token_ttl_seconds: 60, session_ttl_seconds: 3600, idle_ttl_seconds: 7200 },
        { access_token_ttl_seconds: 60 },
      ]) {
        expect((await s.mgmt("PUT", "/config/session", bad)).status).toBe(400);
      }
    } finally {
      await s.close();
    }
  });
});
