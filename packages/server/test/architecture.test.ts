import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * The layering of docs/architecture.md, checked on the sources: http → domain → storage with no
 * shortcut, and infrastructure kept out of the domain. A new file that breaks a rule fails here.
 */
const src = resolve(dirname(fileURLToPath(import.meta.url)), "../src");

function filesUnder(dir: string): string[] {
  return readdirSync(join(src, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? filesUnder(join(dir, entry.name))
      : entry.name.endsWith(".ts")
        ? [join(dir, entry.name)]
        : [],
  );
}

/** What a file imports: package names as written, relative imports as paths under src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(src, file), "utf8");
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^"']*?from\s+["']([^"']+)["']/g)].map(
    ([, spec = ""]) => (spec.startsWith(".") ? relative(src, resolve(join(src, dirname(file)), spec)) : spec),
  );
}

describe("architecture", () => {
  it("http/ reaches storage only through the domain", () => {
    for (const file of filesUnder("http")) {
      const text = readFileSync(join(src, file), "utf8");
      expect(
        importsOf(file).filter((i) => i.startsWith("storage/")),
        file,
      ).toEqual([]);
      expect(/\.store\b/.test(text), `${file} uses a store`).toBe(false);
    }
  });

  it("the domain knows nothing of HTTP, SQL, sockets or mail", () => {
    const infrastructure = [
      /^http\//,
      /^storage\//,
      /^hooks\//,
      /^idp\//,
      /^senders\//,
      /^dns\//,
      /^workers\//,
      /^cli\//,
      /^fastify$/,
      /^kysely$/,
      /^nodemailer$/,
      /^pg$/,
      /^better-sqlite3$/,
      /^node:(net|http|https|dns|dns\/promises|tls|dgram)$/,
    ];
    for (const file of filesUnder("domain")) {
      const bad = importsOf(file).filter((i) => infrastructure.some((rule) => rule.test(i)));
      expect(bad, file).toEqual([]);
      // From outbound/, only the pure URL rules: the domain checks a URL when it is saved, the
      // outbound client again when it calls.
      expect(
        importsOf(file).filter((i) => i.startsWith("outbound/") && i !== "outbound/outbound-url.js"),
        file,
      ).toEqual([]);
    }
  });

  it("storage implements the domain's repository interfaces and depends on nothing above it", () => {
    for (const file of filesUnder("storage")) {
      const above = importsOf(file).filter(
        (i) =>
          /^(http|hooks|idp|senders|outbound|dns|workers|cli)\//.test(i) ||
          (i.startsWith("domain/") && !i.endsWith("-repository.js") && !i.endsWith("store.js")),
      );
      expect(above, file).toEqual([]);
    }
  });

  it("every feature folder declares the repositories it uses next to it", () => {
    const interfaces = filesUnder("domain").filter((f) => f.endsWith("-repository.ts"));
    expect(interfaces.length).toBeGreaterThanOrEqual(11);
    expect(filesUnder("storage").some((f) => f.endsWith("repositories.ts"))).toBe(false);
  });
});
