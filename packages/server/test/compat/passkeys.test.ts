import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { type Browser, type CDPSession, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeDevCert } from "../../src/cli/dev-cert.js";
import { issueChallengeToken } from "../../src/domain/sessions/challenge-token.js";
import { passkeyRule } from "../support/passkey-setup.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

/**
 * Passkeys with a real browser authenticator: Chromium's virtual authenticator (DevTools protocol
 * `WebAuthn.addVirtualAuthenticator`, driven by playwright-core) answers `navigator.credentials`
 * on an HTTPS page that uses @overture/sdk's session client against this server. Register, list,
 * log in, step up with verify_passkey, a copied authenticator, a page on another origin, user
 * verification missing, and delete (docs/passkeys.md).
 */
const CHROMIUM = process.env.OVERTURE_CHROMIUM ?? "/usr/bin/chromium";
const root = fileURLToPath(new URL("../../../../", import.meta.url));

interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId: string;
  privateKey: string;
  userHandle: string;
  signCount: number;
}

// Under CI a missing browser is a failure, never a skip.
describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)(
  `passkeys in Chromium with a virtual authenticator${existsSync(CHROMIUM) ? "" : ` (skipped: no Chromium at ${CHROMIUM})`}`,
  () => {
    let s: TestServer;
    let browser: Browser;
    let apiOrigin: string;
    let pageOrigin: string;
    let otherOrigin: string;
    const servers: Server[] = [];
    let userId: string;
    let main: { page: Page; cdp: CDPSession; authenticatorId: string };

    /** A tab on `origin` with the page, and an authenticator of its own: internal, resident keys, UV. */
    async function openTab(origin: string) {
      const page = await browser.newPage();
      await page.goto(`${origin}/`);
      await page.waitForFunction(() => "createSessionClient" in globalThis);
      const cdp = await page.context().newCDPSession(page);
      await cdp.send("WebAuthn.enable");
      const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
        options: {
          protocol: "ctap2",
          transport: "internal",
          hasResidentKey: true,
          hasUserVerification: true,
          isUserVerified: true,
          automaticPresenceSimulation: true,
        },
      });
      return { page, cdp, authenticatorId };
    }

    /** Runs `script` in the tab with `c`, one session client per tab; errors come back as `{error, code}`. */
    // biome-ignore lint/suspicious/noExplicitAny: results cross the page boundary as plain JSON
    const inTab = (page: Page, script: string, arg: unknown = null): Promise<any> =>
      page.evaluate(
        async ([source, api, a]) => {
          const w = globalThis as unknown as {
            createSessionClient: (o: { baseUrl: string }) => unknown;
            client?: unknown;
          };
          w.client ??= w.createSessionClient({ baseUrl: api as string });
          try {
            return await new Function("c", "arg", `return (async () => { ${source} })()`)(w.client, a);
          } catch (e) {
            return {
              error: (e as Error).name,
              code: (e as { code?: string }).code,
              message: (e as Error).message,
            };
          }
        },
        [script, apiOrigin, arg] as const,
      );

    const credentials = async (tab: typeof main) =>
      (await tab.cdp.send("WebAuthn.getCredentials", { authenticatorId: tab.authenticatorId }))
        .credentials as VirtualCredential[];

    beforeAll(async () => {
      const dir = mkdtempSync(join(tmpdir(), "overture-passkeys-"));
      const certs = writeDevCert(dir);
      if ("error" in certs) throw new Error(certs.error);
      const tls = { cert: readFileSync(certs.cert), key: readFileSync(certs.key) };
      s = await startTestServer("sqlite", {}, { https: tls });
      apiOrigin = `https://localhost:${new URL(await s.app.listen({ port: 0, host: "127.0.0.1" })).port}`;

      await build({
        stdin: {
          contents:
            'import { createSessionClient, browserWebAuthn } from "@overture/sdk";\n' +
            "Object.assign(globalThis, { createSessionClient, browserWebAuthn });\n",
          resolveDir: root,
        },
        bundle: true,
        format: "esm",
        platform: "browser",
        conditions: ["source"],
        outfile: join(dir, "sdk.js"),
        logLevel: "silent",
      });
      const files: Record<string, [string, string]> = {
        "/": ["text/html", '<!doctype html><script type="module" src="/sdk.js"></script>'],
        "/sdk.js": ["text/javascript", readFileSync(join(dir, "sdk.js"), "utf8")],
      };
      const origins: string[] = [];
      for (let i = 0; i < 2; i++) {
        const server = createServer(tls, (req, res) => {
          const file = files[(req.url ?? "").split("?")[0] ?? ""];
          if (!file) return res.writeHead(404).end();
          res.writeHead(200, { "content-type": file[0] }).end(file[1]);
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        servers.push(server);
        origins.push(`https://localhost:${(server.address() as AddressInfo).port}`);
      }
      [pageOrigin, otherOrigin] = origins as [string, string];

      for (const scope of ["prld:passkey:write", "payments:write"])
        expect((await s.mgmt("POST", "/config/scopes", { scope })).status).toBe(201);
      const config = await s.mgmt("PUT", "/config/passkey", {
        rp_id: "localhost",
        rp_name: "Overture test",
        allowed_origins: [pageOrigin],
        login_enabled: true,
      });
      expect(config.status, config.text).toBe(200);
      const stepUp = await s.mgmt("POST", "/config/stepup", {
        step_keys: [],
        allowed_scopes: [passkeyRule("payments:write")],
      });
      expect(stepUp.status, stepUp.text).toBe(201);
      userId = (await s.mgmt("POST", "/users", { identifiers: [{ value: "chromium@example.com" }] })).body.id;

      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ["--ignore-certificate-errors", "--no-sandbox", "--disable-gpu", "--no-first-run"],
      });
      main = await openTab(pageOrigin);
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      for (const server of servers) await new Promise((r) => server.close(r));
      await s?.close();
    });

    it("registers a passkey in a session that holds prld:passkey:write, and lists it", async () => {
      const app = (await s.store.apps.get(s.appId))!;
      const challenge = await issueChallengeToken(
        s.keys,
        app,
        apiOrigin,
        { userId, method: "otp", scopes: ["prld:passkey:write"] },
        s.clock.now(),
      );
      expect(await inTab(main.page, "return typeof (await c.finalizeLogin(arg));", challenge)).toBe("string");
      const registered = await inTab(main.page, 'return await c.registerPasskey({ nickname: "Chromium" });');
      expect(registered, JSON.stringify(registered)).toMatchObject({
        id: expect.stringMatching(/^pkc_/),
        nickname: "Chromium",
        transports: expect.arrayContaining(["internal"]),
        last_used_at: null,
      });
      const held = await credentials(main);
      expect(held).toHaveLength(1);
      expect(held[0]).toMatchObject({ isResidentCredential: true, rpId: "localhost" });
      expect(Buffer.from(held[0]!.credentialId, "base64").toString("base64url")).toBe(
        registered.credential_id,
      );
      expect(Buffer.from(held[0]!.userHandle, "base64").toString()).toBe(userId);
      expect(await inTab(main.page, "return await c.listPasskeys();")).toEqual([registered]);
      // The same authenticator again: excludeCredentials makes it refuse before anything is sent.
      expect(await inTab(main.page, "return await c.registerPasskey();")).toMatchObject({
        error: "InvalidStateError",
      });
      expect(await credentials(main)).toHaveLength(1);
    });

    it("signs in with the discoverable passkey, no username asked", async () => {
      const result = await inTab(
        main.page,
        `const fresh = createSessionClient({ baseUrl: arg });
         const token = await fresh.loginWithPasskey();
         return JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));`,
        apiOrigin,
      );
      expect(result).toMatchObject({ sub: userId });
      const stored = await s.store.passkeys.listForUser(s.appId, userId);
      expect(stored[0]?.lastUsedAt).toEqual(expect.any(Number));
      expect(stored[0]?.signCount).toBe((await credentials(main))[0]?.signCount);
    });

    it("steps up with verify_passkey", async () => {
      const result = await inTab(
        main.page,
        `const state = await c.requestStepUp({ scope: "payments:write" });
         if (state.status !== "pending") return state;
         const allowed = state.passkeyOptions.allowCredentials.length;
         const done = await c.verifyPasskeyStep(state);
         return { step: state.currentStep, allowed, status: done.status,
                  scope: JSON.parse(atob(done.accessToken.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"))).scope };`,
      );
      expect(result).toEqual({
        step: "verify_passkey",
        allowed: 1,
        status: "completed",
        scope: expect.stringContaining("payments:write"),
      });
    });

    it("refuses a copy of the authenticator whose counter is behind, and records it", async () => {
      const [original] = await credentials(main);
      expect(original!.signCount).toBeGreaterThan(0);
      const copy = await openTab(pageOrigin);
      await copy.cdp.send("WebAuthn.addCredential", {
        authenticatorId: copy.authenticatorId,
        credential: { ...original!, signCount: original!.signCount - 1 },
      });
      const result = await inTab(copy.page, "return await c.loginWithPasskey();");
      expect(result).toMatchObject({ code: "passkey_clone_detected" });
      const events = await s.store.outbox.list(s.appId, { limit: 1000 });
      expect(events.filter((e) => e.type === "user.passkey.clone_detected")).toHaveLength(1);
      await copy.page.close();
      // The genuine authenticator is ahead, and still signs in.
      expect(
        typeof (await inTab(
          main.page,
          "return await createSessionClient({ baseUrl: arg }).loginWithPasskey();",
          apiOrigin,
        )),
      ).toBe("string");
    });

    it("refuses an assertion made on a page whose origin the config does not allow", async () => {
      const [original] = await credentials(main);
      const elsewhere = await openTab(otherOrigin);
      await elsewhere.cdp.send("WebAuthn.addCredential", {
        authenticatorId: elsewhere.authenticatorId,
        credential: { ...original!, signCount: original!.signCount + 100 },
      });
      const result = await inTab(elsewhere.page, "return await c.loginWithPasskey();");
      expect(result).toMatchObject({ code: "invalid_passkey", message: expect.stringContaining("origin") });
      await elsewhere.page.close();
    });

    it("refuses an assertion without user verification when the config requires it", async () => {
      await main.cdp.send("WebAuthn.setUserVerified", {
        authenticatorId: main.authenticatorId,
        isUserVerified: false,
      });
      try {
        // A page that lowers the requirement on its own: the server holds to its config.
        const result = await inTab(
          main.page,
          `const webauthn = browserWebAuthn();
           const lax = { create: webauthn.create, get: (o) => webauthn.get({ ...o, userVerification: "discouraged" }) };
           return await createSessionClient({ baseUrl: arg, webauthn: lax }).loginWithPasskey();`,
          apiOrigin,
        );
        expect(result).toMatchObject({ code: "invalid_passkey", message: expect.stringMatching(/verif/i) });
      } finally {
        await main.cdp.send("WebAuthn.setUserVerified", {
          authenticatorId: main.authenticatorId,
          isUserVerified: true,
        });
      }
    });

    it("deletes the passkey, which then signs in no more", async () => {
      const [passkey] = await inTab(main.page, "return await c.listPasskeys();");
      expect(
        await inTab(
          main.page,
          "await c.deletePasskey(arg); return await c.listPasskeys();",
          passkey.credential_id,
        ),
      ).toEqual([]);
      const result = await inTab(
        main.page,
        "return await createSessionClient({ baseUrl: arg }).loginWithPasskey();",
        apiOrigin,
      );
      expect(result).toMatchObject({ code: "invalid_passkey" });
      const events = await s.store.outbox.list(s.appId, { limit: 1000 });
      expect(events.filter((e) => e.type === "user.passkey.deleted")).toHaveLength(1);
    });
  },
);
