import { randomUUID } from "node:crypto";
import { createDelegationHookVerifier } from "@overture/sdk";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startReceiver } from "./support/receiver.js";
import { tableCounts } from "./support/row-counts.js";
import { SessionClient } from "./support/session-client.js";
import { startStepBackend } from "./support/step-backend.js";
import { claimsOf, StepUpCalls } from "./support/step-up-client.js";
import { describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

describeEachDatabase("step-up: custom steps and the delegation hook", (dialect) => {
  let s: TestServer;
  let host: string;
  let email: string;
  let phone: string;
  let backend: Awaited<ReturnType<typeof startStepBackend>>;
  let hook: Awaited<ReturnType<typeof startReceiver>>;
  let decide: (body: Record<string, unknown>) => [number, unknown, string?] = () => [
    200,
    { status: "block", grant_mode: "single-use" },
  ];

  beforeAll(async () => {
    s = await startTestServer(dialect);
    host = `${s.appId}.localhost`;
    backend = await startStepBackend("backend-1", () => s.clock.now());
    hook = await startReceiver((call, res) => {
      const [status, body, type] = decide(JSON.parse(call.body));
      res.writeHead(status, { "content-type": type ?? "application/json" });
      res.end(typeof body === "string" ? body : JSON.stringify(body));
    });
    for (const scope of ["transfer", "wire"]) await s.mgmt("POST", "/config/scopes", { scope });
    const created = await s.mgmt("POST", "/config/stepup", {
      jwks_url: backend.jwksUrl,
      step_keys: [
        { key: "kyc", description: "identity check" },
        { key: "selfie", description: "liveness" },
      ],
      allowed_scopes: [
        {
          scope: "transfer",
          mode: "direct",
          direct: {
            identifier_types: ["email_address", "phone_number"],
            status: "review",
            granted_for: 600,
            grant_mode: "session-bound",
            steps: [
              { order: 1, key: "kyc", expiration_duration: 300 },
              { order: 2, key: "selfie", expiration_duration: 300 },
            ],
          },
        },
        {
          scope: "wire",
          mode: "direct",
          direct: {
            identifier_types: ["phone_number"],
            status: "continue",
            granted_for: 0,
            grant_mode: "single-use",
          },
        },
        { scope: "wire", mode: "delegated", delegated: { delegation_hook: hook.url } },
      ],
    });
    expect(created.status, created.text).toBe(201);
    email = (await s.mgmt("POST", "/users", { identifiers: [{ value: "kyc@example.com" }] })).body.id;
    phone = (await s.mgmt("POST", "/users", { identifiers: [{ value: "+14155550199" }] })).body.id;
  });
  afterAll(async () => {
    await s.close();
    await backend.close();
    await hook.close();
  });

  async function signedIn(userId: string) {
    const c = new SessionClient(s, host);
    expect((await c.signIn(userId)).status).toBe(200);
    return { c, up: new StepUpCalls(s, c) };
  }

  /** A verification token with any claims; `stranger` signs with a key the JWKS does not publish. */
  const rs256 = (claims: Record<string, unknown>, by: "backend" | "stranger" = "backend", header = {}) =>
    by === "backend" ? backend.sign(claims, header) : backend.signAsStranger(claims, header);
  const claimsFor = (challengeToken: string, overrides: Record<string, unknown> = {}) => {
    const c = claimsOf(challengeToken);
    const now = Math.floor(s.clock.now() / 1000);
    return {
      sub: c.sub,
      challenge_id: c.challenge_id,
      key: c.current_step,
      status: "completed",
      iat: now,
      exp: now + 60,
      jti: randomUUID(),
      ...overrides,
    };
  };

  it("custom steps: verification tokens from the app's backend advance the challenge, in order", async () => {
    const { c, up } = await signedIn(email);
    const asked = await up.request("transfer");
    expect(asked.body.status).toBe("review");
    const first = asked.body.challenge_token;
    const claims = claimsOf(first);
    expect(claims.current_step).toBe("kyc");
    const kyc = await backend.issue({ userId: claims.sub, challengeId: claims.challenge_id, key: "kyc" });
    const second = await up.continue(first, kyc);
    expect(second.status, second.text).toBe(200);
    expect(claimsOf(second.body.challenge_token)).toMatchObject({ current_step: "selfie" });
    // The same verification token again: the first challenge token is spent, and so is the jti.
    expect((await up.continue(first, kyc)).body.code).toBe("token_reused");
    const selfie = await backend.issue({
      userId: claims.sub,
      challengeId: claims.challenge_id,
      key: "selfie",
    });
    const done = await up.continue(second.body.challenge_token, selfie);
    expect(claimsOf(done.body.challenge_token).current_step).toBe("completed");
    const spent = await up.spend(done.body.challenge_token);
    expect(spent.status, spent.text).toBe(200);
    expect(claimsOf(spent.body.access_token).scope.split(" ")).toContain("transfer");
    expect(c.accessToken).toBe(spent.body.access_token);
  });

  it("custom steps: every way a verification token or its request can be wrong, and nothing advances", async () => {
    const { c, up } = await signedIn(email);
    const first = (await up.request("transfer")).body.challenge_token;
    const other = await signedIn(email);
    const otherChallenge = (await other.up.request("transfer")).body.challenge_token;
    const usedJti = randomUUID();
    const cases: [string, () => Promise<{ status: number; body: { code: string } }>, number, string][] = [
      [
        "another user's token",
        () => up.continue(first, rs256(claimsFor(first, { sub: phone }))),
        400,
        "token_mismatch",
      ],
      [
        "another challenge's token",
        () => up.continue(first, rs256(claimsFor(otherChallenge))),
        400,
        "token_mismatch",
      ],
      [
        "a step the challenge does not have",
        () => up.continue(first, rs256(claimsFor(first, { key: "retina" }))),
        400,
        "step_not_found",
      ],
      [
        "a later step, skipping one",
        () => up.continue(first, rs256(claimsFor(first, { key: "selfie" }))),
        400,
        "step_bypassed",
      ],
      [
        "status not completed",
        () => up.continue(first, rs256(claimsFor(first, { status: "pending" }))),
        400,
        "step_not_completed",
      ],
      [
        "signed by another key",
        () => up.continue(first, rs256(claimsFor(first), "stranger")),
        400,
        "invalid_verification_token",
      ],
      [
        "HS256",
        () => up.continue(first, rs256(claimsFor(first), "backend", { alg: "HS256" })),
        400,
        "invalid_verification_token",
      ],
      [
        "an unknown kid",
        () => up.continue(first, rs256(claimsFor(first), "backend", { kid: "nope" })),
        400,
        "invalid_verification_token",
      ],
      [
        "expired",
        () => up.continue(first, rs256(claimsFor(first, { exp: Math.floor(s.clock.now() / 1000) - 1 }))),
        400,
        "invalid_verification_token",
      ],
      [
        "not yet valid",
        () => up.continue(first, rs256(claimsFor(first, { nbf: Math.floor(s.clock.now() / 1000) + 600 }))),
        400,
        "invalid_verification_token",
      ],
      [
        "living for days",
        () => up.continue(first, rs256(claimsFor(first, { exp: Math.floor(s.clock.now() / 1000) + 86_400 }))),
        400,
        "invalid_verification_token",
      ],
      [
        "no jti",
        () => up.continue(first, rs256(claimsFor(first, { jti: undefined }))),
        400,
        "invalid_verification_token",
      ],
      ["not a JWT", () => up.continue(first, "not-a-jwt"), 400, "invalid_verification_token"],
      [
        "no DPoP proof",
        () => up.continue(first, rs256(claimsFor(first)), { authorization: `Bearer ${c.accessToken}` }),
        401,
        "missing_dpop_proof",
      ],
      [
        "a proof whose jti is not the challenge's",
        () =>
          up.continue(first, rs256(claimsFor(first)), {
            authorization: `Bearer ${c.accessToken}`,
            dpop: up.challengeProof("/stepup/continue", first, randomUUID()),
          }),
        401,
        "invalid_dpop_proof",
      ],
      [
        "a proof by another key",
        () =>
          up.continue(first, rs256(claimsFor(first)), {
            authorization: `Bearer ${c.accessToken}`,
            dpop: other.up.challengeProof("/stepup/continue", first),
          }),
        401,
        "dpop_key_mismatch",
      ],
      [
        "another session's bearer",
        () =>
          up.continue(first, rs256(claimsFor(first)), {
            authorization: `Bearer ${other.c.accessToken}`,
            dpop: up.challengeProof("/stepup/continue", first),
          }),
        400,
        "token_mismatch",
      ],
      [
        "no bearer",
        () =>
          up.continue(first, rs256(claimsFor(first)), { dpop: up.challengeProof("/stepup/continue", first) }),
        401,
        "unauthorized",
      ],
      ["an OTP for a custom step", () => up.sendOtp(first), 400, "step_bypassed"],
      [
        "a login challenge token",
        async () => up.continue(await loginChallenge(), rs256(claimsFor(first))),
        400,
        "invalid_challenge_token",
      ],
    ];
    for (const [what, call, status, code] of cases) {
      const before = await tableCounts(s);
      const res = await call();
      expect([res.status, res.body.code], what).toEqual([status, code]);
      expect(await tableCounts(s), what).toEqual(before);
    }
    // A verification token's jti works once, across challenges too.
    const ok = await up.continue(first, rs256(claimsFor(first, { jti: usedJti })));
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    const reused = await other.up.continue(
      otherChallenge,
      rs256(claimsFor(otherChallenge, { jti: usedJti })),
    );
    expect([reused.status, reused.body.code]).toEqual([409, "token_reused"]);
    // Still at its first step after all of that.
    expect(claimsOf(ok.body.challenge_token).steps.map((x: { done: boolean }) => x.done)).toEqual([
      true,
      false,
    ]);
  });

  it("the app's JWKS is cached; an unknown kid fetches it again at most once per 30 s", async () => {
    const { c, up } = await signedIn(email);
    const challenge = async () => (await up.request("transfer")).body.challenge_token as string;
    // Warm: the earlier tests fetched it.
    const first = await challenge();
    expect((await up.continue(first, await backend.issue(issueFor(first)))).status).toBe(200);
    const fetched = backend.calls.length;
    for (let i = 0; i < 3; i++) {
      const c = await challenge();
      expect((await up.continue(c, rs256(claimsFor(c), "backend", { kid: `made-up-${i}` }))).status).toBe(
        400,
      );
    }
    expect(backend.calls.length - fetched).toBeLessThanOrEqual(1);
    s.clock.advance(31_000);
    await c.refresh();
    const later = await challenge();
    await up.continue(later, rs256(claimsFor(later), "backend", { kid: "made-up-again" }));
    expect(backend.calls.length - fetched).toBeLessThanOrEqual(2);
    // Known kids are served from the cache until it is 10 minutes old.
    const known = backend.calls.length;
    const ok = await challenge();
    expect((await up.continue(ok, await backend.issue(issueFor(ok)))).status).toBe(200);
    expect(backend.calls.length).toBe(known);
    s.clock.advance(10 * 60_000 + 1_000);
    await c.refresh();
    const stale = await challenge();
    expect((await up.continue(stale, await backend.issue(issueFor(stale)))).status).toBe(200);
    expect(backend.calls.length).toBe(known + 1);
  });

  const issueFor = (challengeToken: string) => {
    const c = claimsOf(challengeToken);
    return { userId: c.sub, challengeId: c.challenge_id, key: c.current_step };
  };

  async function loginChallenge() {
    const { issueChallengeToken } = await import("../src/domain/sessions/challenge-token.js");
    const app = (await s.store.apps.get(s.appId))!;
    return issueChallengeToken(s.keys, app, "https://x", { userId: email, method: "otp" }, s.clock.now());
  }

  it("the delegation hook decides when no direct entry matches: a signed request the SDK verifies", async () => {
    const verify = createDelegationHookVerifier({
      jwksUrl: `https://${host}/.well-known/jwks.json`,
      appId: s.appId,
      now: () => s.clock.now(),
      fetch: (async () => {
        const res = await s.inject({ method: "GET", url: "/.well-known/jwks.json", headers: { host } });
        return new Response(res.text, {
          status: res.status,
          headers: { "content-type": "application/json" },
        });
      }) as typeof fetch,
    });
    const { up } = await signedIn(email);
    decide = () => [200, { status: "continue", grant_mode: "session-bound", granted_for: 120 }];
    const calls = hook.calls.length;
    const asked = await up.request(
      "wire",
      { amount: "12000" },
      { "user-agent": "Mozilla/5.0 (X11; Linux x86_64)" },
    );
    expect(asked.status, asked.text).toBe(200);
    expect(asked.body.status).toBe("continue");
    expect(claimsOf(asked.body.challenge_token)).toMatchObject({
      grant_mode: "session-bound",
      current_step: "completed",
    });
    const call = hook.calls[calls]!;
    expect(call.headers["user-agent"]).toBe("Prelude-SessionStepUpHook/1.0");
    const body = await verify({ body: call.body, headers: call.headers });
    expect(body).toMatchObject({
      scope_requested: "wire",
      user_id: email,
      identifiers: [{ type: "email_address", value: "kyc@example.com" }],
      signals: { user_agent: "Mozilla/5.0 (X11; Linux x86_64)", platform: "WEB", ip: expect.any(String) },
      metadata: { amount: "12000" },
    });
    await expect(verify({ body: call.body, headers: call.headers })).rejects.toThrow("replayed");

    decide = () => [
      200,
      {
        status: "review",
        grant_mode: "single-use",
        steps: [{ order: 1, key: "verify_email", expiration_duration: 60 }],
      },
    ];
    const review = await up.request("wire", undefined, { "user-agent": "okhttp/4.12.0" });
    expect(claimsOf(review.body.challenge_token)).toMatchObject({
      current_step: "verify_email",
      grant_mode: "single-use",
    });
    expect(JSON.parse(hook.calls.at(-1)!.body).signals.platform).toBe("ANDROID");
    decide = () => [200, { status: "block", grant_mode: "single-use" }];
    expect((await up.request("wire")).body).toEqual({ status: "block" });

    // A phone user matches the direct entry: the hook is not called.
    const before = hook.calls.length;
    const direct = await (await signedIn(phone)).up.request("wire");
    expect(direct.body.status).toBe("continue");
    expect(hook.calls.length).toBe(before);
  });

  it("every hook failure of §7.1 is step_up_hook_failed with its step_up.hook_failed event, and grants nothing", async () => {
    const { up } = await signedIn(email);
    const failures: [string, (b: Record<string, unknown>) => [number, unknown, string?]][] = [
      ["invalid_status_code", () => [500, { status: "continue" }]],
      ["invalid_status_code", () => [302, ""]],
      ["response_decode_failed", () => [200, "{not json"]],
      ["response_decode_failed", () => [200, { status: "continue", grant_mode: "single-use" }, "text/plain"]],
      ["response_decode_failed", () => [200, { pad: "x".repeat(70_000) }]],
      ["invalid_response", () => [200, [1, 2]]],
      ["invalid_status", () => [200, { status: "granted", grant_mode: "single-use" }]],
      ["invalid_grant_mode", () => [200, { status: "continue" }]],
      [
        "invalid_granted_for",
        () => [200, { status: "continue", grant_mode: "session-bound", granted_for: 0 }],
      ],
      [
        "invalid_granted_for",
        () => [200, { status: "continue", grant_mode: "single-use", granted_for: 86_401 }],
      ],
      ["missing_steps", () => [200, { status: "review", grant_mode: "single-use" }]],
      [
        "invalid_step",
        () => [
          200,
          {
            status: "review",
            grant_mode: "single-use",
            steps: [{ order: 1, key: "undeclared", expiration_duration: 60 }],
          },
        ],
      ],
      [
        "invalid_step",
        () => [
          200,
          {
            status: "review",
            grant_mode: "single-use",
            steps: [{ order: 2, key: "kyc", expiration_duration: 60 }],
          },
        ],
      ],
      [
        "invalid_step",
        () => [
          200,
          {
            status: "review",
            grant_mode: "single-use",
            steps: [{ order: 1, key: "undeclared", expiration_duration: 60 }],
          },
        ],
      ],
    ];
    for (const [reason, answer] of failures) {
      decide = answer;
      const events = (await s.store.outbox.list(s.appId, { limit: 10_000 })).length;
      const challenges = (await tableCounts(s)).step_up_challenges;
      const res = await up.request("wire");
      expect([res.status, res.body.code, res.body.type], reason).toEqual([
        502,
        "step_up_hook_failed",
        "bad_gateway",
      ]);
      const recorded = (await s.store.outbox.list(s.appId, { limit: 10_000 })).slice(events);
      expect(
        recorded.map((e) => [e.type, (e.payload as { reason: string }).reason]),
        reason,
      ).toEqual([["step_up.hook_failed", reason]]);
      expect((await tableCounts(s)).step_up_challenges).toBe(challenges);
    }
    // Nothing listening: request_failed.
    const t = await s.forNewApp("dead hook");
    await t.mgmt("POST", "/config/scopes", { scope: "wire" });
    await t.mgmt("POST", "/config/stepup", {
      jwks_url: "http://127.0.0.1:9/jwks.json",
      step_keys: [],
      allowed_scopes: [
        { scope: "wire", mode: "delegated", delegated: { delegation_hook: "http://127.0.0.1:9/hook" } },
      ],
    });
    const user = (await t.mgmt("POST", "/users", { identifiers: [{ value: "dead@example.com" }] })).body.id;
    const c = new SessionClient(t, `${t.appId}.localhost`);
    await c.signIn(user);
    const dead = await new StepUpCalls(t, c).request("wire");
    expect(dead.body.code).toBe("step_up_hook_failed");
    const last = (await t.store.outbox.list(t.appId, { limit: 10_000 })).at(-1);
    expect(last?.payload).toMatchObject({
      reason: "request_failed",
      scope_requested: "wire",
      user_id: user,
      status_code: null,
    });
  });

  it("limits step-up requests per session", async () => {
    // Limits count in fixed one-minute windows: start at the beginning of one, so all fall in it.
    s.clock.advance(60_000 - (s.clock.now() % 60_000) + 100);
    const { up } = await signedIn(phone);
    const answers = [];
    for (let i = 0; i < 21; i++) answers.push((await up.request("wire")).status);
    expect(answers.slice(0, 20).every((st) => st === 200)).toBe(true);
    expect(answers[20]).toBe(429);
    // Another session of the same user is not held back.
    expect((await (await signedIn(phone)).up.request("wire")).status).toBe(200);
  });
});
