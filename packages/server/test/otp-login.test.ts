import { createHash, randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { logCapture } from "./support/log-capture.js";
import { startReceiver } from "./support/receiver.js";
import { SessionClient } from "./support/session-client.js";
import { describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

describeEachDatabase("OTP login", (dialect) => {
  let s: TestServer;
  let host: string;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let receiverUrl: string;
  let receiverStatus = 200;
  /** What the SMS gateway received, newest last. */
  const received = () =>
    receiver.calls.map((c) => ({ body: JSON.parse(c.body) as Record<string, string>, headers: c.headers }));
  const logs = logCapture();
  beforeAll(async () => {
    s = await startTestServer(dialect, {}, { logger: { level: "info", stream: logs.stream } });
    host = `${s.appId}.localhost`;
    receiver = await startReceiver((_call, res) => res.writeHead(receiverStatus).end());
    receiverUrl = receiver.url;
  });
  afterAll(async () => {
    await s.close();
    await receiver.close();
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    s.inject({
      method: "POST",
      url: `/v1/session${path}`,
      headers: { host, "content-type": "application/json", ...headers },
      ...(body !== undefined && { payload: JSON.stringify(body) }),
    });
  const lastCode = async (to: string) => {
    const messages = (await s.mgmt("GET", "/dev/messages")).body.messages as { to: string; code: string }[];
    return messages.find((m) => m.to === to)?.code ?? "";
  };
  const cookieOf = (res: { headers: Record<string, unknown> }) =>
    String(res.headers["set-cookie"]).split(";")[0] ?? "";
  const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, "0");

  it("web flow: code by the dev console, wrong code, then the right one signs in and creates the user", async () => {
    const start = await post("/login/otp", {
      identifier: { type: "email_address", value: "Otp.User@Example.com" },
    });
    expect(start.status).toBe(204);
    expect(start.text).toBe("");
    expect(start.headers["x-verification-token"]).toMatch(/^ovv_/);
    expect(String(start.headers["set-cookie"])).toMatch(
      new RegExp(
        `^__Host-verification-login_${s.appId}=ovv_[\\w-]+; Path=/; Max-Age=600; Secure; HttpOnly; SameSite=Lax$`,
      ),
    );
    const code = await lastCode("otp.user@example.com");
    expect(code).toMatch(/^\d{6}$/);
    // The console sender's purpose in dev: the code in the server's output (docs/otp.md).
    const logged = logs.lines
      .map((l) => JSON.parse(l))
      .filter((l) => l.msg === "OTP (console sender, dev mode)");
    expect(logged).toEqual([
      expect.objectContaining({ app_id: s.appId, channel: "email", to: "otp.user@example.com", code }),
    ]);
    const messages = (await s.mgmt("GET", "/dev/messages")).body.messages;
    expect(messages[0]).toMatchObject({
      channel: "email",
      to: "otp.user@example.com",
      code,
      body: expect.stringContaining(code),
    });

    const c = new SessionClient(s, host);
    const cookie = cookieOf(start);
    const bad = await c.call("/v1/session/login/otp/check", { code: wrong(code) }, {}, { cookie });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe("bad_check_code");
    expect(bad.headers["dpop-nonce"]).toBeTruthy();
    const ok = await c.call("/v1/session/login/otp/check", { code }, {}, { cookie });
    expect(ok.status).toBe(200);
    expect(Object.keys(ok.body).sort()).toEqual(["access_token", "expires_at"]);
    expect(ok.headers["x-refresh-token"]).toMatch(/^ovr_/);
    // One refresh cookie and the verification cookie cleared: nothing set twice.
    const cookies = ok.headers["set-cookie"] as string[];
    expect(cookies).toHaveLength(2);
    expect(cookies[0]).toMatch(new RegExp(`^__Host-refresh_${s.appId}=ovr_`));
    expect(cookies[1]).toMatch(new RegExp(`^__Host-verification-login_${s.appId}=; .*Max-Age=0`));
    const users = (
      await s.mgmt("GET", "/users?identifier_type=email_address&identifier_value=otp.user%40example.com")
    ).body.users;
    expect(users).toHaveLength(1);
    expect((await c.refresh()).status).toBe(200);
    const again = await c.call("/v1/session/login/otp/check", { code }, {}, { cookie });
    expect(again.status).toBe(401);
    // A second sign-in reuses the same user.
    const start2 = await post("/login/otp", {
      identifier: { type: "email_address", value: "otp.user@example.com" },
    });
    const c2 = new SessionClient(s, host);
    expect(
      (
        await c2.call(
          "/v1/session/login/otp/check",
          { code: await lastCode("otp.user@example.com") },
          {},
          { cookie: cookieOf(start2) },
        )
      ).status,
    ).toBe(200);
    expect(
      (await s.mgmt("GET", "/users?identifier_type=email_address&identifier_value=otp.user%40example.com"))
        .body.users,
    ).toHaveLength(1);
  });

  it("answers known and unknown recipients alike, creating nobody before the code is right", async () => {
    const before = (await s.mgmt("GET", "/users?limit=100")).body.users.length;
    const known = await post("/login/otp", { identifier: { value: "otp.user@example.com" } });
    const unknown = await post("/login/otp", { identifier: { value: "nobody.yet@example.com" } });
    expect(known.status).toBe(unknown.status);
    expect(Object.keys(known.headers).sort()).toEqual(Object.keys(unknown.headers).sort());
    expect((await s.mgmt("GET", "/users?limit=100")).body.users.length).toBe(before);
  });

  it("kills a verification after five checks and after ten minutes", async () => {
    const start = await post("/login/otp", { identifier: { value: "+33612345601" } });
    const code = await lastCode("+33612345601");
    const c = new SessionClient(s, host);
    for (let i = 0; i < 5; i++) {
      expect(
        (await c.call("/v1/session/login/otp/check", { code: wrong(code) }, {}, { cookie: cookieOf(start) }))
          .body.code,
      ).toBe("bad_check_code");
    }
    expect(
      (await c.call("/v1/session/login/otp/check", { code }, {}, { cookie: cookieOf(start) })).body.code,
    ).toBe("bad_check_code");

    const late = await post("/login/otp", { identifier: { value: "+33612345602" } });
    const lateCode = await lastCode("+33612345602");
    s.clock.advance(10 * 60_000 + 1_000);
    expect(
      (await c.call("/v1/session/login/otp/check", { code: lateCode }, {}, { cookie: cookieOf(late) })).body
        .code,
    ).toBe("bad_check_code");
  });

  it("resends after a cooldown; the new code replaces the old one", async () => {
    const start = await post("/login/otp", { identifier: { value: "retry@example.com" } });
    const cookie = cookieOf(start);
    const first = await lastCode("retry@example.com");
    const soon = await post("/login/otp/retry", undefined, { cookie });
    expect(soon.status).toBe(429);
    expect(soon.body.code).toBe("rate_limited");
    expect(Number(soon.headers["retry-after"])).toBeGreaterThan(0);
    s.clock.advance(31_000);
    expect((await post("/login/otp/retry", undefined, { cookie })).status).toBe(204);
    const second = await lastCode("retry@example.com");
    const c = new SessionClient(s, host);
    if (second !== first) {
      expect((await c.call("/v1/session/login/otp/check", { code: first }, {}, { cookie })).body.code).toBe(
        "bad_check_code",
      );
    }
    expect((await c.call("/v1/session/login/otp/check", { code: second }, {}, { cookie })).status).toBe(200);
    expect((await post("/login/otp/retry", undefined, { cookie: "nothing=here" })).status).toBe(401);
  });

  it("keeps counting checks across resends: a resend gives a new code, never new guesses", async () => {
    const start = await post("/login/otp", { identifier: { value: "+33612345611" } });
    const cookie = cookieOf(start);
    const c = new SessionClient(s, host);
    const check = async (code: string) =>
      (await c.call("/v1/session/login/otp/check", { code }, {}, { cookie })).body.code;
    for (let i = 0; i < 3; i++)
      expect(await check(wrong(await lastCode("+33612345611")))).toBe("bad_check_code");
    s.clock.advance(31_000);
    expect((await post("/login/otp/retry", undefined, { cookie })).status).toBe(204);
    const second = await lastCode("+33612345611");
    for (let i = 0; i < 2; i++) expect(await check(wrong(second))).toBe("bad_check_code");
    // Five checks used in all: the right code of the resend fails too, and the verification is dead.
    expect(await check(second)).toBe("bad_check_code");
    s.clock.advance(31_000);
    const dead = await post("/login/otp/retry", undefined, { cookie });
    expect(dead.status).toBe(401);
    expect(dead.body.code).toBe("unauthorized");

    // Killed by five wrong checks before any resend: no resend brings it back either.
    const other = await post("/login/otp", { identifier: { value: "+33612345612" } });
    const otherCookie = cookieOf(other);
    const code = await lastCode("+33612345612");
    for (let i = 0; i < 5; i++)
      await c.call("/v1/session/login/otp/check", { code: wrong(code) }, {}, { cookie: otherCookie });
    s.clock.advance(31_000);
    expect((await post("/login/otp/retry", undefined, { cookie: otherCookie })).status).toBe(401);
    expect(
      (await c.call("/v1/session/login/otp/check", { code }, {}, { cookie: otherCookie })).body.code,
    ).toBe("bad_check_code");
  });

  it("redeems a verification only on its own flow: a PKCE-bound one never reaches the web check", async () => {
    const verifier = randomBytes(32).toString("base64url");
    const codeChallenge = createHash("sha256").update(verifier).digest("base64url");
    const native = await post("/otp", {
      identifier: { value: "+33612345613" },
      code_challenge: codeChallenge,
    });
    const nativeToken = String(native.headers["x-verification-token"]);
    const code = await lastCode("+33612345613");
    // The web check would start a session at once, without the verifier.
    const c = new SessionClient(s, host);
    const crossed = await c.call(
      "/v1/session/login/otp/check",
      { code },
      {},
      { "x-verification-token": nativeToken },
    );
    expect(crossed.status).toBe(401);
    expect(crossed.body.code).toBe("unauthorized");
    expect(crossed.headers["x-refresh-token"]).toBeUndefined();
    s.clock.advance(31_000);
    expect((await post("/login/otp/retry", undefined, { "x-verification-token": nativeToken })).status).toBe(
      401,
    );
    // Untouched by the crossed attempts: the native check and finalize with the verifier still work.
    const checked = await post("/otp/check", { code }, { "x-verification-token": nativeToken });
    expect(checked.status).toBe(200);
    expect((await new SessionClient(s, host).finalize(checked.body.challenge_token, verifier)).status).toBe(
      200,
    );

    // And a web verification is not redeemed by the native check.
    const web = await post("/login/otp", { identifier: { value: "+33612345614" } });
    const webCode = await lastCode("+33612345614");
    const webToken = String(web.headers["x-verification-token"]);
    expect((await post("/otp/check", { code: webCode }, { "x-verification-token": webToken })).status).toBe(
      401,
    );
    expect((await post("/otp/check", { code: webCode }, { cookie: cookieOf(web) })).status).toBe(401);
    expect(
      (
        await new SessionClient(s, host).call(
          "/v1/session/login/otp/check",
          { code: webCode },
          {},
          { cookie: cookieOf(web) },
        )
      ).status,
    ).toBe(200);
  });

  it("native flow: /otp with PKCE, /otp/check → challenge token, finalize with the verifier", async () => {
    const verifier = randomBytes(32).toString("base64url");
    const codeChallenge = createHash("sha256").update(verifier).digest("base64url");
    const start = await post("/otp", {
      identifier: { type: "phone_number", value: "+33612345603" },
      code_challenge: codeChallenge,
    });
    expect(start.status).toBe(204);
    const token = String(start.headers["x-verification-token"]);
    const checked = await post(
      "/otp/check",
      { code: await lastCode("+33612345603") },
      { "x-verification-token": token },
    );
    expect(checked.status).toBe(200);
    expect(Object.keys(checked.body)).toEqual(["challenge_token"]);
    expect((await new SessionClient(s, host).finalize(checked.body.challenge_token)).body.code).toBe(
      "token_mismatch",
    );
    expect((await new SessionClient(s, host).finalize(checked.body.challenge_token, verifier)).status).toBe(
      200,
    );
  });

  it("rejects bad input with its code", async () => {
    for (const [body, code] of [
      [{ identifier: { type: "email_address", value: "nope" } }, "invalid_identifier"],
      [{ identifier: { value: "bob" } }, "invalid_identifier"],
      [{}, "bad_request"],
      [{ identifier: "a@b.co" }, "bad_request"],
      [{ identifier: { value: "a@b.co" }, extra: 1 }, "bad_request"],
    ] as const) {
      const res = await post("/login/otp", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code).toBe(code);
    }
    expect((await post("/otp", { code_challenge: "x".repeat(43) })).body.code).toBe("bad_request");
    expect((await post("/otp/check", { code: "123456" })).status).toBe(401);
    expect(
      (await post("/login/otp", { identifier: { value: "a@b.co" }, login_config_id: "lcfg_nope" })).body.code,
    ).toBe("bad_request");
  });

  it("manages OTP configs: defaults per channel, granted scopes on the session, chosen by login_config_id", async () => {
    const a = await s.mgmt("POST", "/config/login/otp", {
      config_type: "otp",
      channel_type: "email",
      is_default: true,
    });
    expect(a.status).toBe(201);
    expect(a.body.login_config).toMatchObject({
      id: expect.stringMatching(/^lcfg_/),
      channel_type: "email",
      is_default: true,
      delivery: { type: "console" },
    });
    // A granted scope must be an allowed scope first.
    const undeclared = await s.mgmt("POST", "/config/login/otp", {
      config_type: "otp",
      channel_type: "email",
      granted_scopes: ["prld:pwd:write"],
    });
    expect(undeclared.status).toBe(400);
    expect(undeclared.body.message).toMatch(/granted_scopes.*prld:pwd:write.*not an allowed scope/);
    expect((await s.mgmt("POST", "/config/scopes", { scope: "prld:pwd:write" })).status).toBe(201);
    const b = await s.mgmt("POST", "/config/login/otp", {
      config_type: "otp",
      channel_type: "email",
      is_default: true,
      granted_scopes: ["prld:pwd:write"],
    });
    const list = (await s.mgmt("GET", "/config/login/otp")).body.login_configs;
    expect(
      list.filter((c: { is_default: boolean }) => c.is_default).map((c: { id: string }) => c.id),
    ).toEqual([b.body.login_config.id]);

    const start = await post("/login/otp", { identifier: { value: "scoped@example.com" } });
    const c = new SessionClient(s, host);
    const res = await c.call(
      "/v1/session/login/otp/check",
      { code: await lastCode("scoped@example.com") },
      {},
      { cookie: cookieOf(start) },
    );
    const claims = JSON.parse(Buffer.from(res.body.access_token.split(".")[1], "base64url").toString());
    expect(claims.scope).toBe("prld:pwd:write");

    const viaA = await post("/login/otp", {
      identifier: { value: "plain@example.com" },
      login_config_id: a.body.login_config.id,
    });
    const c2 = new SessionClient(s, host);
    const res2 = await c2.call(
      "/v1/session/login/otp/check",
      { code: await lastCode("plain@example.com") },
      {},
      { cookie: cookieOf(viaA) },
    );
    expect(JSON.parse(Buffer.from(res2.body.access_token.split(".")[1], "base64url").toString()).scope).toBe(
      "",
    );
    expect(
      (
        await post("/login/otp", {
          identifier: { value: "+33612345604" },
          login_config_id: a.body.login_config.id,
        })
      ).body.code,
    ).toBe("bad_request");

    const updated = await s.mgmt("PUT", `/config/login/otp/${a.body.login_config.id}`, {
      config_type: "otp",
      channel_type: "email",
      sender_id: "Acme",
    });
    expect(updated.body.login_config).toMatchObject({ sender_id: "Acme", is_default: false });
    expect(
      (await s.mgmt("PUT", "/config/login/otp/lcfg_nope", { config_type: "otp", channel_type: "sms" }))
        .status,
    ).toBe(404);
    for (const bad of [
      { config_type: "otp" },
      { config_type: "magic", channel_type: "sms" },
      { config_type: "otp", channel_type: "sms", delivery: { type: "pigeon" } },
      { config_type: "otp", channel_type: "sms", granted_scopes: ["bad scope"] },
    ]) {
      expect((await s.mgmt("POST", "/config/login/otp", bad)).status).toBe(400);
    }
    for (const id of [a.body.login_config.id, b.body.login_config.id])
      expect((await s.mgmt("DELETE", `/config/login/otp/${id}`)).status).toBe(204);
    expect((await s.mgmt("DELETE", `/config/login/otp/${a.body.login_config.id}`)).status).toBe(404);
  });

  it("delivers through the http sender, and reports a failed send", async () => {
    const config = await s.mgmt("POST", "/config/login/otp", {
      config_type: "otp",
      channel_type: "sms",
      is_default: true,
      delivery: { type: "http", url: receiverUrl, headers: { authorization: "Bearer gateway-secret" } },
    });
    expect(config.status).toBe(201);
    const start = await post("/otp", { identifier: { value: "+33612345605" } });
    expect(start.status).toBe(204);
    const sent = received().at(-1)!;
    expect(sent.body).toMatchObject({
      app_id: s.appId,
      channel: "sms",
      to: "+33612345605",
      code: expect.stringMatching(/^\d{6}$/),
    });
    const checked = await post(
      "/otp/check",
      { code: sent.body.code },
      { "x-verification-token": String(start.headers["x-verification-token"]) },
    );
    expect(checked.status).toBe(200);

    receiverStatus = 500;
    const failed = await post("/otp", { identifier: { value: "+33612345606" } });
    receiverStatus = 200;
    expect(failed.status).toBe(502);
    expect(failed.body).toMatchObject({ code: "delivery_failed", type: "bad_gateway" });
    const events = await s.store.outbox.list(s.appId, { limit: 10_000 });
    expect(events.at(-1)).toMatchObject({
      type: "otp.delivery_failed",
      payload: { channel: "sms", reason: "the sender answered HTTP 500" },
    });
    await s.mgmt("DELETE", `/config/login/otp/${config.body.login_config.id}`);
  });

  it("delivers email through SMTP with authentication, keeping credentials sealed", async () => {
    const { SMTPServer } = await import("smtp-server");
    const mails: { to: string; data: string }[] = [];
    const smtp = new SMTPServer({
      authOptional: false,
      allowInsecureAuth: true,
      disabledCommands: ["STARTTLS"],
      logger: false,
      onAuth: (auth, _session, cb) =>
        auth.username === "mailer" && auth.password === "smtp-secret-123"
          ? cb(null, { user: "mailer" })
          : cb(new Error("bad credentials")),
      onData: (stream, session, cb) => {
        let data = "";
        stream.on("data", (c: Buffer) => {
          data += c.toString();
        });
        stream.on("end", () => {
          mails.push({ to: session.envelope.rcptTo[0]?.address ?? "", data });
          cb();
        });
      },
    });
    await new Promise<void>((r) => smtp.listen(0, "127.0.0.1", () => r()));
    const port = (smtp.server.address() as AddressInfo).port;
    try {
      const smtpConfig = (password: string, requireTls = false) => ({
        config_type: "otp",
        channel_type: "email",
        is_default: true,
        delivery: {
          type: "smtp",
          host: "127.0.0.1",
          port,
          require_tls: requireTls,
          username: "mailer",
          password,
          from: "Acme <no-reply@acme.test>",
        },
      });
      const created = await s.mgmt("POST", "/config/login/otp", smtpConfig("smtp-secret-123"));
      expect(created.status).toBe(201);
      expect(created.body.login_config.delivery).toEqual({
        type: "smtp",
        host: "127.0.0.1",
        port,
        secure: false,
        require_tls: false,
        username: "mailer",
        password_set: true,
        from: "Acme <no-reply@acme.test>",
      });
      expect(created.text).not.toContain("smtp-secret-123");
      const stored = await s.db.database.db
        .selectFrom("otp_configs")
        .select("value")
        .where("id", "=", created.body.login_config.id)
        .executeTakeFirstOrThrow();
      expect(stored.value).not.toContain("smtp-secret-123");

      const start = await post("/login/otp", { identifier: { value: "mail.me@example.com" } });
      expect(start.status).toBe(204);
      expect(mails).toHaveLength(1);
      expect(mails[0]?.to).toBe("mail.me@example.com");
      const code = /Your verification code is (\d{6})/.exec(mails[0]?.data ?? "")?.[1];
      expect(code).toMatch(/^\d{6}$/);
      const c = new SessionClient(s, host);
      expect(
        (await c.call("/v1/session/login/otp/check", { code }, {}, { cookie: cookieOf(start) })).status,
      ).toBe(200);

      const id = created.body.login_config.id;
      await s.mgmt("PUT", `/config/login/otp/${id}`, smtpConfig("wrong-password"));
      const refused = await post("/login/otp", { identifier: { value: "mail.me@example.com" } });
      expect(refused.status).toBe(502);
      expect(refused.body.code).toBe("delivery_failed");
      await s.mgmt("PUT", `/config/login/otp/${id}`, smtpConfig("smtp-secret-123", true));
      const noTls = await post("/login/otp", { identifier: { value: "mail.me@example.com" } });
      expect(noTls.status).toBe(502);
      expect(mails).toHaveLength(1);
      await s.mgmt("DELETE", `/config/login/otp/${id}`);
    } finally {
      await new Promise<void>((r) => smtp.close(() => r()));
    }
  });

  it("passes the http sender's sealed headers to the gateway", async () => {
    const config = await s.mgmt("POST", "/config/login/otp", {
      config_type: "otp",
      channel_type: "sms",
      is_default: true,
      delivery: { type: "http", url: receiverUrl, headers: { "x-gateway-key": "gw-secret-456" } },
    });
    expect(config.body.login_config.delivery).toEqual({
      type: "http",
      url: receiverUrl,
      header_names: ["x-gateway-key"],
    });
    expect(config.text).not.toContain("gw-secret-456");
    const stored = await s.db.database.db
      .selectFrom("otp_configs")
      .select("value")
      .where("id", "=", config.body.login_config.id)
      .executeTakeFirstOrThrow();
    expect(stored.value).not.toContain("gw-secret-456");
    expect((await post("/otp", { identifier: { value: "+33612345607" } })).status).toBe(204);
    expect(received().at(-1)?.headers["x-gateway-key"]).toBe("gw-secret-456");
    await s.mgmt("DELETE", `/config/login/otp/${config.body.login_config.id}`);
  });

  it("in prod mode: no built-in console sender, no dev messages", async () => {
    // On an app of its own: switching its mode must not change what the other tests see.
    const own = await s.forNewApp("prod-otp");
    const ownPost = (path: string, body: unknown) =>
      s.inject({
        method: "POST",
        url: `/v1/session${path}`,
        headers: { host: `${own.appId}.localhost`, "content-type": "application/json" },
        payload: JSON.stringify(body),
      });
    await own.mgmt("PUT", "/mode", { mode: "prod" });
    const res = await ownPost("/login/otp", { identifier: { value: "prod@example.com" } });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe("forbidden");
    expect((await own.mgmt("GET", "/dev/messages")).status).toBe(404);
    await own.mgmt("POST", "/config/login/otp", {
      config_type: "otp",
      channel_type: "email",
      delivery: { type: "console" },
    });
    const refused = await ownPost("/login/otp", { identifier: { value: "prod@example.com" } });
    expect(refused.status).toBe(502);
    expect(refused.body.code).toBe("delivery_failed");
    // Nor a code in the log: a prod app's console sender sends nothing at all.
    expect(logs.lines.join("")).not.toContain("prod@example.com");
  });
});
