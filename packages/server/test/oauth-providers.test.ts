import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startDnsServer } from "./support/dns-server.js";
import { startTestGithub, type TestGithub } from "./support/github-idp.js";
import { OAuthBrowser } from "./support/oauth-browser.js";
import { MICROSOFT_TENANT, startTestIdp, type TestIdp } from "./support/oidc-idp.js";
import { SessionClient } from "./support/session-client.js";
import { claimsOf } from "./support/step-up-client.js";
import { describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

const APP_PAGE = "http://localhost:5173/auth/done";
const valuesOf = (user: { identifiers: { type: string; value: string }[] }) =>
  user.identifiers.map((i) => `${i.type} ${i.value}`).sort();

describeEachDatabase("Social login: Microsoft, Apple, Okta and GitHub shapes", (dialect) => {
  let s: TestServer;
  let host: string;
  let microsoft: TestIdp;
  let apple: TestIdp;
  let okta: TestIdp;
  let github: TestGithub;
  const appleKey = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const callback = (provider: string) => `http://${host}/v1/session/login/oauth/${provider}/callback`;
  const userOf = async (token: string) =>
    (await s.mgmt("GET", `/users/${claimsOf(token).sub}`)).body.user as {
      identifiers: { type: string; value: string }[];
      profile: Record<string, unknown>;
    };

  beforeAll(async () => {
    microsoft = await startTestIdp({ shape: "microsoft", clientId: "ms-client", clientSecret: "ms-secret" });
    apple = await startTestIdp({
      shape: "apple",
      clientId: "com.example.web",
      clientSecret: "registered-at-the-test-idp",
      apple: { publicKey: appleKey.publicKey, teamId: "TEAM123456", keyId: "KEY1234567" },
    });
    okta = await startTestIdp({ shape: "okta", clientId: "okta-client", clientSecret: "okta-secret" });
    github = await startTestGithub({ clientId: "gh-client", clientSecret: "gh-secret" });
    s = await startTestServer(dialect, {
      OVERTURE_OAUTH_ENDPOINTS: JSON.stringify({
        microsoft: microsoft.url,
        apple: apple.url,
        github: github.url,
      }),
    });
    host = `${s.appId}.localhost`;
    microsoft.allowRedirects([callback("microsoft")]);
    apple.allowRedirects([callback("apple")]);
    okta.allowRedirects([callback("okta")]);
    const options = { use_email_as_identifier: true };
    for (const [provider, body] of [
      ["microsoft", { client_id: "ms-client", client_secret: "ms-secret", options }],
      [
        "apple",
        {
          client_id: "com.example.web",
          options,
          apple: {
            team_id: "TEAM123456",
            key_id: "KEY1234567",
            p8_key: appleKey.privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
          },
        },
      ],
      [
        "okta",
        { client_id: "okta-client", client_secret: "okta-secret", options, okta: { issuer_url: okta.url } },
      ],
      ["github", { client_id: "gh-client", client_secret: "gh-secret", options }],
    ] as const) {
      const created = await s.mgmt("POST", `/config/login/oauth/${provider}`, body);
      expect(created.status, created.text).toBe(201);
    }
  });
  afterAll(async () => {
    await s.close();
    await Promise.all([microsoft.close(), apple.close(), okta.close(), github.close()]);
  });

  it("Microsoft: the multi-tenant issuer is checked against the token's tid; email trusted only with xms_edov", async () => {
    microsoft.next = { sub: "ms-1", email: "ms.user@contoso.example", email_verified: true };
    const plain = await new OAuthBrowser(s, host).signIn("microsoft", APP_PAGE);
    expect(plain.params?.challenge_token, JSON.stringify(plain.params)).toBeDefined();
    // `email_verified` means nothing from Microsoft: no email identifier.
    expect(valuesOf(await userOf(plain.params?.challenge_token ?? ""))).toEqual(["oauth microsoft:ms-1"]);

    microsoft.next = { sub: "ms-2", email: "owner@contoso.example", extra: { xms_edov: true } };
    const owned = await new OAuthBrowser(s, host).signIn("microsoft", APP_PAGE);
    expect(valuesOf(await userOf(owned.params?.challenge_token ?? ""))).toEqual([
      "email_address owner@contoso.example",
      "oauth microsoft:ms-2",
    ]);

    // Another tenant's issuer than the token's own tid does not pass.
    microsoft.tamper = (c) => ({ ...c, iss: `${microsoft.url}/00000000-0000-0000-0000-000000000000/v2.0` });
    const foreign = await new OAuthBrowser(s, host).signIn("microsoft", APP_PAGE);
    expect(foreign.params?.error).toBe("invalid_id_token");
    microsoft.tamper = null;
    expect(MICROSOFT_TENANT).toMatch(/-/);
  });

  it("Apple: form_post callback, a client secret signed with the p8 key, email_verified as a string", async () => {
    apple.next = { sub: "001234.apple", email: "relay@privaterelay.appleid.com", email_verified: true };
    const browser = new OAuthBrowser(s, host);
    const started = await browser.authorize("apple", APP_PAGE);
    expect(new URL(started.body.authorization_url).searchParams.get("response_mode")).toBe("form_post");
    const back = await browser.visitProvider(started.body.authorization_url);
    expect(back.method).toBe("POST");
    const outcome = await browser.callback({
      ...back,
      form: { ...back.form, user: JSON.stringify({ name: { firstName: "Tim", lastName: "A" } }) },
    });
    expect(outcome.answer.status, outcome.answer.text).toBe(302);
    const token = outcome.params?.challenge_token ?? "";
    const user = await userOf(token);
    expect(valuesOf(user)).toEqual([
      "email_address relay@privaterelay.appleid.com",
      "oauth apple:001234.apple",
    ]);
    expect(user.profile).toEqual({ first_name: "Tim", last_name: "A" });
    const secret = apple.tokenRequests.at(-1)?.client_secret ?? "";
    expect(claimsOf(secret)).toMatchObject({ iss: "TEAM123456", sub: "com.example.web", aud: apple.url });
    expect((await new SessionClient(s, host).finalize(token, browser.verifier)).status).toBe(200);
  });

  it("Okta: discovery from the app's issuer_url, client_secret_basic, profile claims from userinfo", async () => {
    okta.next = { sub: "00u1okta", email: "worker@corp.example", email_verified: true, given_name: "W" };
    const outcome = await new OAuthBrowser(s, host).signIn("okta", APP_PAGE);
    expect(outcome.params?.challenge_token, JSON.stringify(outcome.params)).toBeDefined();
    const user = await userOf(outcome.params?.challenge_token ?? "");
    expect(valuesOf(user)).toEqual(["email_address worker@corp.example", "oauth okta:00u1okta"]);
    expect(user.profile).toEqual({ first_name: "W" });
    expect(okta.tokenRequests.at(-1)?.client_secret).toBeUndefined();
  });

  it("GitHub: OAuth 2 and the REST API; only a verified primary email counts", async () => {
    github.next = {
      id: 583231,
      login: "octocat",
      name: "Mona Lisa Octocat",
      emails: [
        { email: "other@example.com", primary: false, verified: true },
        { email: "octocat@github.example", primary: true, verified: true },
      ],
    };
    const browser = new OAuthBrowser(s, host);
    const outcome = await browser.signIn("github", APP_PAGE);
    expect(outcome.params?.challenge_token, JSON.stringify(outcome.params)).toBeDefined();
    const user = await userOf(outcome.params?.challenge_token ?? "");
    expect(valuesOf(user)).toEqual(["email_address octocat@github.example", "oauth github:583231"]);
    expect(user.profile).toEqual({ first_name: "Mona", last_name: "Lisa Octocat" });
    expect(
      (await new SessionClient(s, host).finalize(outcome.params?.challenge_token ?? "", browser.verifier))
        .status,
    ).toBe(200);

    github.next = {
      id: 99,
      login: "unverified",
      emails: [
        { email: "unverified@example.com", primary: true, verified: false },
        { email: "verified.secondary@example.com", primary: false, verified: true },
      ],
    };
    const unverified = await new OAuthBrowser(s, host).signIn("github", APP_PAGE);
    expect(valuesOf(await userOf(unverified.params?.challenge_token ?? ""))).toEqual(["oauth github:99"]);

    github.next = "deny";
    expect((await new OAuthBrowser(s, host).signIn("github", APP_PAGE)).params?.error).toBe("access_denied");
  });
});

describeEachDatabase("Social login: endpoint overrides and prod apps", (dialect) => {
  const records = new Map<string, string>();
  let dns: Awaited<ReturnType<typeof startDnsServer>>;
  let idp: TestIdp;
  beforeAll(async () => {
    dns = await startDnsServer(records);
    idp = await startTestIdp({ shape: "google", clientId: "g-client", clientSecret: "g-secret" });
  });
  afterAll(async () => {
    await dns.close();
    await idp.close();
  });

  /** A prod app on its verified domain `auth.<site>`, with Google through the override. */
  const prodApp = async (env: Record<string, string>, site: string) => {
    const s = await startTestServer(dialect, {
      OVERTURE_DNS_SERVERS: dns.server,
      OVERTURE_OAUTH_ENDPOINTS: JSON.stringify({ google: idp.url }),
      ...env,
    });
    const domain = (await s.mgmt("POST", "/domains", { domain: `auth.${site}` })).body.domain;
    records.set(`auth.${site}`, `${s.appId}.localhost`);
    expect((await s.mgmt("POST", `/domains/${domain.id}/verify`)).status).toBe(200);
    await s.mgmt("POST", "/config/login/oauth/google", { client_id: "g-client", client_secret: "g-secret" });
    await s.mgmt("PUT", "/mode", { mode: "prod" });
    idp.allowRedirects([`http://auth.${site}/v1/session/login/oauth/google/callback`]);
    return s;
  };

  it("refuses an overridden provider to prod apps unless OVERTURE_OAUTH_ENDPOINTS_IN_PROD", async () => {
    const s = await prodApp({}, "refusing.test");
    try {
      const browser = new OAuthBrowser(s, "auth.refusing.test");
      expect((await browser.authorize("google", "http://localhost:5173/cb")).body.code).toBe(
        "invalid_redirect_uri",
      );
      const refused = await browser.authorize("google", "https://www.refusing.test/signed-in");
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ code: "oauth_provider_not_configured" });
      expect(refused.body.message).not.toContain(idp.url);
    } finally {
      await s.close();
    }
    const allowed = await prodApp({ OVERTURE_OAUTH_ENDPOINTS_IN_PROD: "true" }, "allowing.test");
    try {
      idp.next = { sub: "prod-1", email: "p@allowing.test", email_verified: true };
      const outcome = await new OAuthBrowser(allowed, "auth.allowing.test").signIn(
        "google",
        "https://www.allowing.test/signed-in",
      );
      expect(outcome.location?.startsWith("https://www.allowing.test/signed-in?challenge_token=")).toBe(true);
    } finally {
      await allowed.close();
    }
  });
});
