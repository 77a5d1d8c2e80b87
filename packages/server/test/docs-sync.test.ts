import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import SwaggerParser from "@apidevtools/swagger-parser";
import { errorCodes } from "@overture/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderConfigDoc } from "../src/docs/render-config-doc.js";
import { renderErrorsDoc } from "../src/docs/render-errors-doc.js";
import { renderOpenApi } from "../src/docs/render-openapi.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

const docs = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../../../docs/${name}`, import.meta.url)), "utf8");
const regenerate = "run `npm run docs` and commit the result";

describe("generated documentation", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer("sqlite");
  });
  afterAll(() => s.close());

  it(`docs/errors.md equals the error catalogue (${regenerate})`, () => {
    expect(docs("errors.md")).toBe(renderErrorsDoc());
    for (const code of errorCodes) expect(docs("errors.md")).toContain(`| \`${code}\` |`);
  });

  it(`docs/config.md lists every option (${regenerate})`, () => {
    expect(docs("config.md")).toBe(renderConfigDoc());
  });

  it(`docs/openapi.json equals the served document (${regenerate})`, async () => {
    const served = await s.inject({ method: "GET", url: "/openapi.json" });
    expect(served.status).toBe(200);
    expect(served.body).toEqual(JSON.parse(docs("openapi.json")));
    expect(await renderOpenApi()).toBe(docs("openapi.json"));
  });

  it("is a valid OpenAPI 3.1 document with an operationId and error responses on every operation", async () => {
    const document = JSON.parse(docs("openapi.json"));
    expect(document.openapi).toBe("3.1.0");
    await SwaggerParser.validate(structuredClone(document));
    type Operation = { operationId?: string; responses: Record<string, unknown>; tags?: string[] };
    const paths = Object.entries(document.paths as Record<string, Record<string, Operation>>);
    const operations = paths.flatMap(([, p]) => Object.values(p));
    expect(operations.length).toBeGreaterThanOrEqual(13);
    const ids = operations.map((o) => o.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [path, byMethod] of paths) {
      for (const op of Object.values(byMethod)) {
        expect(op.operationId).toBeTruthy();
        // Management calls all need a key; frontend calls all need an app at their host.
        expect(Object.keys(op.responses)).toContain(path.startsWith("/v2/") ? "401" : "404");
        expect(Object.keys(op.responses)).toContain("500");
      }
    }
    // Every operation's tag is declared with a description, so the reference groups it.
    const declared = new Set((document.tags as { name: string }[]).map((t) => t.name));
    const used = new Set(operations.flatMap((o) => o.tags ?? []));
    expect([...used].filter((tag) => !declared.has(tag))).toEqual([]);
  });

  it("orders its tags Management first, each described with its surface, and names servers for Try it out", () => {
    const document = JSON.parse(docs("openapi.json"));
    const tags = document.tags as { name: string; description: string }[];
    const surfaces = tags.map((t) => /^(Management|Frontend) API: /.exec(t.description)?.[1]);
    expect(surfaces.every(Boolean)).toBe(true);
    const firstFrontend = surfaces.indexOf("Frontend");
    expect(surfaces.slice(0, firstFrontend).every((x) => x === "Management")).toBe(true);
    expect(surfaces.slice(firstFrontend).every((x) => x === "Frontend")).toBe(true);
    expect(tags[0]?.name).toBe("Users");
    // Each operation's tag belongs to its surface.
    for (const [path, byMethod] of Object.entries(
      document.paths as Record<string, Record<string, { tags: string[] }>>,
    )) {
      for (const op of Object.values(byMethod)) {
        const surface = surfaces[tags.findIndex((t) => t.name === op.tags[0])];
        expect(surface, path).toBe(path.startsWith("/v2/") ? "Management" : "Frontend");
      }
    }
    expect(document.servers).toEqual([
      expect.objectContaining({ url: "/" }),
      expect.objectContaining({ url: "{scheme}://{host}" }),
    ]);
  });

  it("has one spec URL: the docs page's own copies lead to /openapi.json", async () => {
    for (const url of ["/docs/json", "/docs/yaml"]) {
      const res = await s.inject({ method: "GET", url });
      expect(res.status, url).toBe(308);
      expect(res.headers.location).toBe("/openapi.json");
    }
  });

  it("serves a local docs page whose assets come from this server", async () => {
    const page = await s.inject({ method: "GET", url: "/docs/" });
    expect(page.status).toBe(200);
    const sources = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(sources.length).toBeGreaterThan(0);
    for (const src of sources) expect(src.startsWith("http")).toBe(false);
    const csp = String(page.headers["content-security-policy"]);
    expect(csp).not.toMatch(/https?:|validator\.swagger\.io/);
    const init = await s.inject({ method: "GET", url: "/docs/static/swagger-initializer.js" });
    expect(init.status).toBe(200);
  });
});
