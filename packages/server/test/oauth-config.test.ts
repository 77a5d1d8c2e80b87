import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { tableCounts } from "./support/row-counts.js";
import { describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

const p8 = () =>
  generateKeyPairSync("ec", { namedCurve: "prime256v1" })
    .privateKey.export({ format: "pem", type: "pkcs8" })
    .toString();

describeEachDatabase("OAuth login configs", (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    await s.mgmt("POST", "/config/scopes", { scope: "social" });
  });
  afterAll(() => s.close());

  const iso = expect.stringMatching(/Z$/);
  const stored = async (provider: string) =>
    JSON.stringify(
      await s.db.database.db
        .selectFrom("app_configs")
        .selectAll()
        .where("app_id", "=", s.appId)
        .where("kind", "=", `oauth_${provider}`)
        .executeTakeFirst(),
    );

  it("creates one config per provider with defaults, never echoes or stores the secret in clear", async () => {
    const created = await s.mgmt("POST", "/config/login/oauth/google", {
      client_id: "123.apps.googleusercontent.com",
      client_secret: "GOCSPX-a-real-secret",
      granted_scopes: ["social"],
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toEqual({
      config: {
        provider_id: "google",
        client_id: "123.apps.googleusercontent.com",
        enabled: true,
        scopes: ["openid", "email", "profile"],
        granted_scopes: ["social"],
        options: { use_email_as_identifier: false, allow_email_account_merge: false, verify_email: false },
        created_at: iso,
        updated_at: iso,
      },
    });
    expect(created.text).not.toContain("GOCSPX");
    const sealed = await stored("google");
    expect(sealed).not.toContain("GOCSPX-a-real-secret");
    expect((await s.mgmt("GET", "/config/login/oauth")).body).toEqual({ configs: [created.body.config] });
    const again = await s.mgmt("POST", "/config/login/oauth/google", { client_id: "x", client_secret: "y" });
    expect([again.status, again.body.code]).toEqual([409, "conflict"]);

    // A PUT without the secret keeps the sealed one; with one, replaces it.
    const kept = await s.mgmt("PUT", "/config/login/oauth/google", {
      client_id: "456.apps.googleusercontent.com",
      enabled: false,
      scopes: ["openid", "email"],
    });
    expect(kept.status, kept.text).toBe(200);
    expect(kept.body.config).toMatchObject({
      client_id: "456.apps.googleusercontent.com",
      enabled: false,
      granted_scopes: [],
    });
    const sealedSecret = (x: string) => JSON.parse(JSON.parse(x).value).client_secret_sealed;
    expect(sealedSecret(await stored("google"))).toBe(sealedSecret(sealed));
    await s.mgmt("PUT", "/config/login/oauth/google", { client_id: "456", client_secret: "another" });
    expect(sealedSecret(await stored("google"))).not.toBe(sealedSecret(sealed));

    expect((await s.mgmt("DELETE", "/config/login/oauth/google")).status).toBe(204);
    expect((await s.mgmt("DELETE", "/config/login/oauth/google")).body.code).toBe("config_not_found");
    expect((await s.mgmt("PUT", "/config/login/oauth/google", { client_id: "x" })).body.code).toBe(
      "config_not_found",
    );
  });

  it("Apple: team, key and a P-256 .p8 key instead of a client secret; Okta: an https issuer", async () => {
    const apple = await s.mgmt("POST", "/config/login/oauth/apple", {
      client_id: "com.example.web",
      apple: { team_id: "ABCDE12345", key_id: "KEY1234567", p8_key: p8() },
    });
    expect(apple.status, apple.text).toBe(201);
    expect(apple.body.config).toMatchObject({
      provider_id: "apple",
      scopes: ["name", "email"],
      apple: { team_id: "ABCDE12345", key_id: "KEY1234567" },
    });
    expect(apple.text).not.toContain("PRIVATE KEY");
    expect(await stored("apple")).not.toContain("PRIVATE KEY");
    const kept = await s.mgmt("PUT", "/config/login/oauth/apple", {
      client_id: "com.example.web",
      apple: { team_id: "ABCDE12345", key_id: "KEY7654321" },
    });
    expect(kept.body.config.apple).toEqual({ team_id: "ABCDE12345", key_id: "KEY7654321" });

    const okta = await s.mgmt("POST", "/config/login/oauth/okta", {
      client_id: "0oa1",
      client_secret: "okta-secret",
      okta: { issuer_url: "https://example.okta.com/oauth2/default/" },
    });
    expect(okta.status, okta.text).toBe(201);
    expect(okta.body.config.okta).toEqual({ issuer_url: "https://example.okta.com/oauth2/default" });
    for (const p of ["apple", "okta"]) await s.mgmt("DELETE", `/config/login/oauth/${p}`);
  });

  it("keeps the scopes it grants allowed, and checks verify_email's prerequisites on write", async () => {
    expect(
      (
        await s.mgmt("POST", "/config/login/oauth/github", {
          client_id: "gh",
          client_secret: "s",
          granted_scopes: ["social"],
        })
      ).status,
    ).toBe(201);
    const removed = await s.mgmt("DELETE", "/config/scopes", { scope: "social" });
    expect([removed.status, removed.body.code]).toEqual([409, "scope_in_use"]);
    expect(removed.body.message).toContain("github login config");
    await s.mgmt("DELETE", "/config/login/oauth/github");

    const t = await s.forNewApp("oauth prod");
    expect((await t.mgmt("PUT", "/mode", { mode: "prod" })).status).toBe(204);
    const body = {
      client_id: "m",
      client_secret: "s",
      options: { use_email_as_identifier: true, verify_email: true },
    };
    const noSender = await t.mgmt("POST", "/config/login/oauth/microsoft", body);
    expect([noSender.status, noSender.body.code]).toEqual([400, "invalid_request"]);
    expect(noSender.body.message).toContain("email OTP config");
    const sender = await t.mgmt("POST", "/config/login/otp", {
      config_type: "otp",
      channel_type: "email",
      delivery: { type: "http", url: "https://sender.example.com/send" },
    });
    const ok = await t.mgmt("POST", "/config/login/oauth/microsoft", body);
    expect(ok.status, ok.text).toBe(201);
    expect(ok.body.config.options).toEqual({
      use_email_as_identifier: true,
      allow_email_account_merge: false,
      verify_email: true,
    });
    // The sender cannot go while Microsoft sign-ins verify emails with it.
    const senderPath = `/config/login/otp/${sender.body.login_config.id}`;
    const inUse = await t.mgmt("DELETE", senderPath);
    expect([inUse.status, inUse.body.code]).toEqual([409, "conflict"]);
    expect(inUse.body.message).toContain("microsoft login config");
    expect((await t.mgmt("GET", "/config/login/otp")).body.login_configs).toHaveLength(1);
    await t.mgmt("PUT", "/config/login/oauth/microsoft", {
      ...body,
      options: { use_email_as_identifier: true },
    });
    expect((await t.mgmt("DELETE", senderPath)).status).toBe(204);
  });

  it("refuses bad input with a clear code, and writes nothing", async () => {
    const cases: [string, string, unknown, number, string, string?][] = [
      [
        "POST",
        "/config/login/oauth/facebook",
        { client_id: "x", client_secret: "y" },
        404,
        "oauth_provider_not_found",
      ],
      ["PUT", "/config/login/oauth/myspace", { client_id: "x" }, 404, "oauth_provider_not_found"],
      ["DELETE", "/config/login/oauth/myspace", undefined, 404, "oauth_provider_not_found"],
      [
        "POST",
        "/config/login/oauth/google",
        { client_id: "x" },
        400,
        "invalid_request",
        "client_secret is required",
      ],
      [
        "POST",
        "/config/login/oauth/google",
        { client_id: "x", client_secret: "y", apple: { team_id: "ABCDE12345", key_id: "KEY1234567" } },
        400,
        "invalid_request",
        "apple is only",
      ],
      [
        "POST",
        "/config/login/oauth/google",
        { client_id: "x", client_secret: "y", okta: { issuer_url: "https://a.okta.com" } },
        400,
        "invalid_request",
        "okta is only",
      ],
      [
        "POST",
        "/config/login/oauth/google",
        { client_id: "x", client_secret: "y", granted_scopes: ["undeclared"] },
        400,
        "invalid_request",
        "granted_scopes[0]",
      ],
      [
        "POST",
        "/config/login/oauth/google",
        { client_id: "x", client_secret: "y", options: { verify_email: true } },
        400,
        "invalid_request",
        "use_email_as_identifier",
      ],
      [
        "POST",
        "/config/login/oauth/google",
        { client_id: "x", client_secret: "y", extra: 1 },
        400,
        "invalid_request",
      ],
      ["POST", "/config/login/oauth/google", { client_id: "", client_secret: "y" }, 400, "invalid_request"],
      [
        "POST",
        "/config/login/oauth/google",
        { client_id: "x", client_secret: "y", scopes: ["has space"] },
        400,
        "invalid_request",
      ],
      [
        "POST",
        "/config/login/oauth/apple",
        { client_id: "x", apple: { team_id: "ABCDE12345", key_id: "KEY1234567" } },
        400,
        "invalid_request",
        "p8_key is required",
      ],
      [
        "POST",
        "/config/login/oauth/apple",
        { client_id: "x", apple: { team_id: "ABCDE12345", key_id: "KEY1234567", p8_key: "not a key" } },
        400,
        "invalid_request",
        "not a PEM",
      ],
      [
        "POST",
        "/config/login/oauth/apple",
        {
          client_id: "x",
          apple: {
            team_id: "ABCDE12345",
            key_id: "KEY1234567",
            p8_key: generateKeyPairSync("rsa", { modulusLength: 2048 })
              .privateKey.export({ format: "pem", type: "pkcs8" })
              .toString(),
          },
        },
        400,
        "invalid_request",
        "EC P-256",
      ],
      [
        "POST",
        "/config/login/oauth/apple",
        {
          client_id: "x",
          client_secret: "y",
          apple: { team_id: "ABCDE12345", key_id: "KEY1234567", p8_key: p8() },
        },
        400,
        "invalid_request",
        "not used for apple",
      ],
      [
        "POST",
        "/config/login/oauth/apple",
        { client_id: "x", apple: { team_id: "short", key_id: "KEY1234567", p8_key: p8() } },
        400,
        "invalid_request",
      ],
      [
        "POST",
        "/config/login/oauth/okta",
        { client_id: "x", client_secret: "y" },
        400,
        "invalid_request",
        "okta is required",
      ],
      [
        "POST",
        "/config/login/oauth/okta",
        { client_id: "x", client_secret: "y", okta: { issuer_url: "http://example.okta.com" } },
        400,
        "invalid_request",
        "must be https",
      ],
    ];
    for (const [method, path, body, status, code, says] of cases) {
      const before = await tableCounts(s);
      const res = await s.mgmt(method as "POST", path, body);
      expect([res.status, res.body.code], `${method} ${path} ${JSON.stringify(body)?.slice(0, 80)}`).toEqual([
        status,
        code,
      ]);
      if (says) expect(res.body.message).toContain(says);
      expect(await tableCounts(s)).toEqual(before);
    }
  });
});
