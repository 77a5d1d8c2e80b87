/**
 * `npx tsx --conditions=source examples/migration/run.ts`: starts Overture in this process on a
 * fresh SQLite file (or OVERTURE_DATABASE_URL), then runs the walkthrough against it, printing each
 * phase. docs/migration.md explains what each phase does.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, startServer } from "@overture/server";
import { provisionApp } from "../../packages/server/src/domain/apps/apps.js";
import { startTestIdp } from "../../packages/server/test/support/oidc-idp.js";
import { runWalkthrough } from "./walkthrough.js";

// Google, played by a local OpenID provider (panva's oidc-provider) behind the endpoint override.
const google = await startTestIdp({
  shape: "google",
  clientId: "walkthrough",
  clientSecret: "walkthrough-secret",
});
const config = loadConfig({
  ...process.env,
  OVERTURE_OAUTH_ENDPOINTS: JSON.stringify({ google: google.url }),
  OVERTURE_DATA_DIR: process.env.OVERTURE_DATA_DIR ?? mkdtempSync(join(tmpdir(), "overture-walkthrough-")),
  OVERTURE_LOG_LEVEL: "warn",
  OVERTURE_HOST: "127.0.0.1",
  OVERTURE_PORT: "0",
});
const server = await startServer(config);
try {
  const { app, apiKey } = await provisionApp(server.runtime.domain, "walkthrough");
  console.log(`Overture on ${server.address} (${server.runtime.database.description}), app ${app.id}`);
  await runWalkthrough({
    baseUrl: server.address,
    issuer: config.server.publicUrl,
    appId: app.id,
    apiKey: apiKey.secret,
    google: { idp: google, clientId: "walkthrough", clientSecret: "walkthrough-secret" },
  });
} finally {
  await server.stop();
  await google.close();
}
