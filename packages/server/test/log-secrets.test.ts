import { afterAll, beforeAll, expect, it } from "vitest";
import { logCapture } from "./support/log-capture.js";
import { OAuthBrowser } from "./support/oauth-browser.js";
import { startTestIdp, type TestIdp } from "./support/oidc-idp.js";
import { json, startReceiver } from "./support/receiver.js";
import { SessionClient } from "./support/session-client.js";
import { describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

/**
 * Logs carry no secrets (docs/operations.md): with logging at debug, every login method, refresh,
 * migration, social login and Management calls go through, and none of the secrets they carried
 * appears in the output; each request left exactly one access line, with its route's template.
 */
describeEachDatabase("logs without secrets", (dialect) => {
  const { lines, stream } = logCapture();
  let s: TestServer;
  let idp: TestIdp;
  let hook: Awaited<ReturnType<typeof startReceiver>>;
  // The app's email gateway: codes are sent here, not through the console sender, which logs them
  // in dev mode by design (docs/otp.md).
  let gateway: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    idp = await startTestIdp({
      shape: "google",
      clientId: "log-client",
      clientSecret: "oauth-client-secret-xyz",
    });
    s = await startTestServer(
      dialect,
      { OVERTURE_LOG_LEVEL: "debug", OVERTURE_OAUTH_ENDPOINTS: JSON.stringify({ google: idp.url }) },
      { logger: { level: "debug", stream } },
    );
    hook = await startReceiver((call, res) => {
      const { token } = JSON.parse(call.body) as { token: string };
      json(res, 200, {
        external_id: `legacy-${token.slice(-6)}`,
        identifiers: [{ value: "migrated@example.com" }],
      });
    });
    gateway = await startReceiver((_call, res) => json(res, 200, {}));
  });
  afterAll(async () => {
    await s.close();
    await idp.close();
    await hook.close();
    await gateway.close();
  });

  it("hold no API key, password, token, code, legacy token or client secret, and one access line per request", async () => {
    const host = `${s.appId}.localhost`;
    const secrets: string[] = [s.apiKey];
    const frontend = (path: string, body: unknown) =>
      s.inject({
        method: "POST",
        url: `/v1/session${path}`,
        headers: { host, "content-type": "application/json" },
        payload: JSON.stringify(body),
      });

    // Management: configs with secrets, a user with a password, a webhook with its token.
    const password = "correct horse battery staple";
    secrets.push(password, "oauth-client-secret-xyz", "webhook-verification-token-xyz");
    expect((await s.mgmt("POST", "/config/login/password", {})).status).toBe(201);
    expect((await s.mgmt("POST", "/config/migration", { session_validation_url: hook.url })).status).toBe(
      201,
    );
    const otpConfig = await s.mgmt("POST", "/config/login/otp", {
      config_type: "otp",
      channel_type: "email",
      is_default: true,
      delivery: { type: "http", url: gateway.url, headers: { authorization: "Bearer gateway-secret-xyz" } },
    });
    expect(otpConfig.status, otpConfig.text).toBe(201);
    secrets.push("gateway-secret-xyz");
    await s.mgmt("POST", "/config/login/oauth/google", {
      client_id: "log-client",
      client_secret: "oauth-client-secret-xyz",
    });
    await s.mgmt("POST", "/webhooks", {
      url: "https://hooks.example.com/overture",
      verification_token: "webhook-verification-token-xyz",
      events: ["user.created"],
    });
    const user = await s.mgmt("POST", "/users", {
      identifiers: [{ value: "logged@example.com" }],
      password,
    });
    expect(user.status).toBe(201);
    await s.mgmt("GET", "/users?identifier_type=email_address&identifier_value=logged%40example.com");

    // Password login, finalize, refresh (twice: a rotation), a Bearer call, logout.
    const login = await frontend("/login/email/password", { identifier: "logged@example.com", password });
    secrets.push(login.body.challenge_token);
    const client = new SessionClient(s, host);
    expect((await client.finalize(login.body.challenge_token)).status).toBe(200);
    secrets.push(String(client.accessToken), String(client.refreshToken));
    expect((await client.refresh()).status).toBe(200);
    secrets.push(String(client.accessToken), String(client.refreshToken));
    expect((await client.bearer("GET", "/v1/session/me/list")).status).toBe(200);

    // OTP login: the code, and the verification token that carried the attempt.
    const started = await frontend("/otp", {
      identifier: { type: "email_address", value: "otp.logged@example.com" },
    });
    secrets.push(String(started.headers["x-verification-token"]));
    const sent = gateway.calls.map((c) => JSON.parse(c.body) as { to: string; code: string });
    const code = sent.find((m) => m.to === "otp.logged@example.com")?.code ?? "";
    expect(code).toMatch(/^\d{6}$/);
    secrets.push(code);
    const checked = await s.inject({
      method: "POST",
      url: "/v1/session/otp/check",
      headers: {
        host,
        "content-type": "application/json",
        "x-verification-token": String(started.headers["x-verification-token"]),
      },
      payload: JSON.stringify({ code }),
    });
    expect(checked.status, checked.text).toBe(200);

    // Lazy migration with a legacy token.
    const legacy = "legacy-session-token-9f8e7d6c5b4a";
    secrets.push(legacy);
    expect((await frontend("/migration", { token: legacy, code_challenge: "c".repeat(43) })).status).toBe(
      200,
    );

    // Social login: the provider's code and the challenge token on the way back.
    idp.allowRedirects([`http://${host}/v1/session/login/oauth/google/callback`]);
    idp.next = { sub: "log-1", email: "social.logged@example.com", email_verified: true };
    const browser = new OAuthBrowser(s, host);
    const back = await browser.visitProvider(
      (await browser.authorize("google", "http://localhost:5173/done")).body.authorization_url,
    );
    secrets.push(back.url.searchParams.get("code") ?? "", String(browser.bindingCookie?.split("=")[1]));
    const social = await browser.callback(back);
    secrets.push(social.params?.challenge_token ?? "");

    const log = lines.join("");
    const found = secrets.filter((secret) => secret.length >= 6 && log.includes(secret));
    expect(found).toEqual([]);
    // Nor their recognisable middles (a logged prefix would give a key away too).
    expect(log).not.toContain(s.apiKey.slice(4, 24));

    const access = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "request");
    expect(access.length).toBeGreaterThanOrEqual(15);
    expect(new Set(access.map((l) => l.request_id)).size).toBe(access.length);
    expect(access.find((l) => l.route === "/v1/session/refresh")).toMatchObject({
      app_id: s.appId,
      method: "POST",
      status: 200,
      latency_ms: expect.any(Number),
      request_id: expect.stringMatching(/^req_/),
    });
    expect(
      access.find(
        (l) =>
          l.route === "/v2/session/apps/:appID/users/:userID" || l.route === "/v2/session/apps/:appID/users",
      ),
    ).toBeDefined();
    // Templates only: no path of a request names an id.
    expect(access.every((l) => l.route === null || !l.route.includes(s.appId))).toBe(true);
  });

  it("log a mode change with the app and both modes", async () => {
    const own = await s.forNewApp("mode-log");
    expect((await own.mgmt("PUT", "/mode", { mode: "prod" })).status).toBe(204);
    expect((await own.mgmt("PUT", "/mode", { mode: "prod" })).status).toBe(204);
    const changes = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "app mode changed");
    expect(changes).toEqual([
      expect.objectContaining({
        app_id: own.appId,
        from: "dev",
        to: "prod",
        request_id: expect.stringMatching(/^req_/),
      }),
    ]);
  });
});
