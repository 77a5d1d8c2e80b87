import { constants, createHash, createPublicKey, randomBytes, verify } from "node:crypto";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { logCapture } from "./support/log-capture.js";
import { json, type ReceivedCall, startReceiver } from "./support/receiver.js";
import { rowCounts } from "./support/row-counts.js";
import { SessionClient } from "./support/session-client.js";
import { describeEachDatabase } from "./support/test-databases.js";
import { type Answer, startTestServer, type TestServer } from "./support/test-server.js";

const pkce = () => {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
};

const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString());

describeEachDatabase("lazy migration", (dialect) => {
  let s: TestServer;
  let host: string;
  let hook: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    s = await startTestServer(dialect);
    host = `${s.appId}.localhost`;
    hook = await startReceiver((_call, res) => json(res, 500, {}));
    // The scopes a hook grants must be allowed scopes, as for every login method.
    await s.mgmt("POST", "/config/scopes", { scope: "legacy:migrated" });
  });
  afterAll(async () => {
    await hook.close();
    await s.close();
  });
  beforeEach(async () => {
    hook.calls.length = 0;
    await s.mgmt("DELETE", "/config/migration");
    expect((await s.mgmt("POST", "/config/migration", { session_validation_url: hook.url })).status).toBe(
      201,
    );
  });

  const migrate = (body: Record<string, unknown>): Promise<Answer> =>
    s.inject({
      method: "POST",
      url: "/v1/session/migration",
      headers: { host, "content-type": "application/json" },
      payload: JSON.stringify(body),
    });

  const findUser = async (externalId: string) =>
    (await s.mgmt("GET", `/users?external_id=${encodeURIComponent(externalId)}`)).body.users[0];

  const lastEvent = async () => (await s.store.outbox.list(s.appId, { limit: 10_000 })).at(-1);

  it("answers not_configured without a migration config, and calls nothing", async () => {
    await s.mgmt("DELETE", "/config/migration");
    const before = await rowCounts(s);
    const res = await migrate({ token: "legacy", code_challenge: pkce().challenge });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: "not_configured", type: "forbidden" });
    expect(hook.calls).toHaveLength(0);
    expect(await rowCounts(s)).toEqual(before);
  });

  it("rejects bad bodies with bad_request before calling the hook, writing nothing", async () => {
    const before = await rowCounts(s);
    const challenge = pkce().challenge;
    for (const body of [
      {},
      { token: "t" },
      { code_challenge: challenge },
      { token: "", code_challenge: challenge },
      { token: 42, code_challenge: challenge },
      { token: "x".repeat(8193), code_challenge: challenge },
      { token: "t", code_challenge: "too-short" },
      { token: "t", code_challenge: `${challenge.slice(0, 42)}!` },
      { token: "t", code_challenge: challenge, dispatch_id: "" },
      { token: "t", code_challenge: challenge, dispatch_id: "d".repeat(129) },
      { token: "t", code_challenge: challenge, code_challenge_method: "plain" },
    ]) {
      const res = await migrate(body);
      expect(res.status, JSON.stringify(body).slice(0, 60)).toBe(400);
      expect(res.body.code).toBe("bad_request");
    }
    expect(hook.calls).toHaveLength(0);
    expect(await rowCounts(s)).toEqual(before);
  });

  it("creates the user from a signed hook call, and finalize with PKCE and DPoP starts the session", async () => {
    hook.answer((_call, res) =>
      json(res, 200, {
        external_id: "legacy-ann",
        identifiers: [{ type: "email_address", value: "Ann@Example.COM" }],
        profile: { name: "Ann" },
        scopes: ["legacy:migrated"],
      }),
    );
    const { verifier, challenge } = pkce();
    const res = await migrate({ token: "legacy-session-abc", code_challenge: challenge, dispatch_id: "d-1" });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(["challenge_token"]);

    // The request: the documented body, signed with the app's published hook key.
    expect(hook.calls).toHaveLength(1);
    const call = hook.calls[0] as ReceivedCall;
    expect(call.headers["content-type"]).toBe("application/json");
    const sent = JSON.parse(call.body);
    expect(sent).toEqual({
      type: "session.validate",
      request_id: expect.stringMatching(/^mhr_/),
      app_id: s.appId,
      token: "legacy-session-abc",
      dispatch_id: "d-1",
      sent_at: expect.any(Number),
    });
    expect(Math.abs(sent.sent_at - s.clock.now() / 1000)).toBeLessThan(5);
    const signature = /^rsassa-pss-sha256=([A-Za-z0-9_-]+)$/.exec(
      String(call.headers["x-webhook-signature"]),
    )?.[1];
    expect(signature).toBeDefined();
    const jwks = await s.inject({ method: "GET", url: "/.well-known/jwks.json", headers: { host } });
    const jwk = jwks.body.keys.find(
      (k: { kid: string }) => k.kid === call.headers["x-webhook-signature-key-id"],
    );
    expect(jwk).toMatchObject({ kty: "RSA", alg: "PS256", use: "sig" });
    const pss = {
      key: createPublicKey({ key: jwk, format: "jwk" }),
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
    };
    expect(verify("sha256", Buffer.from(call.body), pss, Buffer.from(signature!, "base64url"))).toBe(true);
    expect(verify("sha256", Buffer.from(`${call.body} `), pss, Buffer.from(signature!, "base64url"))).toBe(
      false,
    );

    const user = await findUser("legacy-ann");
    expect(user).toMatchObject({
      external_id: "legacy-ann",
      identifiers: [{ type: "email_address", value: "ann@example.com" }],
      profile: { name: "Ann" },
    });
    expect(await lastEvent()).toMatchObject({
      type: "user.created",
      payload: { user_id: user.id, source: "migration" },
    });

    const client = new SessionClient(s, host);
    expect((await client.finalize(res.body.challenge_token)).body.code).toBe("token_mismatch");
    expect((await client.finalize(res.body.challenge_token, pkce().verifier)).body.code).toBe(
      "token_mismatch",
    );
    const done = await client.finalize(res.body.challenge_token, verifier);
    expect(done.status).toBe(200);
    expect(claims(done.body.access_token)).toMatchObject({
      sub: user.id,
      external_id: "legacy-ann",
      scope: "legacy:migrated",
    });
    expect((await client.refresh()).status).toBe(200);
  });

  it("reuses the user on a second migration and attaches identifiers the legacy user gained", async () => {
    const answer = {
      external_id: "legacy-bob",
      identifiers: [{ type: "email_address", value: "bob@example.com" }],
    };
    hook.answer((_call, res) => json(res, 200, answer));
    expect((await migrate({ token: "t1", code_challenge: pkce().challenge })).status).toBe(200);
    const first = await findUser("legacy-bob");
    hook.answer((_call, res) =>
      json(res, 200, { ...answer, identifiers: [...answer.identifiers, { value: "+33612345678" }] }),
    );
    const before = await rowCounts(s);
    expect((await migrate({ token: "t2", code_challenge: pkce().challenge })).status).toBe(200);
    const again = await findUser("legacy-bob");
    expect(again.id).toBe(first.id);
    expect(again.identifiers).toEqual([
      { type: "email_address", value: "bob@example.com" },
      { type: "phone_number", value: "+33612345678" },
    ]);
    expect(await rowCounts(s)).toMatchObject({ users: before.users, identifiers: before.identifiers + 1 });
  });

  it("leaves an identifier another user owns with that user", async () => {
    const owner = (await s.mgmt("POST", "/users", { identifiers: [{ value: "shared@example.com" }] })).body;
    hook.answer((_call, res) =>
      json(res, 200, {
        external_id: "legacy-carol",
        identifiers: [{ value: "shared@example.com" }, { value: "carol@example.com" }],
      }),
    );
    expect((await migrate({ token: "t", code_challenge: pkce().challenge })).status).toBe(200);
    expect((await findUser("legacy-carol")).identifiers).toEqual([
      { type: "email_address", value: "carol@example.com" },
    ]);
    expect((await s.mgmt("GET", `/users/${owner.id}`)).body.user.identifiers).toEqual([
      { type: "email_address", value: "shared@example.com" },
    ]);
  });

  it("answers unauthorized when the hook refuses the legacy session, writing nothing", async () => {
    for (const status of [401, 403]) {
      hook.answer((_call, res) => json(res, status, { error: "invalid session" }));
      const before = await rowCounts(s);
      const res = await migrate({ token: "expired-legacy", code_challenge: pkce().challenge });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe("unauthorized");
      expect(await rowCounts(s)).toEqual(before);
    }
  });

  it("answers suspended_account for a disabled user", async () => {
    const user = (await s.mgmt("POST", "/users", { external_id: "legacy-dave" })).body;
    await s.mgmt("PUT", `/users/${user.id}/status`, { status: "disabled" });
    hook.answer((_call, res) =>
      json(res, 200, { external_id: "legacy-dave", identifiers: [{ value: "d@x.io" }] }),
    );
    const res = await migrate({ token: "t", code_challenge: pkce().challenge });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe("suspended_account");
  });

  const failures: [string, (res: import("node:http").ServerResponse) => void, string, number | null][] = [
    ["a 500", (res) => json(res, 500, { error: "boom" }), "invalid_status_code", 500],
    [
      "a redirect (not followed)",
      (res) => {
        res.writeHead(302, { location: "http://127.0.0.1:1/elsewhere" });
        res.end();
      },
      "invalid_status_code",
      302,
    ],
    ["a body that is not JSON", (res) => json(res, 200, "<html>ok</html>"), "response_decode_failed", 200],
    [
      "a body over 64 KiB",
      (res) =>
        json(res, 200, { external_id: "x", identifiers: [{ value: "a@b.co" }], pad: "x".repeat(70_000) }),
      "response_decode_failed",
      null,
    ],
    [
      "no external_id",
      (res) => json(res, 200, { identifiers: [{ value: "a@b.co" }] }),
      "missing_external_id",
      200,
    ],
    ["no identifiers", (res) => json(res, 200, { external_id: "x" }), "missing_identifiers", 200],
    [
      "empty identifiers",
      (res) => json(res, 200, { external_id: "x", identifiers: [] }),
      "missing_identifiers",
      200,
    ],
    [
      "a numeric external_id",
      (res) => json(res, 200, { external_id: 42, identifiers: [{ value: "a@b.co" }] }),
      "invalid_response",
      200,
    ],
    [
      "an invalid email",
      (res) => json(res, 200, { external_id: "x", identifiers: [{ value: "nope" }] }),
      "invalid_response",
      200,
    ],
    [
      "a scope that is not an allowed scope",
      (res) =>
        json(res, 200, { external_id: "x", identifiers: [{ value: "a@b.co" }], scopes: ["legacy:unknown"] }),
      "invalid_response",
      200,
    ],
    [
      "a reserved scope",
      (res) =>
        json(res, 200, { external_id: "x", identifiers: [{ value: "a@b.co" }], scopes: ["prld:pwd:write"] }),
      "invalid_response",
      200,
    ],
    ["an array", (res) => json(res, 200, [1, 2]), "invalid_response", 200],
  ];
  for (const [label, answer, reason, statusCode] of failures) {
    it(`answers migration_hook_failed for ${label} (${reason}), records it and writes no user`, async () => {
      hook.answer((_call, res) => answer(res));
      const before = await rowCounts(s);
      const res = await migrate({ token: "t", code_challenge: pkce().challenge });
      expect(res.status).toBe(502);
      expect(res.body).toMatchObject({ code: "migration_hook_failed", type: "bad_gateway" });
      expect(await rowCounts(s)).toEqual({ ...before, events: before.events + 1 });
      expect(await lastEvent()).toMatchObject({
        type: "migration.hook_failed",
        payload: { reason, status_code: statusCode, occurred_at: expect.any(String) },
      });
    });
  }

  it("answers migration_hook_failed (request_failed) when the hook is unreachable or too slow", async () => {
    await s.mgmt("PUT", "/config/migration", { session_validation_url: "http://127.0.0.1:1/hook" });
    const unreachable = await migrate({ token: "t", code_challenge: pkce().challenge });
    expect(unreachable.status).toBe(502);
    expect((await lastEvent())?.payload).toMatchObject({ reason: "request_failed", status_code: null });

    await s.mgmt("PUT", "/config/migration", { session_validation_url: hook.url });
    hook.answer((_call, res) =>
      setTimeout(
        () => json(res, 200, { external_id: "late", identifiers: [{ value: "l@x.io" }] }),
        6_000,
      ).unref(),
    );
    const before = await rowCounts(s);
    const slow = await migrate({ token: "t", code_challenge: pkce().challenge });
    expect(slow.status).toBe(502);
    expect((await lastEvent())?.payload).toMatchObject({ reason: "request_failed" });
    expect(await rowCounts(s)).toEqual({ ...before, events: before.events + 1 });
  }, 15_000);

  it("in prod, refuses http and internal addresses without calling them", async () => {
    // On an app of its own: switching its mode must not change what the other tests see.
    const own = await s.forNewApp("prod-hook");
    const ownMigrate = (body: Record<string, unknown>) =>
      s.inject({
        method: "POST",
        url: "/v1/session/migration",
        headers: { host: `${own.appId}.localhost`, "content-type": "application/json" },
        payload: JSON.stringify(body),
      });
    const ownLastEvent = async () => (await s.store.outbox.list(own.appId, { limit: 10_000 })).at(-1);
    expect((await own.mgmt("POST", "/config/migration", { session_validation_url: hook.url })).status).toBe(
      201,
    );
    await own.mgmt("PUT", "/mode", { mode: "prod" });
    // Saved in dev mode, then the app went to prod: the call checks again.
    const http = await ownMigrate({ token: "t", code_challenge: pkce().challenge });
    expect(http.status).toBe(502);
    for (const url of [
      `https://127.0.0.1:${hook.port}/hook`,
      `https://localhost:${hook.port}/hook`,
      `https://[::1]:${hook.port}/hook`,
    ]) {
      expect((await own.mgmt("PUT", "/config/migration", { session_validation_url: url })).status).toBe(200);
      const res = await ownMigrate({ token: "t", code_challenge: pkce().challenge });
      expect(res.status, url).toBe(502);
      expect((await ownLastEvent())?.payload).toMatchObject({ reason: "request_failed" });
    }
    expect(hook.calls).toHaveLength(0);
  });

  it("gives concurrent migrations of one legacy user and a concurrent backfill exactly one user", async () => {
    hook.answer((_call, res) =>
      setTimeout(
        () =>
          json(res, 200, {
            external_id: "legacy-race",
            identifiers: [{ value: "race@example.com" }, { value: "+14155550123" }],
            profile: { plan: "pro" },
          }),
        5,
      ),
    );
    const [backfill, ...results] = await Promise.all([
      s.mgmt("POST", "/users", {
        external_id: "legacy-race",
        identifiers: [{ value: "race@example.com" }],
      }),
      ...Array.from({ length: 24 }, () => migrate({ token: "t", code_challenge: pkce().challenge })),
    ]);
    expect(results.map((r) => `${r.status} ${r.body.message ?? ""}`)).toEqual(results.map(() => "200 "));
    expect([201, 409]).toContain(backfill!.status);
    const users = (await s.mgmt("GET", "/users?external_id=legacy-race")).body.users;
    expect(users).toHaveLength(1);
    const ids = new Set(results.map((r) => claims(r.body.challenge_token).sub));
    expect([...ids]).toEqual([users[0].id]);
    const owners = await s.mgmt("POST", "/users/batch_lookup", { emails: ["race@example.com"] });
    expect(owners.body.users.map((u: { id: string }) => u.id)).toEqual([users[0].id]);
  });

  it("limits hook calls per client IP", async () => {
    hook.answer((_call, res) => json(res, 401, {}));
    // A fresh one-minute window, whatever the tests before used, with the calls well inside it.
    s.clock.advance(120_000 - (s.clock.now() % 60_000) + 10);
    let limited: Answer | undefined;
    for (let i = 0; i < 130 && !limited; i++) {
      const res = await migrate({ token: "t", code_challenge: pkce().challenge });
      if (res.status === 429) limited = res;
    }
    expect(limited?.body.code).toBe("rate_limited");
    expect(Number(limited?.headers["retry-after"])).toBeGreaterThan(0);
    expect(hook.calls.length).toBe(120);
  });

  it("logs why a hook call failed, never the legacy token", async () => {
    const { lines, stream } = logCapture();
    const logged = await startTestServer(dialect, {}, { logger: { level: "info", stream } });
    try {
      const headers = { authorization: `Bearer ${logged.apiKey}`, "content-type": "application/json" };
      await logged.inject({
        method: "POST",
        url: `/v2/session/apps/${logged.appId}/config/migration`,
        headers,
        payload: JSON.stringify({ session_validation_url: hook.url }),
      });
      hook.answer((_call, res) => json(res, 503, {}));
      const token = `legacy-secret-${randomBytes(8).toString("hex")}`;
      const res = await logged.inject({
        method: "POST",
        url: "/v1/session/migration",
        headers: { host: `${logged.appId}.localhost`, "content-type": "application/json" },
        payload: JSON.stringify({ token, code_challenge: pkce().challenge }),
      });
      expect(res.status).toBe(502);
      const failure = lines.map((l) => JSON.parse(l)).find((l) => l.msg === "migration hook failed");
      expect(failure).toMatchObject({
        reason: "invalid_status_code",
        status_code: 503,
        app_id: logged.appId,
      });
      expect(lines.join("")).not.toContain(token);
    } finally {
      await logged.close();
    }
  });
});
