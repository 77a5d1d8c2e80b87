import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { OAuthBrowser } from "./support/oauth-browser.js";
import { startTestIdp, type TestIdp } from "./support/oidc-idp.js";
import { tableCounts } from "./support/row-counts.js";
import { SessionClient } from "./support/session-client.js";
import { claimsOf } from "./support/step-up-client.js";
import { describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

const APP_PAGE = "http://localhost:5173/auth/done";

/** What a refused sign-in must leave as it was: no user, identifier, session or event. */
const written = async (s: TestServer) => {
  const c = await tableCounts(s);
  return { users: c.users, identifiers: c.user_identifiers, sessions: c.sessions, outbox: c.outbox_events };
};

describeEachDatabase("Social login with an OpenID provider (Google-shaped)", (dialect) => {
  let s: TestServer;
  let idp: TestIdp;
  let host: string;
  const google = (body: Record<string, unknown> = {}) =>
    s.mgmt("PUT", "/config/login/oauth/google", {
      client_id: "g-client",
      client_secret: "g-secret",
      granted_scopes: ["social"],
      options: { use_email_as_identifier: true },
      ...body,
    });
  beforeAll(async () => {
    idp = await startTestIdp({ shape: "google", clientId: "g-client", clientSecret: "g-secret" });
    s = await startTestServer(dialect, { OVERTURE_OAUTH_ENDPOINTS: JSON.stringify({ google: idp.url }) });
    host = `${s.appId}.localhost`;
    idp.allowRedirects([`http://${host}/v1/session/login/oauth/google/callback`]);
    await s.mgmt("POST", "/config/scopes", { scope: "social" });
    const created = await s.mgmt("POST", "/config/login/oauth/google", {
      client_id: "g-client",
      client_secret: "g-secret",
    });
    expect(created.status, created.text).toBe(201);
  });
  beforeEach(async () => {
    idp.tamper = null;
    expect((await google()).status).toBe(200);
  });
  afterAll(async () => {
    await s.close();
    await idp.close();
  });

  it("signs a new user in through the provider, then the same user again, and grants the config's scopes", async () => {
    idp.next = {
      sub: "g-100",
      email: "Ada@Example.com",
      email_verified: true,
      given_name: "Ada",
      family_name: "L",
    };
    const browser = new OAuthBrowser(s, host);
    const started = await browser.authorize("google", APP_PAGE);
    expect(started.status, started.text).toBe(200);
    expect(String(started.headers["set-cookie"])).toMatch(
      new RegExp(
        `^__Host-oauth-binding_${s.appId}=[\\w-]{43}; Path=/; Max-Age=600; Secure; HttpOnly; SameSite=None$`,
      ),
    );
    const sent = new URL(started.body.authorization_url);
    expect(sent.origin).toBe(idp.url);
    expect(Object.fromEntries(sent.searchParams)).toMatchObject({
      response_type: "code",
      client_id: "g-client",
      redirect_uri: `http://${host}/v1/session/login/oauth/google/callback`,
      scope: "openid email profile",
      code_challenge_method: "S256",
    });
    // Overture's own PKCE and nonce towards the provider, never the client's.
    expect(sent.searchParams.get("code_challenge")).not.toBe(browser.challenge);
    expect(sent.searchParams.get("nonce")).toMatch(/^[\w-]{43}$/);

    const outcome = await browser.callback(await browser.visitProvider(started.body.authorization_url));
    expect(outcome.answer.status, outcome.answer.text).toBe(302);
    expect(outcome.answer.headers["cache-control"]).toBe("no-store");
    expect(outcome.answer.headers["referrer-policy"]).toBe("no-referrer");
    expect(outcome.location?.startsWith(`${APP_PAGE}?challenge_token=`)).toBe(true);
    const token = outcome.params?.challenge_token ?? "";
    expect(claimsOf(token)).toMatchObject({
      method: "oauth",
      grant_mode: "session-start",
      scopes: ["social"],
    });
    // The code went with Overture's verifier and its client secret.
    expect(idp.tokenRequests.at(-1)).toMatchObject({ client_id: "g-client", client_secret: "g-secret" });

    const client = new SessionClient(s, host);
    const session = await client.finalize(token, browser.verifier);
    expect(session.status, session.text).toBe(200);
    const access = claimsOf(session.body.access_token);
    expect(access.scope).toContain("social");
    const user = (await s.mgmt("GET", `/users/${access.sub}`)).body.user;
    expect(
      user.identifiers.map((i: { type: string; value: string }) => `${i.type} ${i.value}`).sort(),
    ).toEqual(["email_address ada@example.com", "oauth google:g-100"]);
    expect(user.profile).toEqual({ first_name: "Ada", last_name: "L" });

    const before = await written(s);
    const again = await new OAuthBrowser(s, host).signIn("google", APP_PAGE);
    expect(claimsOf(again.params?.challenge_token ?? "").sub).toBe(access.sub);
    expect((await written(s)).users).toBe(before.users);
  });

  it("binds the challenge token to the client's PKCE challenge: no verifier or another one fails", async () => {
    idp.next = { sub: "g-pkce", email: "pkce@example.com", email_verified: true };
    const browser = new OAuthBrowser(s, host);
    const token = (await browser.signIn("google", APP_PAGE)).params?.challenge_token ?? "";
    const client = new SessionClient(s, host);
    expect((await client.finalize(token)).body.code).toBe("token_mismatch");
    expect((await client.finalize(token, new OAuthBrowser(s, host).verifier)).body.code).toBe(
      "token_mismatch",
    );
    expect((await client.finalize(token, browser.verifier)).status).toBe(200);
  });

  it("sends a declined consent back as access_denied, writing nothing", async () => {
    const before = await written(s);
    idp.next = "deny";
    const outcome = await new OAuthBrowser(s, host).signIn("google", APP_PAGE);
    expect(outcome.answer.status).toBe(302);
    expect(outcome.params).toEqual({ error: "access_denied", error_description: expect.any(String) });
    expect(await written(s)).toEqual(before);
  });

  it("refuses a replayed, forged, expired or other browser's state without redirecting", async () => {
    idp.next = { sub: "g-state", email: "state@example.com", email_verified: true };
    const browser = new OAuthBrowser(s, host);
    const started = await browser.authorize("google", APP_PAGE);
    const back = await browser.visitProvider(started.body.authorization_url);
    expect((await browser.callback(back)).answer.status).toBe(302);
    const before = await written(s);
    const replayed = await browser.callback(back);
    expect(replayed.answer.status).toBe(400);
    expect(replayed.answer.body).toMatchObject({ code: "invalid_oauth_state", type: "bad_request" });
    expect(replayed.location).toBeNull();

    const forged = new URL(back.url);
    forged.searchParams.set("state", "x".repeat(43));
    expect((await browser.callback({ method: "GET", url: forged })).answer.body.code).toBe(
      "invalid_oauth_state",
    );
    const none = new URL(back.url);
    none.searchParams.delete("state");
    expect((await browser.callback({ method: "GET", url: none })).answer.body.code).toBe(
      "invalid_oauth_state",
    );

    const other = await browser.authorize("google", APP_PAGE);
    const otherBack = await browser.visitProvider(other.body.authorization_url);
    const stranger = await browser.callback(otherBack, `__Host-oauth-binding_${s.appId}=${"y".repeat(43)}`);
    expect(stranger.answer.body).toMatchObject({ code: "invalid_oauth_state" });
    expect(stranger.answer.body.message).toMatch(/another browser/);
    // The stranger's attempt used the state up: the right browser cannot finish it either.
    expect((await browser.callback(otherBack)).answer.body.code).toBe("invalid_oauth_state");

    const late = await browser.authorize("google", APP_PAGE);
    const lateBack = await browser.visitProvider(late.body.authorization_url);
    s.clock.advance(10 * 60_000 + 1);
    const expired = await browser.callback(lateBack);
    expect(expired.answer.body.code).toBe("invalid_oauth_state");
    expect(expired.answer.body.message).toMatch(/expired/);
    expect(await written(s)).toEqual(before);
  });

  it("rejects ID tokens with a wrong nonce, a wrong audience, an expired one, another issuer or a future iat", async () => {
    idp.next = { sub: "g-bad", email: "bad@example.com", email_verified: true };
    const before = await written(s);
    const now = () => Math.floor(s.clock.now() / 1000);
    for (const tamper of [
      (c: Record<string, unknown>) => ({ ...c, nonce: "not-this-sign-in" }),
      (c: Record<string, unknown>) => ({ ...c, aud: "another-client" }),
      (c: Record<string, unknown>) => ({ ...c, aud: ["g-client", "another-client"] }),
      (c: Record<string, unknown>) => ({ ...c, exp: now() - 1 }),
      (c: Record<string, unknown>) => ({ ...c, iss: "https://accounts.google.com.evil.example" }),
      (c: Record<string, unknown>) => ({ ...c, iat: now() + 3600 }),
    ]) {
      idp.tamper = tamper;
      const outcome = await new OAuthBrowser(s, host).signIn("google", APP_PAGE);
      expect(outcome.params, String(tamper)).toEqual({
        error: "invalid_id_token",
        error_description: expect.any(String),
      });
    }
    expect(await written(s)).toEqual(before);
  });

  it("follows the provider's key rotation: an unknown kid refetches its JWKS", async () => {
    idp.next = { sub: "g-rotate", email: "rotate@example.com", email_verified: true };
    expect(
      (await new OAuthBrowser(s, host).signIn("google", APP_PAGE)).params?.challenge_token,
    ).toBeDefined();
    await idp.rotateKeys();
    idp.allowRedirects([`http://${host}/v1/session/login/oauth/google/callback`]);
    s.clock.advance(31_000);
    const outcome = await new OAuthBrowser(s, host).signIn("google", APP_PAGE);
    expect(outcome.params?.challenge_token, JSON.stringify(outcome.params)).toBeDefined();
  });

  it("never links or stores an unverified email", async () => {
    const owner = await s.mgmt("POST", "/users", {
      identifiers: [{ type: "email_address", value: "taken@example.com" }],
    });
    await google({ options: { use_email_as_identifier: true, allow_email_account_merge: true } });
    idp.next = { sub: "g-unverified", email: "taken@example.com", email_verified: false };
    const token = (await new OAuthBrowser(s, host).signIn("google", APP_PAGE)).params?.challenge_token ?? "";
    const userId = String(claimsOf(token).sub);
    expect(userId).not.toBe(owner.body.user.id);
    const user = (await s.mgmt("GET", `/users/${userId}`)).body.user;
    expect(user.identifiers.map((i: { value: string }) => i.value)).toEqual(["google:g-unverified"]);
  });

  it("with a verified email another user has: email_already_in_use, or that user with merging on", async () => {
    const owner = (
      await s.mgmt("POST", "/users", { identifiers: [{ type: "email_address", value: "merge@example.com" }] })
    ).body.user;
    idp.next = { sub: "g-merge", email: "merge@example.com", email_verified: true };
    const before = await written(s);
    const refused = await new OAuthBrowser(s, host).signIn("google", APP_PAGE);
    expect(refused.params).toEqual({ error: "email_already_in_use", error_description: expect.any(String) });
    expect(await written(s)).toEqual(before);

    await google({ options: { use_email_as_identifier: true, allow_email_account_merge: true } });
    const merged = await new OAuthBrowser(s, host).signIn("google", APP_PAGE);
    expect(claimsOf(merged.params?.challenge_token ?? "").sub).toBe(owner.id);
    const user = (await s.mgmt("GET", `/users/${owner.id}`)).body.user;
    expect(user.identifiers.map((i: { value: string }) => i.value).sort()).toEqual([
      "google:g-merge",
      "merge@example.com",
    ]);
    // Linked now: merging off again still signs the identity's user in.
    await google();
    const linked = await new OAuthBrowser(s, host).signIn("google", APP_PAGE);
    expect(claimsOf(linked.params?.challenge_token ?? "").sub).toBe(owner.id);
  });

  it("verify_email: an unverified email is proved by an email OTP before the sign-in (otp_required)", async () => {
    await google({ options: { use_email_as_identifier: true, verify_email: true } });
    idp.next = { sub: "g-otp", email: "otp.link@example.com", email_verified: false };
    const browser = new OAuthBrowser(s, host);
    const outcome = await browser.signIn("google", APP_PAGE);
    expect(outcome.params).toEqual({ challenge_token: expect.any(String), status: "otp_required" });
    const link = outcome.params?.challenge_token ?? "";
    expect(claimsOf(link)).toMatchObject({
      grant_mode: "oauth-email-link",
      current_step: "verify_email",
      metadata: { oauth_email: "otp.link@example.com" },
    });
    // Not a session-start token: finalize refuses it.
    expect((await new SessionClient(s, host).finalize(link, browser.verifier)).body.code).toBe(
      "invalid_challenge_token",
    );

    const post = (path: string, body: unknown) =>
      s.inject({
        method: "POST",
        url: `/v1/session${path}`,
        headers: { host, "content-type": "application/json" },
        payload: JSON.stringify(body),
      });
    expect((await post("/otp", { challenge_token: link })).status).toBe(204);
    const messages = (await s.mgmt("GET", "/dev/messages")).body.messages as { to: string; code: string }[];
    const code = messages.find((m) => m.to === "otp.link@example.com")?.code ?? "";
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
    expect((await post("/otp/check", { challenge_token: link, code: wrong })).body.code).toBe(
      "bad_check_code",
    );
    const checked = await post("/otp/check", { challenge_token: link, code });
    expect(checked.status, checked.text).toBe(200);
    expect((await post("/otp/check", { challenge_token: link, code })).status).toBeGreaterThanOrEqual(400);

    const session = await new SessionClient(s, host).finalize(checked.body.challenge_token, browser.verifier);
    expect(session.status, session.text).toBe(200);
    const user = (await s.mgmt("GET", `/users/${claimsOf(session.body.access_token).sub}`)).body.user;
    expect(user.identifiers.map((i: { value: string }) => i.value).sort()).toEqual([
      "google:g-otp",
      "otp.link@example.com",
    ]);
  });

  it("refuses a redirect_uri outside the app's sites, and allows one on a registered domain's site", async () => {
    const browser = new OAuthBrowser(s, host);
    const before = await tableCounts(s);
    for (const uri of [
      "https://evil.example.net/cb",
      "http://localhost:5173/cb#fragment",
      "https://user:pw@localhost/cb",
      "javascript:alert(1)",
      "/relative",
    ]) {
      const refused = await browser.authorize("google", uri);
      expect(refused.status, uri).toBe(400);
      expect(refused.body.code).toBe("invalid_redirect_uri");
    }
    expect((await tableCounts(s)).oauth_states).toBe(before.oauth_states);
    expect((await s.mgmt("POST", "/domains", { domain: "auth.customer.example" })).status).toBe(201);
    expect((await browser.authorize("google", "https://app.customer.example/signed-in")).status).toBe(200);
  });

  it("answers a disabled, unconfigured or unknown provider clearly", async () => {
    await google({ enabled: false });
    const browser = new OAuthBrowser(s, host);
    expect((await browser.authorize("google", APP_PAGE)).body).toMatchObject({
      code: "oauth_provider_disabled",
    });
    expect((await browser.authorize("github", APP_PAGE)).body).toMatchObject({
      code: "oauth_provider_not_configured",
    });
    expect((await browser.authorize("myspace", APP_PAGE)).status).toBe(404);

    // Turned off while the user was at the provider: the callback says so on the way back.
    await google();
    idp.next = { sub: "g-off", email: "off@example.com", email_verified: true };
    const started = await browser.authorize("google", APP_PAGE);
    const back = await browser.visitProvider(started.body.authorization_url);
    await google({ enabled: false });
    expect((await browser.callback(back)).params).toMatchObject({ error: "oauth_provider_disabled" });
  });

  it("limits authorizations per IP, and answers an unreachable provider with 502", async () => {
    const browser = new OAuthBrowser(s, host);
    s.clock.advance(60_000 - (s.clock.now() % 60_000) + 100);
    const answers = await Promise.all(
      Array.from({ length: 301 }, () => browser.authorize("google", APP_PAGE).then((a) => a.status)),
    );
    expect(answers.filter((status) => status === 200)).toHaveLength(300);
    const limited = await browser.authorize("google", APP_PAGE);
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe("rate_limited");
    expect(limited.headers["retry-after"]).toBeDefined();
    s.clock.advance(60_000);

    // Nothing listens at the provider's address: the discovery document cannot be read.
    const gone = await startTestServer(dialect, {
      OVERTURE_OAUTH_ENDPOINTS: JSON.stringify({ google: "http://127.0.0.1:9" }),
    });
    try {
      await gone.mgmt("POST", "/config/login/oauth/google", { client_id: "g", client_secret: "s" });
      const before = await tableCounts(gone);
      const down = await new OAuthBrowser(gone, `${gone.appId}.localhost`).authorize("google", APP_PAGE);
      expect(down.status).toBe(502);
      expect(down.body).toMatchObject({ code: "oauth_provider_unavailable", type: "bad_gateway" });
      expect((await tableCounts(gone)).oauth_states).toBe(before.oauth_states);
    } finally {
      await gone.close();
    }
  });

  it("refuses malformed callback parameters with the error shape, and never echoes a provider's odd error text", async () => {
    const get = (query: string) =>
      s.inject({ method: "GET", url: `/v1/session/login/oauth/google/callback?${query}`, headers: { host } });
    for (const query of ["state=a&state=b", `state=${"x".repeat(129)}`, `state=s&error=${"e".repeat(257)}`]) {
      const res = await get(query);
      expect(res.status, query).toBe(400);
      expect(res.body).toMatchObject({
        code: "bad_request",
        type: "bad_request",
        request_id: expect.any(String),
      });
    }
    expect((await get("state=s")).body.code).toBe("invalid_oauth_state");

    const browser = new OAuthBrowser(s, host);
    const started = await browser.authorize("google", APP_PAGE);
    const state = new URL(started.body.authorization_url).searchParams.get("state") ?? "";
    const odd = await browser.callback({
      method: "GET",
      url: new URL(
        `http://${host}/v1/session/login/oauth/google/callback?${new URLSearchParams({ state, error: "<script>alert(1)</script>" })}`,
      ),
    });
    expect(odd.params).toEqual({
      error: "oauth_provider_error",
      error_description: "The provider answered an error.",
    });
  });
});
