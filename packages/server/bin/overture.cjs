#!/usr/bin/env node
// The `overture` command. `npm install` builds dist/ (the root `prepare` script); after changing the
// sources, `npm run build` refreshes it.
//
// CommonJS on purpose: libuv reads UV_THREADPOOL_SIZE once, when its thread pool first starts, and
// Node's ES module loader starts it while reading the first module. This file is read synchronously,
// so the size set here still applies to the server it imports.
const { existsSync } = require("node:fs");
const { availableParallelism } = require("node:os");
const { join } = require("node:path");
const { pathToFileURL } = require("node:url");

// The pool signs and checks every token and DPoP proof, and hashes passwords. Node's default is 4
// threads on any machine; on a small one, threads beyond the cores the event loop leaves free only
// preempt the event loop, which is what limits throughput (docs/benchmarks.md). So: one core for
// the event loop, a pool thread for each of the others. An explicit UV_THREADPOOL_SIZE wins.
if (process.env.UV_THREADPOOL_SIZE === undefined) {
  process.env.UV_THREADPOOL_SIZE = String(Math.max(1, availableParallelism() - 1));
}

const entry = join(__dirname, "../dist/cli.js");
if (!existsSync(entry)) {
  console.error(
    "overture: the server is not built yet; run `npm install` or `npm run build` at the repository root.",
  );
  process.exit(1);
}
import(pathToFileURL(entry).href);
