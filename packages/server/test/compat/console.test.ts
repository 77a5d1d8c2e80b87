import { createSessionClient, isApiError } from "@overture/sdk";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { issueChallengeToken } from "../../src/domain/sessions/challenge-token.js";
import { type ConsoleBrowser, openConsole } from "../support/console-browser.js";
import { describeEachDatabase } from "../support/test-databases.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

/**
 * The admin console in Chromium (docs/console.md), served by the server, signed in with an app's
 * management API key: sign-in (a wrong key shows the API's message), the app screen, the key kept
 * in sessionStorage only and cleared by sign-out, the landing page, a strict CSP with no console
 * error, an axe-core scan, and screenshots at 1280 and 390 px kept as test artifacts.
 */
describeEachDatabase("the admin console in Chromium", (dialect) => {
  let s: TestServer;
  let c: ConsoleBrowser;
  let page: Page;
  let origin: string;

  beforeAll(async () => {
    s = await startTestServer(dialect);
    c = await openConsole(s, dialect);
    ({ page, origin } = c);
  }, 60_000);
  afterAll(async () => {
    await c?.close();
    await s?.close();
  });

  it("leads from the server's root to the console and the API reference", async () => {
    const res = await page.goto(`${origin}/`);
    expect(res?.status()).toBe(200);
    expect(await page.getByRole("link", { name: "API reference" }).getAttribute("href")).toBe("/docs");
    await page.getByRole("link", { name: "Admin console" }).click();
    await page.getByLabel("App ID").waitFor();
    expect(page.url()).toBe(`${origin}/console/`);
  });

  it("signs in with the app's key, shows the app, and keeps the key in sessionStorage only", async () => {
    const res = await page.goto(`${origin}/console/`);
    const csp = res?.headers()["content-security-policy"] ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
    // Only the built files: nothing else under /console/ is served.
    for (const path of ["/console/package.json", "/console/..%2Fpackage.json", "/console/build.mjs"])
      expect((await s.inject({ method: "GET", url: path })).status, path).toBe(404);
    await c.shot("sign-in");
    expect(await c.axeViolations()).toEqual([]);

    await page.getByLabel("App ID").fill(s.appId);
    await page.getByLabel("Management API key").fill("wrong-key");
    await page.getByRole("button", { name: "Sign in" }).click();
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/\S/);

    await page.getByLabel("Management API key").fill(s.apiKey);
    // Only the keyboard from here: Enter submits the form.
    await page.getByLabel("Management API key").press("Enter");
    await page.getByRole("heading", { name: "App" }).waitFor();
    await page.getByTestId("app-mode").getByText("dev").waitFor();
    await c.shot("app");
    expect(await c.axeViolations()).toEqual([]);

    const stored = await page.evaluate(() =>
      JSON.stringify((globalThis as unknown as { sessionStorage: object }).sessionStorage),
    );
    expect(stored).toContain(s.apiKey);
    expect(await page.context().cookies()).toEqual([]);
    expect(page.url()).not.toContain(s.apiKey);
    await page.reload();
    await page.getByRole("heading", { name: "App" }).waitFor();

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("App ID").waitFor();
    expect(
      await page.evaluate(
        () => (globalThis as unknown as { sessionStorage: { length: number } }).sessionStorage.length,
      ),
    ).toBe(0);
    expect(c.problems.filter((p) => !/401|Failed to load resource/.test(p))).toEqual([]);
  });

  it("finds a user by email, revokes their session (the SDK's next refresh fails), sets a password, deletes", async () => {
    const created = await s.mgmt("POST", "/users", {
      identifiers: [{ type: "email_address", value: "console-user@example.com" }],
      external_id: "legacy-console-1",
    });
    expect(created.status, created.text).toBe(201);
    // A signed-in user of the app, through @overture/sdk's session client (DPoP, refresh rotation).
    const client = createSessionClient({ baseUrl: origin });
    const app = (await s.store.apps.get(s.appId))!;
    const challenge = await issueChallengeToken(
      s.keys,
      app,
      origin,
      { userId: created.body.id, method: "password" },
      Date.now(),
    );
    const sessionId = JSON.parse(
      Buffer.from((await client.finalizeLogin(challenge)).split(".")[1]!, "base64url").toString(),
    ).sid;
    await client.invalidateCache();
    expect(await client.refresh()).toMatch(/^ey/);

    await c.signIn();
    await page.getByRole("link", { name: "Users" }).click();
    await page.getByRole("heading", { name: "Users" }).waitFor();
    await page.getByLabel("Find by").selectOption("email_address");
    await page.getByLabel("Value").fill("console-user@example.com");
    await page.getByLabel("Value").press("Enter");
    // The unfiltered list may show the user first: wait for the search's one row.
    await expect.poll(() => page.getByRole("row").count()).toBe(2);
    await page.getByRole("link", { name: created.body.id }).waitFor();
    await c.shot("users");
    expect(await c.axeViolations()).toEqual([]);

    await page.getByRole("link", { name: created.body.id }).click();
    await page.getByRole("heading", { name: "console-user@example.com" }).waitFor();
    const revoke = page.getByRole("button", { name: `Revoke session ${sessionId}` });
    await revoke.waitFor();
    await c.shot("user");
    expect(await c.axeViolations()).toEqual([]);
    await revoke.click();
    await page.getByRole("status").getByText("revoked").waitFor();
    await page.getByText("No active session.").waitFor();
    await client.invalidateCache();
    expect(isApiError(await client.refresh().catch((e: unknown) => e), "unauthorized")).toBe(true);

    // A new password, then deletion behind a confirmation step.
    await page.getByLabel("New password").fill("console-chosen password 42");
    await page.getByRole("button", { name: "Set password" }).click();
    await page.getByRole("status").getByText("Password set.").waitFor();
    expect((await s.mgmt("GET", `/users/${created.body.id}`)).body.user.has_password).toBe(true);
    await page.getByRole("button", { name: "Delete user" }).click();
    await page.getByRole("button", { name: "Cancel" }).click();
    expect((await s.mgmt("GET", `/users/${created.body.id}`)).status).toBe(200);
    await page.getByRole("button", { name: "Delete user" }).click();
    await page.getByRole("button", { name: "Yes, delete" }).click();
    await page.getByRole("heading", { name: "Users" }).waitFor();
    expect((await s.mgmt("GET", `/users/${created.body.id}`)).status).toBe(404);
    const again = await s.mgmt("POST", "/users", {
      identifiers: [{ type: "email_address", value: "console-user@example.com" }],
      external_id: "legacy-console-1",
    });
    expect(again.status).toBe(201);

    // Search by external_id finds the same user; an unknown one finds nobody.
    await page.getByRole("link", { name: "Users" }).first().click();
    await page.getByLabel("Find by").selectOption("external_id");
    await page.getByLabel("Value").fill("legacy-console-1");
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByRole("link", { name: again.body.id }).waitFor();
    await page.getByLabel("Value").fill("nobody-here");
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByText("No user matches.").waitFor();
  });

  it("is off once an app is in prod, unless OVERTURE_CONSOLE=on", async () => {
    const other = await s.forNewApp("console-prod");
    expect((await other.mgmt("PUT", "/mode", { mode: "prod" })).status).toBe(204);
    try {
      expect((await page.goto(`${origin}/console/`))?.status()).toBe(404);
      await page.goto(`${origin}/`);
      expect(await page.getByRole("link", { name: "Admin console" }).count()).toBe(0);
    } finally {
      await other.mgmt("PUT", "/mode", { mode: "dev" });
    }
    const on = await startTestServer(dialect, { OVERTURE_CONSOLE: "on" });
    try {
      const again = await on.forNewApp("console-prod-on");
      await again.mgmt("PUT", "/mode", { mode: "prod" });
      expect((await on.inject({ method: "GET", url: "/console/" })).status).toBe(200);
    } finally {
      await on.close();
    }
    const off = await startTestServer(dialect, { OVERTURE_CONSOLE: "off" });
    try {
      expect((await off.inject({ method: "GET", url: "/console/console.js" })).status).toBe(404);
    } finally {
      await off.close();
    }
  });
});
