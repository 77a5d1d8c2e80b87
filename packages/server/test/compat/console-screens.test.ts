import { answerActivation } from "@overture/sdk";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { routeEvents } from "../../src/domain/webhooks/dispatch-webhooks.js";
import { startWebhookDispatcher } from "../../src/workers/webhook-dispatcher.js";
import { type ConsoleBrowser, openConsole } from "../support/console-browser.js";
import { json, startReceiver } from "../support/receiver.js";
import { describeEachDatabase } from "../support/test-databases.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

/**
 * The console's config and operations screens in Chromium (docs/console.md): the claims mapping
 * with its live token preview, the step-up form with the API's rule violations on their fields,
 * webhooks registered, activated against a local receiver and replayed, the migration overview,
 * the configs and scopes screens; axe and screenshots on each.
 */
describeEachDatabase("the admin console's screens in Chromium", (dialect) => {
  let s: TestServer;
  let c: ConsoleBrowser;
  let page: Page;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let dispatcher: ReturnType<typeof startWebhookDispatcher>;
  let verificationToken = "wrong";

  beforeAll(async () => {
    s = await startTestServer(dialect);
    c = await openConsole(s, dialect);
    page = c.page;
    receiver = await startReceiver((call, res) => {
      if (call.method !== "GET") return json(res, 200, {});
      // The endpoint checks its token: until the test sets the right one, the handshake fails.
      const answer = answerActivation(call.url, { verificationToken, appId: s.appId });
      json(res, answer.status, answer.body);
    });
    dispatcher = startWebhookDispatcher(s.domain, { error: () => {} }, { intervalMs: 20 });
    await c.signIn();
  }, 60_000);
  afterAll(async () => {
    dispatcher?.stop();
    await dispatcher?.idle();
    await c?.close();
    await receiver?.close();
    await s?.close();
  });

  const go = async (section: string, heading: string) => {
    await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: section }).click();
    await page.getByRole("heading", { name: heading, exact: true }).waitFor();
  };
  /** The error text the input is described by, once it is marked invalid. */
  const fieldError = async (input: ReturnType<Page["getByLabel"]>) => {
    await page.waitForFunction(
      (el) => el?.getAttribute("aria-invalid") === "true",
      await input.elementHandle(),
    );
    const ids = (await input.getAttribute("aria-describedby"))?.split(" ") ?? [];
    const texts = await Promise.all(ids.map((id) => page.locator(`#${id}`).textContent()));
    return texts.join(" ");
  };

  it("previews the token a chosen user would get while the claims mapping is edited, then saves it", async () => {
    const user = await s.mgmt("POST", "/users", {
      external_id: "claims-preview-1",
      identifiers: [{ type: "email_address", value: "preview@example.com" }],
      profile: { loyalty_tier: "gold" },
    });
    expect(user.status).toBe(201);
    await go("Claims", "Claims mapping");
    await page.getByLabel("Preview for user").fill("preview@example.com");
    const preview = page.getByTestId("token-preview");
    await preview.getByText(`"sub": "${user.body.id}"`).waitFor();
    expect(await preview.textContent()).not.toContain("tier");

    const editor = page.getByLabel("Mapping (JSON)");
    await editor.fill(JSON.stringify({ tier: { $custom_claim: "loyalty_tier" }, api_version: 2 }));
    await preview.getByText('"tier": "gold"').waitFor();
    await c.shot("claims");
    await editor.fill(JSON.stringify({ tier: "fixed", api_version: 2 }));
    await preview.getByText('"tier": "fixed"').waitFor();
    // A broken mapping says why in the preview, with the path the API names.
    await editor.fill(JSON.stringify({ sub: "x" }));
    await page.getByTestId("preview-error").getByText('mapping.sub: "sub" is a registered claim').waitFor();
    expect((await s.mgmt("GET", "/config/claims")).status).toBe(404);
    expect(await c.axeViolations()).toEqual([]);

    // Saving a broken mapping is refused on the field; a good one is stored.
    await page.getByRole("button", { name: "Create mapping" }).click();
    expect(await fieldError(editor)).toMatch(/registered claim/);
    await editor.fill(JSON.stringify({ tier: { $custom_claim: "loyalty_tier" } }));
    await page.getByRole("button", { name: "Create mapping" }).click();
    await page.getByRole("status").getByText("Claims mapping saved").waitFor();
    expect((await s.mgmt("GET", "/config/claims")).body.config).toMatchObject({
      mapping: { tier: { $custom_claim: "loyalty_tier" } },
      version: 1,
    });
  });

  it("shows the step-up config's rule violations on the field each concerns, and saves once they are fixed", async () => {
    await s.mgmt("POST", "/config/scopes", { scope: "payments:write" });
    await go("Step-up", "Step-up");
    await page.getByRole("button", { name: "Add a rule" }).click();
    const rule = page.getByRole("group", { name: "Rule 1" });

    // An empty scope: the schema's message, on the Scope field.
    await page.getByRole("button", { name: "Create step-up config" }).click();
    expect(await fieldError(rule.getByLabel("Scope"))).toMatch(/allowed_scopes\/0\/scope/);
    await rule.getByLabel("Scope").fill("payments:write");
    // A grant at once with no duration: the seed's rule, on the duration field.
    await rule.getByLabel("Decision").selectOption("continue");
    await rule.getByLabel("Granted for (seconds)").fill("");
    await page.getByRole("button", { name: "Create step-up config" }).click();
    const grantedFor = rule.getByLabel("Granted for (seconds)");
    expect(await fieldError(grantedFor)).toMatch(
      /allowed_scopes\[0\]\.direct\.granted_for is required when status is "continue"/,
    );
    expect(await rule.getByLabel("Scope").getAttribute("aria-invalid")).toBeNull();
    await c.shot("step-up-error");
    expect(await c.axeViolations()).toEqual([]);
    expect((await s.mgmt("GET", "/config/stepup")).status).toBe(404);

    // Then the step a "continue" rule must not have: shown with the steps.
    await grantedFor.fill("300");
    await page.getByRole("button", { name: "Create step-up config" }).click();
    await rule.getByText(/direct\.steps must be omitted when status is "continue"/).waitFor();
    await rule.getByRole("button", { name: "Remove step 1 of rule 1" }).click();
    await page.getByRole("button", { name: "Create step-up config" }).click();
    await page.getByRole("status").getByText("Step-up config saved.").waitFor();
    expect((await s.mgmt("GET", "/config/stepup")).body.config.allowed_scopes).toEqual([
      {
        scope: "payments:write",
        mode: "direct",
        direct: {
          identifier_types: ["email_address"],
          status: "continue",
          granted_for: 300,
          grant_mode: "single-use",
        },
      },
    ]);
    await page.getByRole("button", { name: "Save step-up config" }).waitFor();
  });

  it("registers a webhook, shows a failed and then a passed handshake, and replays a delivery", async () => {
    await go("Webhooks", "Webhooks");
    await page.getByText("No webhook").waitFor();
    await page.getByLabel("Endpoint URL").fill(receiver.url);
    await page.getByLabel("Verification token").fill("console-token");
    await page.getByRole("button", { name: "Register webhook" }).click();
    await page.getByTestId("webhook-state").getByText("inactive").waitFor();
    const id = (await s.mgmt("GET", "/webhooks")).body.webhooks[0].id as string;
    expect(page.url()).toContain(`#/webhooks/${id}`);

    // The endpoint does not know the token yet: the API's reason is shown, and it stays inactive.
    await page.getByRole("button", { name: "Activate" }).click();
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/\S/);
    expect((await s.mgmt("GET", `/webhooks/${id}`)).body.webhook.active).toBe(false);
    verificationToken = "console-token";
    await page.getByRole("button", { name: "Activate" }).click();
    await page.getByRole("status").getByText("Activated: the endpoint answered the challenge.").waitFor();
    await page.getByTestId("webhook-state").getByText("active").waitFor();

    const created = await s.mgmt("POST", "/users", { external_id: "webhook-console-1" });
    const posts = () => receiver.calls.filter((call) => call.method === "POST");
    for (let i = 0; i < 500 && posts().length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(posts()).toHaveLength(1);
    const eventId = JSON.parse(posts()[0]!.body).events[0].id as string;
    expect(JSON.parse(posts()[0]!.body).events[0].payload.user_id).toBe(created.body.id);

    // The log shows the delivery once it is marked delivered.
    const row = page.getByTestId("delivery").filter({ hasText: eventId });
    for (let i = 0; i < 50; i++) {
      await page.getByRole("button", { name: "Refresh" }).click();
      if (await row.getByText("delivered").count()) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await row.getByText("delivered").waitFor();
    await c.shot("webhook");
    expect(await c.axeViolations()).toEqual([]);

    await row.getByRole("button", { name: `Replay user.created ${eventId}` }).click();
    await page.getByRole("status").getByText(`Delivery of ${eventId} queued again.`).waitFor();
    for (let i = 0; i < 500 && posts().length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(posts()).toHaveLength(2);
    expect(JSON.parse(posts()[1]!.body).events.map((e: { id: string }) => e.id)).toEqual([eventId]);
    // Every delivery since a time: the browser's local time, a day back.
    const since = new Date(s.clock.now() - 86_400_000);
    const local = new Date(since.getTime() - since.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
    await page.getByLabel("Every delivered or failed event recorded since").fill(local);
    await page.getByRole("button", { name: "Replay", exact: true }).click();
    await page
      .getByRole("status")
      .getByText(/^[1-9]\d* deliver(y|ies) queued again\.$/)
      .waitFor();
    for (let i = 0; i < 500 && posts().length < 3; i++) await new Promise((r) => setTimeout(r, 20));
    expect(posts().length).toBeGreaterThanOrEqual(3);

    await go("Webhooks", "Webhooks");
    await page.getByRole("link", { name: receiver.url }).waitFor();
    await c.shot("webhooks");
  });

  it("charts the migration: users by source and the legacy traffic draining", async () => {
    // Four days of lazy migration: fewer legacy sessions each day, and one failed hook call.
    let n = 0;
    let failing = false;
    const hook = await startReceiver((_call, res) => {
      if (failing) return json(res, 500, {});
      n += 1;
      json(res, 200, {
        external_id: `legacy-${n % 6}`,
        identifiers: [{ value: `legacy-${n % 6}@example.com` }],
      });
    });
    try {
      await s.mgmt("POST", "/config/migration", { session_validation_url: hook.url });
      const exchange = () =>
        s.inject({
          method: "POST",
          url: "/v1/session/migration",
          headers: { host: `${s.appId}.localhost`, "content-type": "application/json" },
          payload: JSON.stringify({
            token: "legacy",
            code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
          }),
        });
      for (const [exchanges, failures] of [
        [5, 0],
        [4, 1],
        [2, 0],
        [1, 0],
      ] as const) {
        for (let i = 0; i < exchanges; i++) expect((await exchange()).status).toBe(200);
        failing = true;
        for (let i = 0; i < failures; i++) expect((await exchange()).status).toBe(502);
        failing = false;
        s.clock.advance(86_400_000);
      }
    } finally {
      await hook.close();
    }
    await s.mgmt("POST", "/users", { external_id: "backfilled-1" });
    // Counted as the outbox is routed: done here rather than waiting for the dispatcher's turn.
    while ((await routeEvents(s.domain, "console-test")) > 0);
    await go("Migration", "Migration");
    const overview = (await s.mgmt("GET", "/migration/overview")).body;
    expect(overview.totals).toMatchObject({ migrations: 12, hook_failures: 1 });
    await page.getByTestId("user-count").getByText(String(overview.user_count)).waitFor();
    const bars = async (chart: string) => page.getByTestId(chart).locator("rect title").allTextContents();
    await page.getByTestId("legacy-chart").locator("rect").first().waitFor();
    const day = (back: number) => new Date(s.clock.now() - back * 86_400_000).toISOString().slice(0, 10);
    expect(await bars("legacy-chart")).toEqual(
      expect.arrayContaining([
        `${day(4)}: Exchanged 5`,
        `${day(3)}: Exchanged 4`,
        `${day(3)}: Hook failures 1`,
        `${day(2)}: Exchanged 2`,
        `${day(1)}: Exchanged 1`,
      ]),
    );
    expect(await bars("users-chart")).toContainEqual(`${day(4)}: Lazy migration 5`);
    expect(await bars("users-chart")).toContainEqual(
      expect.stringMatching(new RegExp(`^${day(0)}: Backfill [1-9]`)),
    );
    await page.getByLabel("Window").selectOption("7");
    // The first day on the axis is now a week ago.
    await page
      .getByTestId("users-chart")
      .locator("text", { hasText: day(6) })
      .waitFor();
    await c.shot("migration");
    expect(await c.axeViolations()).toEqual([]);
  });

  it("is usable from the keyboard alone, with the focus visible", async () => {
    await page.goto(`${c.origin}/console/#/`);
    await page.getByRole("heading", { name: "App" }).waitFor();
    const focused = () =>
      page.evaluate(() => {
        const el = (
          globalThis as unknown as {
            document: { activeElement: { textContent: string | null; id: string } | null };
          }
        ).document.activeElement;
        return { text: el?.textContent?.trim() ?? "", id: el?.id ?? "" };
      });
    // Tab through the header to the Scopes section, and open it with Enter.
    for (let i = 0; i < 20 && (await focused()).text !== "Scopes"; i++) await page.keyboard.press("Tab");
    expect((await focused()).text).toBe("Scopes");
    const outline = await page.evaluate(() => {
      const d = globalThis as unknown as {
        document: { activeElement: unknown };
        getComputedStyle(e: unknown): { outlineStyle: string };
      };
      return d.getComputedStyle(d.document.activeElement).outlineStyle;
    });
    expect(outline).not.toBe("none");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Scopes and groups" }).waitFor();
    // Into the first field, type, submit with Enter: the scope is added.
    for (let i = 0; i < 30 && (await focused()).id !== "add-allowed-scope"; i++)
      await page.keyboard.press("Tab");
    expect((await focused()).id).toBe("add-allowed-scope");
    await page.keyboard.type("keyboard:only");
    await page.keyboard.press("Enter");
    await page.getByRole("status").getByText("Scope keyboard:only allowed.").waitFor();
    expect((await s.mgmt("GET", "/config/scopes")).body.scopes).toContain("keyboard:only");
  });

  it("edits scopes, groups and a user's access, and shows the login configs", async () => {
    await go("Scopes", "Scopes and groups");
    await page.getByLabel("New allowed scope").fill("reports:read");
    await page.getByLabel("New allowed scope").press("Enter");
    await page.getByRole("status").getByText("Scope reports:read allowed.").waitFor();
    await page.getByLabel("New group").fill("analysts");
    await page.getByLabel("Its scopes").fill("reports:read");
    await page.getByRole("button", { name: "Create group" }).click();
    await page.getByRole("rowheader", { name: "analysts" }).waitFor();
    expect((await s.mgmt("GET", "/config/groups/analysts")).body.scopes).toEqual(["reports:read"]);
    // A scope a group still grants cannot go: the API's message says which.
    await page.getByRole("button", { name: "Remove reports:read" }).click();
    await page
      .getByRole("alert")
      .getByText(/analysts/)
      .waitFor();
    await c.shot("scopes");
    expect(await c.axeViolations()).toEqual([]);

    const user = (await s.mgmt("POST", "/users", { identifiers: [{ value: "access@example.com" }] })).body.id;
    await page.goto(`${c.origin}/console/#/users/${user}`);
    await page.getByRole("heading", { name: "access@example.com" }).waitFor();
    await page.getByLabel("Grant a scope").fill("reports:read");
    await page.getByLabel("Grant a scope").press("Enter");
    await page.getByRole("button", { name: "Remove reports:read" }).waitFor();
    await page.getByLabel("Add to a group").fill("analysts");
    await page.getByLabel("Add to a group").press("Enter");
    await page.getByRole("button", { name: "Remove analysts" }).waitFor();
    await page.getByRole("button", { name: "Disable user" }).click();
    await page.getByTestId("user-status").getByText("disabled").waitFor();
    const after = (await s.mgmt("GET", `/users/${user}`)).body.user;
    expect([after.status, after.scopes, after.groups]).toEqual(["disabled", ["reports:read"], ["analysts"]]);
    await page.getByRole("button", { name: "Enable user" }).click();
    await page.getByTestId("user-status").getByText("active").waitFor();
    // The whole profile is edited; the console sends the merge patch that makes it so.
    const profile = page.getByLabel("Profile (JSON)");
    await profile.fill(JSON.stringify({ plan: "pro", address: { city: "Lyon", zip: "69001" } }));
    await page.getByRole("button", { name: "Save profile" }).click();
    await page.getByRole("status").getByText("Profile saved.").waitFor();
    await profile.fill(JSON.stringify({ address: { city: "Paris" }, tier: "gold" }));
    await page.getByRole("button", { name: "Save profile" }).click();
    await page.getByRole("status").getByText("Profile saved.").waitFor();
    expect((await s.mgmt("GET", `/users/${user}`)).body.user.profile).toEqual({
      address: { city: "Paris" },
      tier: "gold",
    });
    await profile.fill("[1]");
    await page.getByRole("button", { name: "Save profile" }).click();
    expect(await fieldError(profile)).toMatch(/JSON object/);

    await go("Configs", "Login and session configs");
    await page.getByRole("heading", { name: "session lifetimes" }).waitFor();
    const password = page.getByLabel("password login (request JSON)");
    await password.fill(JSON.stringify({ enabled: true, password_compliancy: { min_length: 0 } }));
    await page.getByRole("button", { name: "Create password login" }).click();
    expect(await fieldError(password)).toMatch(/password_compliancy/);
    await password.fill(JSON.stringify({ enabled: true }));
    await page.getByRole("button", { name: "Create password login" }).click();
    await page.getByRole("button", { name: "Save password login" }).waitFor();
    expect((await s.mgmt("GET", "/config/login/password")).status).toBe(200);
    await c.shot("configs");
    expect(await c.axeViolations()).toEqual([]);
    await go("App", "App");
    await page.getByRole("table", { name: "Published keys" }).getByText("current").first().waitFor();
    expect(c.problems.filter((p) => !/Failed to load resource/.test(p))).toEqual([]);
  });
});
