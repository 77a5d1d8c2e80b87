import { existsSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/test-server.js";

const CHROMIUM = process.env.OVERTURE_CHROMIUM ?? "/usr/bin/chromium";

// Under CI a missing browser is a failure, never a skip.
describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)(
  `the API reference page in Chromium${existsSync(CHROMIUM) ? "" : ` (skipped: no Chromium at ${CHROMIUM})`}`,
  () => {
    let s: TestServer;
    let base: string;
    beforeAll(async () => {
      s = await startTestServer("sqlite");
      await s.app.listen({ port: 0, host: "127.0.0.1" });
      base = `http://127.0.0.1:${(s.app.server.address() as AddressInfo).port}`;
    });
    afterAll(() => s.close());

    it("renders under its CSP with no console error, the Management API's groups before the Frontend API's", async () => {
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
      });
      try {
        const page = await browser.newPage();
        const problems: string[] = [];
        page.on("console", (m) => {
          if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
        });
        page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
        page.on("requestfailed", (r) => problems.push(`failed: ${r.url()}`));
        await page.goto(`${base}/docs`, { waitUntil: "networkidle" });
        await page.waitForSelector(".opblock-tag");
        const tags = await page.$$eval(".opblock-tag", (els) => els.map((e) => e.getAttribute("data-tag")));
        expect(tags[0]).toBe("Users");
        expect(tags.indexOf("Config - Migration")).toBeLessThan(tags.indexOf("OTP"));
        expect(tags.indexOf("Webhooks")).toBeLessThan(tags.indexOf("Sessions"));
        expect(problems).toEqual([]);
      } finally {
        await browser.close();
      }
    }, 60_000);
  },
);
