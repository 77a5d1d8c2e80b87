import { randomBytes } from "node:crypto";
import { createApp } from "../app.js";
import { loadConfig } from "../config/load-config.js";
import { createProbes } from "../probes.js";
import { createDomainDeps } from "../runtime.js";
import { createStore } from "../storage/kysely-store.js";
import { openDatabase } from "../storage/open-database.js";

/** The OpenAPI document as /openapi.json serves it, built without touching any real database. */
export async function renderOpenApi(): Promise<string> {
  const database = openDatabase({ dialect: "sqlite", file: ":memory:" });
  const config = loadConfig({});
  const domain = createDomainDeps(config, createStore(database), {
    masterKey: randomBytes(32),
    passwordHashConcurrency: 1,
  });
  const app = await createApp({ config, domain, probes: createProbes(database) });
  try {
    await app.ready();
    return `${JSON.stringify(app.swagger(), null, 2)}\n`;
  } finally {
    await app.close();
    await database.close();
  }
}
