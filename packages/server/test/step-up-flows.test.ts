import { afterAll, beforeAll, expect, it } from "vitest";
import { tableCounts } from "./support/row-counts.js";
import { SessionClient } from "./support/session-client.js";
import { claimsOf, StepUpCalls } from "./support/step-up-client.js";
import { describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

const direct = (scope: string, d: Record<string, unknown>) => ({ scope, mode: "direct", direct: d });
const email = ["email_address"];

const CONFIG = {
  step_keys: [],
  allowed_scopes: [
    direct("transfer", {
      identifier_types: email,
      status: "review",
      granted_for: 3600,
      grant_mode: "session-bound",
      steps: [{ order: 1, key: "verify_email", expiration_duration: 120 }],
    }),
    direct("transfer", {
      identifier_types: ["phone_number"],
      status: "continue",
      granted_for: 0,
      grant_mode: "single-use",
    }),
    direct("read", {
      identifier_types: email,
      status: "continue",
      granted_for: 120,
      grant_mode: "session-bound",
    }),
    direct("wide", {
      identifier_types: email,
      status: "continue",
      granted_for: 300,
      grant_mode: "profile-bound",
    }),
    direct("once", { identifier_types: email, status: "continue", granted_for: 0, grant_mode: "single-use" }),
    direct("admin", { identifier_types: email, status: "block" }),
    direct("two", {
      identifier_types: ["phone_number"],
      status: "review",
      granted_for: 60,
      grant_mode: "session-bound",
      steps: [
        { order: 2, key: "verify_email", expiration_duration: 0 },
        { order: 1, key: "verify_sms", expiration_duration: 60 },
      ],
    }),
    direct("prld:pwd:write", {
      identifier_types: email,
      status: "review",
      granted_for: 0,
      grant_mode: "single-use",
      steps: [{ order: 1, key: "verify_email", expiration_duration: 600 }],
    }),
    { scope: "prld:email:register", mode: "managed" },
  ],
};

describeEachDatabase("step-up: decisions, OTP steps and grants", (dialect) => {
  let s: TestServer;
  let host: string;
  let alice: string;
  let bob: string;
  let both: string;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    host = `${s.appId}.localhost`;
    for (const scope of [
      "transfer",
      "read",
      "wide",
      "once",
      "admin",
      "two",
      "prld:pwd:write",
      "prld:email:register",
    ])
      expect((await s.mgmt("POST", "/config/scopes", { scope })).status).toBe(201);
    expect((await s.mgmt("POST", "/config/stepup", CONFIG)).status).toBe(201);
    const user = async (identifiers: { type: string; value: string }[]) =>
      (await s.mgmt("POST", "/users", { identifiers })).body.id as string;
    alice = await user([{ type: "email_address", value: "alice@example.com" }]);
    bob = await user([{ type: "phone_number", value: "+14155550101" }]);
    both = await user([
      { type: "phone_number", value: "+14155550102" },
      { type: "email_address", value: "both@example.com" },
    ]);
  });
  afterAll(() => s.close());

  async function signedIn(userId: string) {
    const c = new SessionClient(s, host);
    expect((await c.signIn(userId)).status).toBe(200);
    return { c, up: new StepUpCalls(s, c) };
  }
  const scopesOf = (token: string | undefined) =>
    String(claimsOf(token ?? "").scope)
      .split(" ")
      .filter(Boolean);

  it("continue: a completed token with the claims the web SDK reads, spent on /refresh into a session-bound grant", async () => {
    const { c, up } = await signedIn(alice);
    const sid = c.sessionId;
    const asked = await up.request("read", { amount: "500", currency: "USD" });
    expect(asked.status, asked.text).toBe(200);
    expect(asked.body).toEqual({ status: "continue", challenge_token: expect.any(String) });
    const header = JSON.parse(Buffer.from(asked.body.challenge_token.split(".")[0], "base64url").toString());
    expect(header.typ).toBe("JWT");
    const token = claimsOf(asked.body.challenge_token);
    expect(token).toMatchObject({
      sub: alice,
      sid,
      challenge_id: expect.stringMatching(/^chl_/),
      current_step: "completed",
      steps: [],
      scope_requested: "read",
      grant_mode: "session-bound",
      metadata: { amount: "500", currency: "USD" },
      jti: expect.any(String),
      exp: expect.any(Number),
    });
    expect(scopesOf(c.accessToken)).not.toContain("read");

    const spent = await up.spend(asked.body.challenge_token);
    expect(spent.status, spent.text).toBe(200);
    const access = claimsOf(spent.body.access_token);
    expect(scopesOf(spent.body.access_token)).toContain("read");
    const now = Math.floor(s.clock.now() / 1000);
    expect(access.step_up_grants.read).toBeGreaterThanOrEqual(now + 119);
    expect(access.step_up_grants.read).toBeLessThanOrEqual(now + 121);
    // The token ends no later than the grant.
    expect(access.exp).toBeLessThanOrEqual(access.step_up_grants.read);

    // Still there at the next refresh, for this session only, until granted_for has passed.
    s.clock.advance(60_000);
    expect(scopesOf((await c.refresh()).body.access_token)).toContain("read");
    const other = await signedIn(alice);
    expect(scopesOf(other.c.accessToken)).not.toContain("read");
    s.clock.advance(61_000);
    const after = await c.refresh();
    expect(scopesOf(after.body.access_token)).not.toContain("read");
    expect(claimsOf(after.body.access_token).step_up_grants).toBeUndefined();

    // A completed token is spent once.
    const again = await up.spend(asked.body.challenge_token);
    expect([again.status, again.body.code]).toEqual([409, "token_reused"]);
  });

  it("a retry of the refresh that spent a step-up token, its answer lost, gets the same tokens with the grant", async () => {
    const { c, up } = await signedIn(alice);
    const token = (await up.request("read")).body.challenge_token;
    const before = c.refreshToken;
    const first = await up.spend(token);
    expect(first.status).toBe(200);
    const after = c.refreshToken;
    // The client never saw the answer: it sends the same request again.
    c.refreshToken = before;
    const retried = await up.spend(token);
    expect(retried.status, retried.text).toBe(200);
    expect(c.refreshToken).toBe(after);
    expect(scopesOf(retried.body.access_token)).toContain("read");
    // Outside the grace window, the same is reuse.
    s.clock.advance(61_000);
    c.refreshToken = before;
    expect((await up.spend(token)).body.code).toBe("token_reused");
  });

  it("single-use: the scope is in the next access token only", async () => {
    const { c, up } = await signedIn(alice);
    const asked = await up.request("once");
    expect(asked.body.status).toBe("continue");
    const spent = await up.spend(asked.body.challenge_token);
    expect(scopesOf(spent.body.access_token)).toContain("once");
    expect(scopesOf((await c.refresh()).body.access_token)).not.toContain("once");
  });

  it("profile-bound: every session of the user, new ones included, until granted_for", async () => {
    const first = await signedIn(alice);
    const second = await signedIn(alice);
    const asked = await first.up.request("wide");
    expect((await first.up.spend(asked.body.challenge_token)).status).toBe(200);
    expect(scopesOf(first.c.accessToken)).toContain("wide");
    expect(scopesOf((await second.c.refresh()).body.access_token)).toContain("wide");
    const third = await signedIn(alice);
    expect(scopesOf(third.c.accessToken)).toContain("wide");
    expect(scopesOf((await signedIn(both)).c.accessToken)).not.toContain("wide");
    s.clock.advance(301_000);
    expect(scopesOf((await second.c.refresh()).body.access_token)).not.toContain("wide");
  });

  it("the first direct entry matching the user's identifier types decides", async () => {
    const phoneOnly = await signedIn(bob);
    const asked = await phoneOnly.up.request("transfer");
    expect(asked.body.status).toBe("continue");
    expect(claimsOf(asked.body.challenge_token).grant_mode).toBe("single-use");
    // `both` holds an email too: the email entry comes first in declaration order.
    const withEmail = await signedIn(both);
    const review = await withEmail.up.request("transfer");
    expect(review.body.status).toBe("review");
    expect(claimsOf(review.body.challenge_token).current_step).toBe("verify_email");
    // No entry for a phone-only user, and none delegated: refused.
    const none = await phoneOnly.up.request("read");
    expect([none.status, none.body.code]).toEqual([403, "scope_not_allowed"]);
  });

  it("block answers no token; a scope step-up does not serve is scope_not_allowed", async () => {
    const { up } = await signedIn(alice);
    const blocked = await up.request("admin");
    expect([blocked.status, blocked.body]).toEqual([200, { status: "block" }]);
    const unknown = await up.request("nothing");
    expect([unknown.status, unknown.body.code, unknown.body.type]).toEqual([
      403,
      "scope_not_allowed",
      "forbidden",
    ]);
  });

  it("review: verify_email by /otp and /otp/check with the challenge DPoP, then spent on /refresh", async () => {
    const { c, up } = await signedIn(alice);
    const asked = await up.request("transfer");
    expect(asked.body.status).toBe("review");
    const first = asked.body.challenge_token;
    expect(claimsOf(first)).toMatchObject({
      current_step: "verify_email",
      steps: [{ order: 1, key: "verify_email", expiration_duration: 120, done: false }],
      grant_mode: "session-bound",
    });
    // Not spendable before its steps are done.
    const early = await up.spend(first);
    expect([early.status, early.body.code]).toEqual([400, "step_not_completed"]);

    const sent = await up.sendOtp(first);
    expect(sent.status, sent.text).toBe(204);
    expect(sent.headers["x-verification-token"]).toMatch(/^ovv_/);
    const code = await up.lastCode("alice@example.com");
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
    const bad = await up.checkOtp(first, wrong);
    expect([bad.status, bad.body.code]).toEqual([400, "bad_check_code"]);
    const checked = await up.checkOtp(first, code);
    expect(checked.status, checked.text).toBe(200);
    const completed = checked.body.challenge_token;
    expect(claimsOf(completed)).toMatchObject({
      current_step: "completed",
      challenge_id: claimsOf(first).challenge_id,
      steps: [{ order: 1, key: "verify_email", expiration_duration: 120, done: true }],
    });
    // The first token was replaced by the completed one.
    const stale = await up.checkOtp(first, code);
    expect([stale.status, stale.body.code]).toEqual([409, "token_reused"]);

    const spent = await up.spend(completed);
    expect(spent.status, spent.text).toBe(200);
    expect(scopesOf(spent.body.access_token)).toContain("transfer");
    expect(scopesOf(c.accessToken)).toContain("transfer");
  });

  it("a step's code is resent by /otp/retry with the cookie, and redeemed only as that step", async () => {
    const { c, up } = await signedIn(alice);
    const token = (await up.request("transfer")).body.challenge_token;
    const sent = await up.sendOtp(token);
    const cookie = String(sent.headers["set-cookie"]).split(";")[0] ?? "";
    const verification = String(sent.headers["x-verification-token"]);
    const first = await up.lastCode("alice@example.com");
    const post = (path: string, body: unknown, headers: Record<string, string>) =>
      s.inject({
        method: "POST",
        url: `/v1/session${path}`,
        headers: { host: c.host, "content-type": "application/json", ...headers },
        ...(body !== undefined && { payload: JSON.stringify(body) }),
      });
    // Neither sign-in check redeems a step's verification.
    const web = await post(
      "/login/otp/check",
      { code: first },
      { cookie, dpop: c.key.proof("POST", `${c.origin}/v1/session/login/otp/check`) },
    );
    expect(web.status).toBeGreaterThanOrEqual(400);
    const native = await post("/otp/check", { code: first }, { "x-verification-token": verification });
    expect([native.status, native.body.code]).toEqual([401, "unauthorized"]);

    const early = await post("/otp/retry", undefined, { cookie });
    expect([early.status, early.body.code]).toEqual([429, "rate_limited"]);
    s.clock.advance(31_000);
    expect((await post("/otp/retry", undefined, { cookie })).status).toBe(204);
    const second = await up.lastCode("alice@example.com");
    // The first code died with the resend (unless the two happen to be equal, one in a million).
    if (first !== second) expect((await up.checkOtp(token, first)).body.code).toBe("bad_check_code");
    const checked = await up.checkOtp(token, second);
    expect(checked.status, checked.text).toBe(200);
    expect(claimsOf(checked.body.challenge_token).current_step).toBe("completed");
  });

  it("steps run in their order; each step's token ends with its expiration_duration", async () => {
    const { up } = await signedIn(both);
    const asked = await up.request("two");
    const first = asked.body.challenge_token;
    const claims = claimsOf(first);
    expect(claims.current_step).toBe("verify_sms");
    expect(claims.steps.map((x: { key: string }) => x.key)).toEqual(["verify_sms", "verify_email"]);
    expect(claims.exp - claims.iat).toBe(60);
    expect((await up.sendOtp(first)).status).toBe(204);
    const second = (await up.checkOtp(first, await up.lastCode("+14155550102"))).body.challenge_token;
    const next = claimsOf(second);
    expect(next.current_step).toBe("verify_email");
    expect(next.steps.map((x: { done: boolean }) => x.done)).toEqual([true, false]);
    // expiration_duration 0: the default 600 s.
    expect(next.exp - next.iat).toBe(600);
    expect((await up.sendOtp(second)).status).toBe(204);
    // A code sent for the first step does not complete the second.
    const code = await up.lastCode("both@example.com");
    s.clock.advance(601_000);
    const late = await up.checkOtp(second, code);
    expect([late.status, late.body.code]).toEqual([400, "expired_challenge_token"]);
  });

  it("the change-password recipe: prld:pwd:write with verify_email, then /me/password/reset once", async () => {
    await s.mgmt("POST", "/config/login/password", {});
    const { c, up } = await signedIn(alice);
    const reset = () =>
      s.inject({
        method: "POST",
        url: "/v1/session/me/password/reset",
        headers: { host, "content-type": "application/json", authorization: `Bearer ${c.accessToken}` },
        payload: JSON.stringify({ password: "A-new-Passw0rd!" }),
      });
    expect((await reset()).body.code).toBe("insufficient_scope");
    const asked = await up.request("prld:pwd:write");
    expect(asked.body.status).toBe("review");
    expect((await up.sendOtp(asked.body.challenge_token)).status).toBe(204);
    const code = await up.lastCode("alice@example.com");
    const completed = (await up.checkOtp(asked.body.challenge_token, code)).body.challenge_token;
    const spent = await up.spend(completed);
    expect(scopesOf(spent.body.access_token)).toContain("prld:pwd:write");
    const events = (await s.store.outbox.list(s.appId, { limit: 10_000 })).length;
    const done = await reset();
    expect(done.status, done.text).toBe(204);
    const recorded = (await s.store.outbox.list(s.appId, { limit: 10_000 })).slice(events);
    expect(recorded.filter((e) => e.type === "user.updated").map((e) => e.payload)).toEqual([
      expect.objectContaining({ user_id: alice, changed: ["password"], status: "active" }),
    ]);
    const twice = await reset();
    expect([twice.status, twice.body.code]).toEqual([403, "insufficient_scope"]);
  });

  it("register scope: an OTP to the new email, attached on success with user.identifier.created", async () => {
    const { c, up } = await signedIn(alice);
    const missing = await up.request("prld:email:register");
    expect([missing.status, missing.body.code]).toEqual([400, "invalid_metadata"]);
    const invalid = await up.request("prld:email:register", { identifier: "not-an-email" });
    expect([invalid.status, invalid.body.code]).toEqual([400, "invalid_metadata"]);
    const own = await up.request("prld:email:register", { identifier: "alice@example.com" });
    expect(own.status).toBe(409);

    const asked = await up.request("prld:email:register", { identifier: "Alice.Work@Example.com" });
    expect(asked.body.status).toBe("review");
    expect(claimsOf(asked.body.challenge_token)).toMatchObject({
      current_step: "verify_email",
      metadata: { identifier: "Alice.Work@Example.com" },
    });
    expect((await up.sendOtp(asked.body.challenge_token)).status).toBe(204);
    const code = await up.lastCode("alice.work@example.com");
    expect(code).toMatch(/^\d{6}$/);
    const events = (await s.store.outbox.list(s.appId, { limit: 10_000 })).length;
    const checked = await up.checkOtp(asked.body.challenge_token, code);
    expect(checked.status, checked.text).toBe(200);
    const { user } = (await s.mgmt("GET", `/users/${alice}`)).body;
    expect(user.identifiers.map((i: { value: string }) => i.value)).toContain("alice.work@example.com");
    const after = await s.store.outbox.list(s.appId, { limit: 10_000 });
    expect(after.slice(events).map((e) => e.type)).toContain("user.identifier.created");
    expect((await up.spend(checked.body.challenge_token)).status).toBe(200);
    expect(c.accessToken).toBeDefined();
  });

  it("register scope: an identifier another user owns is refused after the OTP, without naming the owner", async () => {
    const { up } = await signedIn(alice);
    const asked = await up.request("prld:email:register", { identifier: "both@example.com" });
    expect(asked.body.status).toBe("review");
    expect((await up.sendOtp(asked.body.challenge_token)).status).toBe(204);
    const before = await tableCounts(s);
    const checked = await up.checkOtp(asked.body.challenge_token, await up.lastCode("both@example.com"));
    expect([checked.status, checked.body.code]).toEqual([409, "identifier_already_exists"]);
    expect(checked.body.message).not.toContain(both);
    const after = await tableCounts(s);
    expect(after.user_identifiers).toBe(before.user_identifiers);
  });

  it("metadata beyond §4.11's limits is invalid_metadata", async () => {
    const { up } = await signedIn(alice);
    for (const metadata of [
      { a: "1", b: "2", c: "3", d: "4", e: "5", f: "6" },
      { thirteenchars: "x" },
      { amount: "x".repeat(33) },
      { amount: 500 },
      { amount: { nested: "x" } },
      { identifier: "x".repeat(321) },
    ]) {
      const res = await up.request("read", metadata);
      expect([res.status, res.body.code], JSON.stringify(metadata)).toEqual([400, "invalid_metadata"]);
    }
  });

  it("an app without a step-up config answers not_configured", async () => {
    const t = await s.forNewApp("no step-up");
    const user = (await t.mgmt("POST", "/users", { identifiers: [{ value: "x@example.com" }] })).body.id;
    const c = new SessionClient(t, `${t.appId}.localhost`);
    await c.signIn(user);
    const res = await new StepUpCalls(t, c).request("read");
    expect([res.status, res.body.code]).toEqual([403, "not_configured"]);
  });
});
