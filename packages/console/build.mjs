// Builds the console into dist/: one script, one stylesheet, one page. No CDN, nothing fetched at
// run time; the server reads dist/ once at start (packages/server/src/http/console-assets.ts).
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "dist");
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(here, "src/main.tsx")],
  outfile: join(out, "console.js"),
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  // The protocol package's TypeScript source, as the server's development runs use it.
  conditions: ["source"],
  jsx: "automatic",
  jsxImportSource: "preact",
  minify: true,
  sourcemap: false,
  legalComments: "none",
  logLevel: "warning",
});
copyFileSync(join(here, "src/console.css"), join(out, "console.css"));
copyFileSync(join(here, "src/index.html"), join(out, "index.html"));
