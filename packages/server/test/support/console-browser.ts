import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import type { TestServer } from "./test-server.js";

const CHROMIUM = process.env.OVERTURE_CHROMIUM ?? "/usr/bin/chromium";
const root = fileURLToPath(new URL("../../../../", import.meta.url));
/** Where the console tests keep their screenshots (gitignored; they stay after a run). */
export const CONSOLE_ARTIFACTS = join(root, "test-artifacts", "console");
const axeSource = readFileSync(join(root, "node_modules/axe-core/axe.min.js"), "utf8");

/**
 * Chromium on a test server's admin console (docs/console.md): a page that records console
 * errors, screenshots at 1280 and 390 px, an axe-core scan, and sign-in with the app's key.
 */
export async function openConsole(s: TestServer, dialect: string) {
  const origin = await s.app.listen({ port: 0, host: "127.0.0.1" });
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox"],
  });
  const page: Page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.setDefaultTimeout(5_000);
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(m.text());
  });
  page.on("pageerror", (e) => problems.push(e.message));
  mkdirSync(CONSOLE_ARTIFACTS, { recursive: true });

  return {
    origin,
    page,
    problems,
    /**
     * Full-page screenshots at 1280 and 390 px wide, named `<name>-<dialect>-<width>.png`; throws
     * when the page is wider than the phone's viewport (content cut off or scrolling sideways).
     */
    async shot(name: string) {
      await page.screenshot({ path: join(CONSOLE_ARTIFACTS, `${name}-${dialect}-1280.png`), fullPage: true });
      await page.setViewportSize({ width: 390, height: 844 });
      await page.screenshot({ path: join(CONSOLE_ARTIFACTS, `${name}-${dialect}-390.png`), fullPage: true });
      const wide = await page.evaluate(() => {
        const d = (
          globalThis as unknown as {
            document: {
              documentElement: { scrollWidth: number };
              querySelectorAll(s: string): ArrayLike<{
                tagName: string;
                className: string;
                getBoundingClientRect(): { right: number };
              }>;
            };
          }
        ).document;
        const right = (e: { getBoundingClientRect(): { right: number } }) =>
          Math.round(e.getBoundingClientRect().right);
        return {
          width: d.documentElement.scrollWidth,
          widest: Array.from(d.querySelectorAll("body *"))
            .sort((x, y) => right(y) - right(x))
            .slice(0, 3)
            .map((e) => `${e.tagName}.${e.className} (${right(e)} px)`),
        };
      });
      await page.setViewportSize({ width: 1280, height: 800 });
      if (wide.width > 390)
        throw new Error(`${name} is ${wide.width} px wide at a 390 px viewport: ${wide.widest.join(", ")}`);
    },
    /** axe-core's serious and critical violations on the page as it is now. */
    async axeViolations() {
      // Evaluated through the DevTools protocol, which the page's CSP does not govern.
      await page.evaluate(axeSource);
      const result = await page.evaluate(async () => {
        const axe = (
          globalThis as unknown as {
            axe: { run: () => Promise<{ violations: { id: string; impact: string }[] }> };
          }
        ).axe;
        return (await axe.run()).violations.map((v) => ({ id: v.id, impact: v.impact }));
      });
      return result.filter((v) => v.impact === "serious" || v.impact === "critical");
    },
    /** Signs the console in with the app's key, from wherever the page is. */
    async signIn() {
      await page.goto(`${origin}/console/`);
      await page.getByLabel("App ID").fill(s.appId);
      await page.getByLabel("Management API key").fill(s.apiKey);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("heading", { name: "App" }).waitFor();
    },
    close: () => browser.close(),
  };
}

export type ConsoleBrowser = Awaited<ReturnType<typeof openConsole>>;
