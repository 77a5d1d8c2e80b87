import { afterAll, beforeAll, expect, it } from "vitest";
import { tableCounts } from "./support/row-counts.js";
import { SessionClient } from "./support/session-client.js";
import { startStepBackend } from "./support/step-backend.js";
import { claimsOf, StepUpCalls } from "./support/step-up-client.js";
import { describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

const review = {
  identifier_types: ["email_address"],
  status: "review",
  granted_for: 60,
  grant_mode: "session-bound",
  steps: [{ order: 1, key: "verify_email", expiration_duration: 600 }],
};
const CONFIG = {
  step_keys: [],
  allowed_scopes: [
    { scope: "transfer", mode: "direct", direct: review },
    {
      scope: "read",
      mode: "direct",
      direct: {
        identifier_types: ["email_address"],
        status: "continue",
        granted_for: 60,
        grant_mode: "session-bound",
      },
    },
  ],
};

/** Two apps with the same config; what one app issued never works at the other. */
describeEachDatabase("step-up: bad input, foreign and replayed tokens", (dialect) => {
  let s: TestServer;
  let other: TestServer;
  let alice: string;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    other = await s.forNewApp("another app");
    for (const t of [s, other]) {
      for (const scope of ["transfer", "read"]) await t.mgmt("POST", "/config/scopes", { scope });
      expect((await t.mgmt("POST", "/config/stepup", CONFIG)).status).toBe(201);
    }
    alice = (await s.mgmt("POST", "/users", { identifiers: [{ value: "alice@example.com" }] })).body.id;
  });
  afterAll(() => s.close());

  async function signedIn(t: TestServer, userId: string) {
    const c = new SessionClient(t, `${t.appId}.localhost`);
    expect((await c.signIn(userId)).status).toBe(200);
    return { c, up: new StepUpCalls(t, c) };
  }

  /** Runs `call`, expects its error, and that no table changed but the rate-limit counters. */
  async function refused(
    what: string,
    call: () => Promise<{ status: number; body: { code: string } }>,
    status: number,
    code: string,
  ) {
    const before = await tableCounts(s);
    const res = await call();
    expect([res.status, res.body.code], what).toEqual([status, code]);
    const after = await tableCounts(s);
    expect({ ...after, rate_limits: 0 }, what).toEqual({ ...before, rate_limits: 0 });
  }

  it("another app's challenge token is invalid everywhere", async () => {
    const bob = (await other.mgmt("POST", "/users", { identifiers: [{ value: "bob@example.com" }] })).body.id;
    const theirs = await signedIn(other, bob);
    const foreign = (await theirs.up.request("transfer")).body.challenge_token;
    const completed = (await theirs.up.request("read")).body.challenge_token;
    const { up } = await signedIn(s, alice);
    await refused("/otp", () => up.sendOtp(foreign), 400, "invalid_challenge_token");
    await refused("/otp/check", () => up.checkOtp(foreign, "123456"), 400, "invalid_challenge_token");
    await refused("/stepup/continue", () => up.continue(foreign, "a.b.c"), 400, "invalid_challenge_token");
    await refused("/refresh", () => up.spend(completed), 400, "invalid_challenge_token");
  });

  it("a step-up token of another session or user, expired or not completed, rotates nothing at /refresh", async () => {
    const mine = await signedIn(s, alice);
    const second = await signedIn(s, alice);
    const bobId = (await s.mgmt("POST", "/users", { identifiers: [{ value: "bob2@example.com" }] })).body.id;
    const bob = await signedIn(s, bobId);
    const secondToken = (await second.up.request("read")).body.challenge_token;
    const bobToken = (await bob.up.request("read")).body.challenge_token;
    const pending = (await mine.up.request("transfer")).body.challenge_token;
    const refreshToken = mine.c.refreshToken;
    await refused("another session's", () => mine.up.spend(secondToken), 400, "token_mismatch");
    await refused("another user's", () => mine.up.spend(bobToken), 400, "token_mismatch");
    await refused("not completed", () => mine.up.spend(pending), 400, "step_not_completed");
    await refused("not a token", () => mine.up.spend("nonsense"), 400, "invalid_challenge_token");
    const own = (await mine.up.request("read")).body.challenge_token;
    s.clock.advance(5 * 60_000 + 1_000);
    expect(mine.c.refreshToken).toBe(refreshToken);
    const late = await mine.up.spend(own);
    expect([late.status, late.body.code]).toEqual([400, "expired_challenge_token"]);
    expect(mine.c.refreshToken).toBe(refreshToken);
    // The session is intact: a plain refresh still works.
    expect((await mine.c.refresh()).status).toBe(200);
  });

  it("/otp and /otp/check of a step: every way to get them wrong", async () => {
    const { c, up } = await signedIn(s, alice);
    const other = await signedIn(s, alice);
    const token = (await up.request("transfer")).body.challenge_token;
    const path = "/otp/check";
    await refused(
      "a check before any code was sent",
      () => up.checkOtp(token, "123456"),
      401,
      "unauthorized",
    );
    await refused(
      "/otp with an identifier as well",
      () =>
        s.inject({
          method: "POST",
          url: "/v1/session/otp",
          headers: { host: c.host, "content-type": "application/json" },
          payload: JSON.stringify({ challenge_token: token, identifier: { value: "x@example.com" } }),
        }),
      400,
      "bad_request",
    );
    expect((await up.sendOtp(token)).status).toBe(204);
    await refused("no DPoP proof", () => up.checkOtp(token, "123456", {}), 401, "missing_dpop_proof");
    await refused(
      "a proof whose jti is another",
      () => up.checkOtp(token, "123456", { dpop: up.challengeProof(path, token, "not-the-jti") }),
      401,
      "invalid_dpop_proof",
    );
    await refused(
      "a proof by another session's key",
      () => up.checkOtp(token, "123456", { dpop: other.up.challengeProof(path, token) }),
      401,
      "dpop_key_mismatch",
    );
    await refused(
      "a proof for another URL",
      () => up.checkOtp(token, "123456", { dpop: up.challengeProof("/stepup/continue", token) }),
      401,
      "invalid_dpop_proof",
    );
    const code = await up.lastCode("alice@example.com");
    const done = (await up.checkOtp(token, code)).body.challenge_token;
    expect(claimsOf(done).current_step).toBe("completed");
    await refused("/otp on a completed challenge", () => up.sendOtp(done), 400, "step_not_found");
    await refused(
      "/stepup/continue on a completed challenge",
      () => up.continue(done, "a.b.c"),
      400,
      "step_not_found",
    );
    // After its session ends, its challenge cannot go on.
    const again = (await up.request("transfer")).body.challenge_token;
    expect((await up.sendOtp(again)).status).toBe(204);
    await s.mgmt("DELETE", `/users/${alice}/sessions/${c.sessionId}`);
    const ended = await up.checkOtp(again, await up.lastCode("alice@example.com"));
    expect([ended.status, ended.body.code]).toEqual([401, "unauthorized"]);
    await refused("/otp for an ended session", () => up.sendOtp(again), 401, "unauthorized");
  });

  it("/stepup/request, /stepup/continue and the step forms of /otp: malformed bodies write nothing", async () => {
    const { c, up } = await signedIn(s, alice);
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      s.inject({
        method: "POST",
        url: `/v1/session${path}`,
        headers: {
          host: c.host,
          "content-type": "application/json",
          authorization: `Bearer ${c.accessToken}`,
          ...headers,
        },
        payload: typeof body === "string" ? body : JSON.stringify(body),
      });
    const token = (await up.request("transfer")).body.challenge_token;
    const cases: [string, unknown, number, string][] = [
      ["/stepup/request", { scope: "read", metadata: ["a"] }, 400, "bad_request"],
      ["/stepup/request", { scope: "read", metadata: "a" }, 400, "bad_request"],
      ["/stepup/request", { scope: "bad scope" }, 400, "bad_request"],
      ["/stepup/request", { scope: "x".repeat(129) }, 400, "bad_request"],
      ["/stepup/request", { scope: "read", extra: 1 }, 400, "bad_request"],
      ["/stepup/request", "{not json", 400, "bad_request"],
      ["/stepup/continue", {}, 400, "bad_request"],
      ["/stepup/continue", { challenge_token: token }, 400, "bad_request"],
      [
        "/stepup/continue",
        { challenge_token: "x".repeat(8193), verification_token: "v" },
        400,
        "bad_request",
      ],
      ["/otp", { challenge_token: token, code_challenge: "c".repeat(43) }, 400, "bad_request"],
      ["/otp", { challenge_token: token, login_config_id: "lcfg_x" }, 400, "bad_request"],
      ["/otp", { challenge_token: 5 }, 400, "bad_request"],
      ["/otp/check", { code: "123456", challenge_token: ["x"] }, 400, "bad_request"],
    ];
    for (const [path, body, status, code] of cases) {
      const before = await tableCounts(s);
      const res = await post(path, body);
      expect([res.status, res.body.code], `${path} ${JSON.stringify(body).slice(0, 60)}`).toEqual([
        status,
        code,
      ]);
      const after = await tableCounts(s);
      expect({ ...after, rate_limits: 0 }).toEqual({ ...before, rate_limits: 0 });
    }
  });

  it("/stepup/request: a DPoP proof, when sent, is checked as on /refresh and must be the session's key", async () => {
    const { c, up } = await signedIn(s, alice);
    const other = await signedIn(s, alice);
    const url = `${c.origin}/v1/session/stepup/request`;
    const iat = () => Math.floor(s.clock.now() / 1000);
    const noNonce = await up.request("read", undefined, { dpop: c.key.proof("POST", url, { iat: iat() }) });
    expect([noNonce.status, noNonce.body.code]).toEqual([400, "use_dpop_nonce"]);
    const nonce = String(noNonce.headers["dpop-nonce"]);
    const proof = c.key.proof("POST", url, { iat: iat(), nonce });
    expect((await up.request("read", undefined, { dpop: proof })).status).toBe(200);
    const replayed = await up.request("read", undefined, { dpop: proof });
    expect([replayed.status, replayed.body.code]).toEqual([401, "invalid_dpop_proof"]);
    const foreign = await up.request("read", undefined, {
      dpop: other.c.key.proof("POST", url, { iat: iat(), nonce }),
    });
    expect([foreign.status, foreign.body.code]).toEqual([401, "dpop_key_mismatch"]);
  });

  it("the delegation hook and the app's JWKS are never called on internal addresses in prod", async () => {
    const t = await s.forNewApp("prod hooks");
    const backend = await startStepBackend("k1");
    try {
      await t.mgmt("POST", "/config/scopes", { scope: "wire" });
      await t.mgmt("POST", "/config/scopes", { scope: "kyc" });
      expect((await t.mgmt("PUT", "/mode", { mode: "prod" })).status).toBe(204);
      const port = new URL(backend.jwksUrl).port;
      const created = await t.mgmt("POST", "/config/stepup", {
        // https to a name that resolves to loopback: accepted as written, refused when called.
        jwks_url: `https://localhost:${port}/jwks.json`,
        step_keys: [{ key: "kyc_check", description: "documents" }],
        allowed_scopes: [
          {
            scope: "wire",
            mode: "delegated",
            delegated: { delegation_hook: `https://127.0.0.1:${port}/hook` },
          },
          {
            scope: "kyc",
            mode: "direct",
            direct: { ...review, steps: [{ order: 1, key: "kyc_check", expiration_duration: 60 }] },
          },
        ],
      });
      expect(created.status, created.text).toBe(201);
      const user = (await t.mgmt("POST", "/users", { identifiers: [{ value: "prod@example.com" }] })).body.id;
      const { up } = await signedIn(t, user);
      const wire = await up.request("wire");
      expect([wire.status, wire.body.code]).toEqual([502, "step_up_hook_failed"]);
      const event = (await t.store.outbox.list(t.appId, { limit: 10_000 })).at(-1);
      expect(event?.type).toBe("step_up.hook_failed");
      expect(event?.payload).toMatchObject({ reason: "request_failed" });
      const kyc = (await up.request("kyc")).body.challenge_token;
      const c = claimsOf(kyc);
      const token = await backend.issue({ userId: c.sub, challengeId: c.challenge_id, key: "kyc_check" });
      const refusedJwks = await up.continue(kyc, token);
      expect([refusedJwks.status, refusedJwks.body.code]).toEqual([400, "invalid_verification_token"]);
      expect(backend.calls).toHaveLength(0);
    } finally {
      await backend.close();
    }
  });

  it("limits delegation hook calls per app: 600 a minute", async () => {
    // Limits count in fixed one-minute windows: start at the beginning of one, so all fall in it.
    s.clock.advance(60_000 - (s.clock.now() % 60_000) + 100);
    const t = await s.forNewApp("busy hook");
    const { json, startReceiver } = await import("./support/receiver.js");
    const hook = await startReceiver((_call, res) =>
      json(res, 200, { status: "block", grant_mode: "single-use" }),
    );
    try {
      await t.mgmt("POST", "/config/scopes", { scope: "wire" });
      await t.mgmt("POST", "/config/stepup", {
        jwks_url: "http://127.0.0.1:9/jwks.json",
        step_keys: [],
        allowed_scopes: [{ scope: "wire", mode: "delegated", delegated: { delegation_hook: hook.url } }],
      });
      const user = (await t.mgmt("POST", "/users", { identifiers: [{ value: "busy@example.com" }] })).body.id;
      const statuses: number[] = [];
      // 31 sessions of 20 requests: the per-session limit is not what stops them.
      for (let i = 0; i < 31; i++) {
        const { up } = await signedIn(t, user);
        for (let j = 0; j < 20 && statuses.length < 601; j++)
          statuses.push((await up.request("wire")).status);
      }
      expect(statuses.filter((st) => st === 200)).toHaveLength(600);
      expect(statuses.at(-1)).toBe(429);
      expect(hook.calls).toHaveLength(600);
    } finally {
      await hook.close();
    }
  });
});
