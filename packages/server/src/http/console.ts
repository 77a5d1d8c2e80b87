import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { FastifyInstance, FastifyReply } from "fastify";
import { consoleServed } from "../domain/apps/console-access.js";
import type { HttpDeps } from "./route-spec.js";

/**
 * The console's page may load its own script and stylesheet and call this origin, nothing else:
 * no inline script, no framing (docs/console.md).
 */
const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const TYPES: Record<string, string> = {
  "index.html": "text/html; charset=utf-8",
  "console.js": "text/javascript; charset=utf-8",
  "console.css": "text/css; charset=utf-8",
};

/** The built console (packages/console/dist), read once; null when it was not built. */
function readConsoleAssets(): Map<string, Buffer> | null {
  try {
    const root = dirname(createRequire(import.meta.url).resolve("@overture/console/package.json"));
    const dist = join(root, "dist");
    if (!existsSync(join(dist, "index.html"))) return null;
    return new Map(Object.keys(TYPES).map((name) => [name, readFileSync(join(dist, name))]));
  } catch {
    return null;
  }
}

function hardened(reply: FastifyReply): FastifyReply {
  return reply
    .header("content-security-policy", CONSOLE_CSP)
    .header("x-frame-options", "DENY")
    .header("x-content-type-options", "nosniff")
    .header("referrer-policy", "no-referrer")
    .header("cache-control", "no-cache");
}

const landing = (console: boolean) => `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Overture</title>${console ? '<link rel="stylesheet" href="/console/console.css">' : ""}</head>
<body><main>
<h1>Overture</h1>
<p>An authentication and session server implementing the Prelude Session API.</p>
<ul>
${console ? '<li><a href="/console/">Admin console</a>: run an app with its management API key.</li>\n' : ""}<li><a href="/docs">API reference</a>: the Management and Frontend APIs (<a href="/openapi.json">OpenAPI</a>).</li>
<li><a href="/readyz">Readiness</a></li>
</ul>
</main></body>
</html>
`;

/**
 * `GET /`, a page leading to the console and the API reference, and the console itself under
 * `/console/` (docs/console.md). Hidden from the OpenAPI document: they are pages, not API.
 */
export function installConsole(app: FastifyInstance, http: HttpDeps): void {
  const assets = readConsoleAssets();
  const served = async () =>
    assets !== null && (await consoleServed(http.domain, http.config.server.console));
  const hidden = { schema: { hide: true } };

  app.get("/", hidden, async (_request, reply) =>
    hardened(reply)
      .type("text/html; charset=utf-8")
      .send(landing(await served())),
  );
  app.get("/console/", hidden, async (_request, reply) => sendAsset(reply, "index.html"));
  app.get<{ Params: { file: string } }>("/console/:file", hidden, async (request, reply) =>
    sendAsset(reply, request.params.file),
  );

  async function sendAsset(reply: FastifyReply, name: string) {
    if (!assets)
      return hardened(reply)
        .code(503)
        .type("text/plain; charset=utf-8")
        .send("The console is not built: run npm run build (docs/console.md).\n");
    const body = assets.get(name);
    if (!body || !(await served()))
      return hardened(reply).code(404).type("text/plain; charset=utf-8").send("Not found.\n");
    return hardened(reply)
      .type(TYPES[name] ?? "application/octet-stream")
      .send(body);
  }
}
