import { readFileSync } from "node:fs";
import { createApp } from "../app.js";
import type { Config } from "../config/config-schema.js";
import { ensureDevApp } from "../domain/apps.js";
import { PURGE_INTERVAL_MS, purgeExpired } from "../domain/purge-expired.js";
import { openRuntime } from "../runtime.js";
import { VERSION } from "../version.js";

/**
 * `overture serve`: open and migrate the database, make sure a dev app exists (printing its key the
 * one time it is created), then listen until SIGINT/SIGTERM.
 */
export async function serve(config: Readonly<Config>, print: (text: string) => void): Promise<void> {
  const runtime = await openRuntime(config);
  const { app: devApp, apiKey } = await ensureDevApp(runtime);
  const https = config.tlsCert
    ? { cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) }
    : undefined;
  const app = await createApp({ ...runtime, ...(https && { https }) });
  const purge = setInterval(() => {
    purgeExpired(runtime).catch((error: unknown) =>
      app.log.error({ err: error }, "purging expired rows failed"),
    );
  }, PURGE_INTERVAL_MS);
  purge.unref();
  const shutdown = async () => {
    clearInterval(purge);
    await app.close();
    await runtime.database.close();
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      void shutdown().then(() => process.exit(0));
    });
  }
  const address = await app.listen({ port: config.port, host: config.host });
  const base = config.port === 0 ? address : config.publicUrl;
  // One write, so log lines from other streams cannot land inside the banner.
  const lines: string[] = [];
  const out = (line: string) => lines.push(line);
  out("");
  out(`Overture ${VERSION} listening on ${address} (${runtime.database.description})`);
  if (runtime.migrated.length > 0) out(`Applied migrations: ${runtime.migrated.join(", ")}`);
  out("");
  out(`  App ID:          ${devApp.id}${apiKey ? "  (created now)" : ""}`);
  out(`  Management API:  ${base}/v2/session/apps/${devApp.id}`);
  out(`  Frontend API:    ${base}/v1/session`);
  out(`  API reference:   ${base}/docs`);
  if (apiKey) {
    out(`  API key:         ${apiKey.secret}`);
    out("");
    out("  The API key is shown only this once; it is stored hashed. Keep it now.");
  } else {
    out(
      `  API key:         printed at first start; make another with: npx overture key create --app ${devApp.id}`,
    );
  }
  out("");
  print(lines.join("\n"));
}
