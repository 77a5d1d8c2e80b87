import { copyFileSync, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeDevCert } from "../../src/cli/dev-cert.js";
import { startTestIdp, type TestIdp } from "../support/oidc-idp.js";
import { SessionClient } from "../support/session-client.js";
import { startStepBackend } from "../support/step-backend.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

/**
 * The compatibility bar: Prelude's published web SDK (@prelude.so/js-sdk 0.6.0), unmodified, in
 * headless Chromium, against this server over HTTPS. The page and the API are on different
 * localhost ports: cross-origin but same-site, like app.example.com and session.example.com.
 */
const CHROMIUM = process.env.OVERTURE_CHROMIUM ?? "/usr/bin/chromium";
const root = fileURLToPath(new URL("../../../../", import.meta.url));

// Under CI a missing browser is a failure, never a skip.
describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)(
  `the real web SDK in Chromium${existsSync(CHROMIUM) ? "" : ` (skipped: no Chromium at ${CHROMIUM}; apt-get install chromium, or set OVERTURE_CHROMIUM)`}`,
  () => {
    let s: TestServer;
    let browser: Browser;
    let page: Page;
    let pageServer: Server;
    let domain: string;
    let backend: Awaited<ReturnType<typeof startStepBackend>>;
    let idp: TestIdp;
    let pageOrigin: string;
    const responses: { path: string; status: number; code?: string }[] = [];
    const pending: Promise<void>[] = [];

    beforeAll(async () => {
      const dir = mkdtempSync(join(tmpdir(), "overture-compat-"));
      const certs = writeDevCert(dir);
      if ("error" in certs) throw new Error(certs.error);
      const tls = { cert: readFileSync(certs.cert), key: readFileSync(certs.key) };
      // A local OpenID provider standing in for Google (docs/social-login.md, endpoint override).
      idp = await startTestIdp({ shape: "google", clientId: "web-client", clientSecret: "web-secret" });
      s = await startTestServer(
        "sqlite",
        { OVERTURE_OAUTH_ENDPOINTS: JSON.stringify({ google: idp.url }) },
        { https: tls },
      );
      // A short access token, so the test can let it expire without leaving the DPoP iat window.
      await s.db.database.db.updateTable("apps").set({ access_ttl_seconds: 60 }).execute();
      await s.mgmt("POST", "/config/login/password", {});
      // What tokens carry: a scope the OTP login grants, and a claims mapping (docs/scopes-and-claims.md).
      await s.mgmt("POST", "/config/scopes", { scope: "read:reports" });
      await s.mgmt("POST", "/config/scopes", { scope: "export:reports" });
      await s.mgmt("POST", "/config/login/otp", {
        config_type: "otp",
        channel_type: "email",
        is_default: true,
        granted_scopes: ["read:reports"],
      });
      await s.mgmt("POST", "/config/claims", {
        mapping: {
          app: "overture-compat",
          email: { $input: "email", $type: "string" },
          locale: { $input: "locale", $type: "string" },
          account: { plan: { $custom_claim: "plan" } },
        },
      });
      // Step-up (docs/step-up.md): an OTP step, a grant at once, a block, and a custom step whose
      // verification tokens come from a test backend with its own JWKS.
      backend = await startStepBackend("backend", () => s.clock.now());
      for (const scope of ["transfer:large", "profile:edit", "admin:all", "kyc:passed"])
        await s.mgmt("POST", "/config/scopes", { scope });
      const email = ["email_address"];
      const stepUp = await s.mgmt("POST", "/config/stepup", {
        jwks_url: backend.jwksUrl,
        step_keys: [{ key: "kyc", description: "identity document check" }],
        allowed_scopes: [
          {
            scope: "transfer:large",
            mode: "direct",
            direct: {
              identifier_types: email,
              status: "review",
              granted_for: 300,
              grant_mode: "session-bound",
              steps: [{ order: 1, key: "verify_email", expiration_duration: 600 }],
            },
          },
          {
            scope: "profile:edit",
            mode: "direct",
            direct: {
              identifier_types: email,
              status: "continue",
              granted_for: 300,
              grant_mode: "session-bound",
            },
          },
          { scope: "admin:all", mode: "direct", direct: { identifier_types: email, status: "block" } },
          {
            scope: "kyc:passed",
            mode: "direct",
            direct: {
              identifier_types: email,
              status: "review",
              granted_for: 300,
              grant_mode: "session-bound",
              steps: [{ order: 1, key: "kyc", expiration_duration: 300 }],
            },
          },
        ],
      });
      if (stepUp.status !== 201) throw new Error(stepUp.text);
      const api = await s.app.listen({ port: 0, host: "127.0.0.1" });
      domain = `localhost:${new URL(api).port}`;
      idp.allowRedirects([`https://${domain}/v1/session/login/oauth/google/callback`]);
      await s.mgmt("POST", "/config/login/oauth/google", {
        client_id: "web-client",
        client_secret: "web-secret",
        options: { use_email_as_identifier: true },
      });

      await build({
        entryPoints: [fileURLToPath(new URL("./browser-entry.js", import.meta.url))],
        bundle: true,
        format: "esm",
        platform: "browser",
        outfile: join(dir, "bundle.js"),
        logLevel: "silent",
      });
      copyFileSync(
        join(root, "node_modules/@prelude.so/js-sdk/dist/inline/core-worker.js"),
        join(dir, "core-worker.js"),
      );
      const html: [string, string] = [
        "text/html",
        '<!doctype html><script type="module" src="/bundle.js"></script>',
      ];
      const files: Record<string, [string, string]> = {
        "/": html,
        // Where a social login returns, with ?challenge_token=…
        "/signed-in": html,
        "/bundle.js": ["text/javascript", readFileSync(join(dir, "bundle.js"), "utf8")],
        "/core-worker.js": ["text/javascript", readFileSync(join(dir, "core-worker.js"), "utf8")],
      };
      pageServer = createServer(tls, (req, res) => {
        const file = files[(req.url ?? "").split("?")[0] ?? ""];
        if (!file) return res.writeHead(404).end();
        res.writeHead(200, { "content-type": file[0] }).end(file[1]);
      });
      await new Promise<void>((r) => pageServer.listen(0, "127.0.0.1", r));

      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: [
          "--ignore-certificate-errors",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
        ],
      });
      page = await browser.newPage();
      // Recorded in arrival order at once; error codes are filled in when their bodies are read.
      page.on("response", (r) => {
        const url = new URL(r.url());
        if (!url.pathname.startsWith("/v1/session") || r.request().method() === "OPTIONS") return;
        const entry: (typeof responses)[number] = { path: url.pathname, status: r.status() };
        responses.push(entry);
        if (r.status() >= 400) {
          pending.push(
            r.json().then(
              (body: { code?: string }) => {
                if (body.code) entry.code = body.code;
              },
              () => {},
            ),
          );
        }
      });
      pageOrigin = `https://localhost:${(pageServer.address() as AddressInfo).port}`;
      await page.goto(`${pageOrigin}/`);
      await page.waitForFunction(() => "PrldSessionClient" in globalThis);
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await new Promise((r) => pageServer?.close(r));
      await s?.close();
      await backend?.close();
      await idp?.close();
    });

    /** Runs `script` in the page with a client for the API domain; errors come back as `{error}`. */
    // biome-ignore lint/suspicious/noExplicitAny: results cross the page boundary as plain JSON
    const inPage = (script: string, arg: unknown = null): Promise<any> =>
      page.evaluate(
        async ([source, d, a]) => {
          const w = globalThis as unknown as {
            PrldSessionClient: new (o: { domain: string }) => unknown;
            client?: unknown;
          };
          w.client ??= new w.PrldSessionClient({ domain: d as string });
          try {
            return await new Function("c", "arg", `return (async () => { ${source} })()`)(w.client, a);
          } catch (e) {
            return { error: (e as Error).name, message: (e as Error).message };
          }
        },
        [script, domain, arg] as const,
      );
    const since = async (mark: number) => {
      await Promise.all(pending);
      return responses.slice(mark);
    };
    const lastCode = async (to: string) =>
      ((await s.mgmt("GET", "/dev/messages")).body.messages as { to: string; code: string }[]).find(
        (m) => m.to === to,
      )?.code;

    it("OTP login: a wrong code, the DPoP nonce round-trip, then the right code", async () => {
      const mark = responses.length;
      expect(
        await inPage(
          `await c.startOTPLogin({ identifier: { type: "email_address", value: "web@example.com" } }); return "sent";`,
        ),
      ).toBe("sent");
      const code = await lastCode("web@example.com");
      expect(code).toMatch(/^\d{6}$/);
      const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
      expect(await inPage("return await c.checkOTP(arg);", wrong)).toMatchObject({
        error: "BadRequestError",
      });
      const ok = await inPage("return await c.checkOTP(arg);", code);
      expect(ok).toMatchObject({ access_token: expect.any(String), expires_at: expect.any(Number) });
      expect((await since(mark)).map((r) => `${r.path} ${r.status} ${r.code ?? ""}`.trim())).toEqual([
        "/v1/session/login/otp 204",
        "/v1/session/login/otp/check 400 use_dpop_nonce",
        "/v1/session/login/otp/check 400 bad_check_code",
        "/v1/session/login/otp/check 200",
      ]);
      const profile = await inPage("return await c.getProfile();");
      expect(profile).toMatchObject({
        sub: expect.stringMatching(/^usr_/),
        sid: expect.stringMatching(/^ses_/),
        // The OTP config's granted scope and the mapped claims, at the token's top level.
        scope: "read:reports",
        app: "overture-compat",
        email: "web@example.com",
        locale: expect.stringMatching(/^[a-z]{2}(-[A-Z]{2})?$/),
      });
      expect(profile.account).toBeUndefined();
      expect(await inPage("return await c.getSessionId();")).toBe(profile.sid);
    });

    it("getProfile() shows a user scope and a profile field granted since, after a refresh", async () => {
      const sub = (await inPage("return (await c.getProfile()).sub;")) as string;
      await s.mgmt("POST", `/users/${sub}/scopes`, { scope: "export:reports" });
      await s.mgmt("PATCH", `/users/${sub}/profile`, { plan: "pro" });
      const profile = await inPage(
        "await c.invalidateCache(); await c.refresh(); return await c.getProfile();",
      );
      expect(profile).toMatchObject({
        scope: "export:reports read:reports",
        app: "overture-compat",
        account: { plan: "pro" },
      });
    });

    it("refresh: cached without a request, then over the network with rotation", async () => {
      const mark = responses.length;
      const cached = await inPage("const r = await c.refresh(); return r.user.accessToken;");
      expect(typeof cached).toBe("string");
      expect(await since(mark)).toEqual([]);
      const fresh = await inPage(
        "await c.invalidateCache(); const r = await c.refresh(); return r.user.accessToken;",
      );
      expect(fresh).not.toBe(cached);
      expect((await since(mark)).map((r) => `${r.path} ${r.status}`)).toEqual(["/v1/session/refresh 200"]);
    });

    it("/me/list: an expired access token answers 401, the SDK refreshes and retries", async () => {
      s.clock.advance(61_000);
      const mark = responses.length;
      const list = await inPage("return await c.listSessions();");
      expect(list).toMatchObject({ total: 1, limit: 10, offset: 0 });
      expect(list.sessions[0]).toMatchObject({ id: expect.stringMatching(/^ses_/), device_type: "desktop" });
      expect((await since(mark)).map((r) => `${r.path} ${r.status}`)).toEqual([
        "/v1/session/me/list 401",
        "/v1/session/refresh 200",
        "/v1/session/me/list 200",
      ]);
    });

    it("revokeSessions('others') ends the other sessions and keeps this one", async () => {
      const sub = (await inPage("return (await c.getProfile()).sub;")) as string;
      const elsewhere = new SessionClient(s, domain);
      expect((await elsewhere.signIn(sub)).status).toBe(200);
      expect(await inPage("return (await c.listSessions()).total;")).toBe(2);
      expect(await inPage(`await c.revokeSessions("others"); return "done";`)).toBe("done");
      expect((await elsewhere.refresh()).status).toBe(401);
      expect(
        await inPage("await c.invalidateCache(); return typeof (await c.refresh()).user.accessToken;"),
      ).toBe("string");
    });

    const challengeScript = `globalThis.challenges ??= []; const onChallenge = (i) => globalThis.challenges.push(i);`;

    it("step-up review: requestStepUp → onChallenge → otpCreate → otpCheck → the SDK's own /refresh with the grant", async () => {
      const mark = responses.length;
      const asked = await inPage(
        `${challengeScript} const r = await c.requestStepUp({ scope: "transfer:large", metadata: { amount: "12000" }, onChallenge }); return { r, info: globalThis.challenges.at(-1) };`,
      );
      expect(asked.r).toEqual({ status: "review", challenge_token: expect.any(String) });
      const sub = (await inPage("return (await c.getProfile()).sub;")) as string;
      expect(asked.info).toMatchObject({
        currentStep: "verify_email",
        scopeRequested: "transfer:large",
        userId: sub,
        sessionId: await inPage("return await c.getSessionId();"),
        challengeId: expect.stringMatching(/^chl_/),
        steps: [{ order: 1, key: "verify_email", done: false, expirationDuration: 600 }],
        metadata: { amount: "12000" },
      });
      const challengeId = asked.info.challengeId as string;
      expect(await inPage(`await c.otpCreate({ challengeId: arg }); return "sent";`, challengeId)).toBe(
        "sent",
      );
      const code = (await lastCode("web@example.com")) as string;
      const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
      expect(await inPage(`return await c.otpCheck(arg[0], arg[1]);`, [challengeId, wrong])).toMatchObject({
        error: "BadRequestError",
      });
      const checked = await inPage(
        `${challengeScript} await c.otpCheck(arg[0], arg[1], onChallenge); return (await c.getProfile()).scope;`,
        [challengeId, code],
      );
      expect(String(checked).split(" ")).toContain("transfer:large");
      expect((await since(mark)).map((r) => `${r.path} ${r.status} ${r.code ?? ""}`.trim())).toEqual([
        "/v1/session/stepup/request 200",
        "/v1/session/otp 204",
        "/v1/session/otp/check 400 bad_check_code",
        "/v1/session/otp/check 200",
        "/v1/session/refresh 200",
      ]);
      const profile = await inPage("return await c.getProfile();");
      expect(profile.step_up_grants["transfer:large"]).toBeGreaterThan(Math.floor(s.clock.now() / 1000));
    });

    it("step-up continue: granted at once, the SDK spends it on /refresh", async () => {
      const mark = responses.length;
      const asked = await inPage(`return await c.requestStepUp({ scope: "profile:edit" });`);
      expect(asked.status).toBe("continue");
      expect(String((await inPage("return await c.getProfile();")).scope).split(" ")).toContain(
        "profile:edit",
      );
      expect((await since(mark)).map((r) => `${r.path} ${r.status}`)).toEqual([
        "/v1/session/stepup/request 200",
        "/v1/session/refresh 200",
      ]);
    });

    it("step-up block: no token, no refresh", async () => {
      const mark = responses.length;
      expect(await inPage(`return await c.requestStepUp({ scope: "admin:all" });`)).toEqual({
        status: "block",
      });
      expect((await since(mark)).map((r) => `${r.path} ${r.status}`)).toEqual([
        "/v1/session/stepup/request 200",
      ]);
    });

    it("step-up custom step: continueStepUp with a verification token from the app's backend", async () => {
      const asked = await inPage(
        `${challengeScript} const r = await c.requestStepUp({ scope: "kyc:passed", onChallenge }); return { r, info: globalThis.challenges.at(-1) };`,
      );
      expect(asked.info.currentStep).toBe("kyc");
      const mark = responses.length;
      const token = await backend.issue({
        userId: asked.info.userId,
        challengeId: asked.info.challengeId,
        key: "kyc",
      });
      const scope = await inPage(`await c.continueStepUp(arg); return (await c.getProfile()).scope;`, token);
      expect(String(scope).split(" ")).toContain("kyc:passed");
      expect((await since(mark)).map((r) => `${r.path} ${r.status}`)).toEqual([
        "/v1/session/stepup/continue 200",
        "/v1/session/refresh 200",
      ]);
    });

    it("step-up errors map to the SDK's exceptions: ScopeNotAllowedError, StepUpNotConfiguredError", async () => {
      expect(await inPage(`return await c.requestStepUp({ scope: "unknown:scope" });`)).toMatchObject({
        error: "ScopeNotAllowedError",
      });
      expect(
        await inPage(
          `return await c.requestStepUp({ scope: "profile:edit", metadata: { toolongkeyname: "x" } });`,
        ),
      ).toMatchObject({ error: "InvalidMetadataError" });
      const saved = (await s.mgmt("GET", "/config/stepup")).body.config;
      expect((await s.mgmt("DELETE", "/config/stepup")).status).toBe(204);
      expect(await inPage(`return await c.requestStepUp({ scope: "profile:edit" });`)).toMatchObject({
        error: "StepUpNotConfiguredError",
      });
      const { created_at: _c, updated_at: _u, ...config } = saved;
      expect((await s.mgmt("POST", "/config/stepup", config)).status).toBe(201);
    });

    it("logout, then refresh is UnauthorizedError", async () => {
      expect(await inPage(`await c.logout(); return "out";`)).toBe("out");
      expect(await inPage("return await c.refresh();")).toMatchObject({ error: "UnauthorizedError" });
    });

    it("password sign-up and login, with a wrong password refused", async () => {
      const creds = { identifier: "web-pw@example.com", password: "a fine password 1" };
      expect(await inPage(`await c.signUpWithEmail(arg); return (await c.getProfile()).sub;`, creds)).toMatch(
        /^usr_/,
      );
      expect(await inPage(`await c.logout(); return "out";`)).toBe("out");
      expect(
        await inPage("return await c.loginWithPassword(arg);", { ...creds, password: "not the password" }),
      ).toMatchObject({
        error: "UnauthorizedError",
      });
      expect(
        await inPage(`await c.loginWithPassword(arg); return (await c.listSessions()).total;`, creds),
      ).toBe(1);
      expect(await inPage("return await c.signUpWithEmail(arg);", creds)).toMatchObject({
        error: "ConflictError",
      });
    });

    it("password compliancy, validated locally with the server's rules", async () => {
      expect(await inPage("return await c.getPasswordCompliancy();")).toEqual({
        min_length: 8,
        max_length: 0,
        uppercase: 0,
        lowercase: 0,
        numbers: 0,
        symbols: 0,
      });
      expect(await inPage(`return (await c.validatePassword("short")).valid;`)).toBe(false);
      expect(await inPage(`return (await c.validatePassword("long enough")).valid;`)).toBe(true);
    });

    it("social login: loginWithOAuth through a real browser redirect round trip, then finalizeOAuthLogin", async () => {
      idp.next = { sub: "web-google-1", email: "oauth.web@example.com", email_verified: true };
      const mark = responses.length;
      // loginWithOAuth navigates the page away: to the provider, back through Overture's callback,
      // and on to the app's page with the challenge token.
      await Promise.all([
        page
          .waitForURL((url) => url.pathname === "/signed-in", { timeout: 20_000 })
          .catch(async () => {
            throw new Error(
              `the round trip stopped at ${page.url()}: ${(await page.content()).slice(0, 500)}`,
            );
          }),
        inPage(
          `await c.loginWithOAuth({ provider: "google", redirectURI: arg }); return "navigating";`,
          `${pageOrigin}/signed-in`,
        ).catch(() => "navigated"),
      ]);
      const landed = new URL(page.url());
      expect(landed.searchParams.get("error")).toBeNull();
      const challengeToken = landed.searchParams.get("challenge_token");
      expect(challengeToken).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      await page.waitForFunction(() => "PrldSessionClient" in globalThis);
      const profile = await inPage(
        "await c.finalizeOAuthLogin(arg); return await c.getProfile();",
        challengeToken,
      );
      expect(profile).toMatchObject({ sub: expect.stringMatching(/^usr_/) });
      const user = (await s.mgmt("GET", `/users/${profile.sub}`)).body.user;
      expect(user.identifiers.map((i: { value: string }) => i.value).sort()).toEqual([
        "google:web-google-1",
        "oauth.web@example.com",
      ]);
      // The verifier was the SDK's own, kept in localStorage across the round trip, then dropped.
      expect(await inPage(`return localStorage.getItem("prld.oauth.code_verifier");`)).toBeNull();
      expect((await since(mark)).map((r) => `${r.path} ${r.status}`)).toEqual(
        expect.arrayContaining([
          "/v1/session/login/oauth/google/authorize 200",
          "/v1/session/login/oauth/google/callback 302",
          "/v1/session/login/finalize 200",
        ]),
      );
      // The same account again lands on the same user.
      await inPage(`await c.logout(); return "out";`);
      await Promise.all([
        page.waitForURL((url) => url.pathname === "/signed-in" && url.search !== landed.search, {
          timeout: 30_000,
        }),
        inPage(
          `await c.loginWithOAuth({ provider: "google", redirectURI: arg }); return "navigating";`,
          `${pageOrigin}/signed-in`,
        ).catch(() => "navigated"),
      ]);
      await page.waitForFunction(() => "PrldSessionClient" in globalThis);
      const again = await inPage(
        "await c.finalizeOAuthLogin(arg); return await c.getProfile();",
        new URL(page.url()).searchParams.get("challenge_token"),
      );
      expect(again.sub).toBe(profile.sub);
    });
  },
);
