#!/usr/bin/env node
// The `overture` command. `npm install` builds dist/ (the root `prepare` script); after changing the
// sources, `npm run build` refreshes it.
import { existsSync } from "node:fs";

const entry = new URL("../dist/cli.js", import.meta.url);
if (!existsSync(entry)) {
  console.error(
    "overture: the server is not built yet; run `npm install` or `npm run build` at the repository root.",
  );
  process.exit(1);
}
await import(entry.href);
