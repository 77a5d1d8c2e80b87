import cluster from "node:cluster";
import { readFileSync } from "node:fs";
import { createApp } from "../app.js";
import type { Config } from "../config/config-schema.js";
import { ensureDevApp } from "../domain/apps/apps.js";
import { PURGE_INTERVAL_MS, purgeExpired } from "../domain/shared/purge-expired.js";
import { openRuntime, type Runtime } from "../runtime.js";
import { VERSION } from "../version.js";

/**
 * `overture serve`: open and migrate the database, make sure a dev app exists (printing its key the
 * one time it is created), then listen until SIGINT/SIGTERM. With OVERTURE_WORKERS > 1 the primary
 * process does the set-up and forks that many workers sharing the port; it restarts one that dies.
 */
export async function serve(config: Readonly<Config>, print: (text: string) => void): Promise<void> {
  if (cluster.isWorker) {
    await listen(config);
    return;
  }
  const runtime = await openRuntime(config);
  const devApp = await ensureDevApp(runtime.domain);
  const banner = (address: string) =>
    banner_(
      config,
      address,
      runtime.database.description,
      runtime.migrated,
      devApp.app.id,
      devApp.apiKey?.secret,
    );
  if (config.server.workers === 1) {
    print(banner(await listen(config, runtime)));
    return;
  }
  await runtime.database.close();
  let printed = false;
  let stopping = false;
  const fork = () => cluster.fork();
  cluster.on("listening", (_worker, address) => {
    if (printed) return;
    printed = true;
    const host = address.address === "::" || !address.address ? config.server.host : address.address;
    print(
      `${banner(`${config.server.tls?.cert ? "https" : "http"}://${host}:${address.port}`)}\n  Workers:         ${config.server.workers}\n`,
    );
  });
  cluster.on("exit", (worker, code) => {
    if (stopping) return;
    console.error(`overture: worker ${worker.process.pid} exited (${code}); starting another`);
    fork();
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      stopping = true;
      for (const worker of Object.values(cluster.workers ?? {})) worker?.kill("SIGTERM");
      cluster.disconnect(() => process.exit(0));
    });
  }
  for (let i = 0; i < config.server.workers; i++) fork();
}

/**
 * One server process: its database connection (the primary's own when there are no workers), the
 * HTTP app, and — in one process only — the purge timer.
 */
async function listen(config: Readonly<Config>, opened?: Runtime): Promise<string> {
  const runtime = opened ?? (await openRuntime(config));
  const https = config.server.tls?.cert
    ? { cert: readFileSync(config.server.tls?.cert), key: readFileSync(config.server.tls?.key) }
    : undefined;
  const app = await createApp({ config, domain: runtime.domain, ...(https && { https }) });
  // Purging is idempotent, but one process doing it is enough.
  const purges = !cluster.isWorker || cluster.worker?.id === 1;
  const purge = setInterval(() => {
    if (!purges) return;
    purgeExpired(runtime.domain).catch((error: unknown) =>
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
  return app.listen({ port: config.server.port, host: config.server.host });
}

function banner_(
  config: Readonly<Config>,
  address: string,
  database: string,
  migrated: string[],
  appId: string,
  apiKey: string | undefined,
): string {
  const base = config.server.port === 0 ? address : config.server.publicUrl;
  const lines = ["", `Overture ${VERSION} listening on ${address} (${database})`];
  if (migrated.length > 0) lines.push(`Applied migrations: ${migrated.join(", ")}`);
  lines.push(
    "",
    `  App ID:          ${appId}${apiKey ? "  (created now)" : ""}`,
    `  Management API:  ${base}/v2/session/apps/${appId}`,
    `  Frontend API:    ${base}/v1/session`,
    `  API reference:   ${base}/docs`,
  );
  if (apiKey) {
    lines.push(
      `  API key:         ${apiKey}`,
      "",
      "  The API key is shown only this once; it is stored hashed. Keep it now.",
    );
  } else {
    lines.push(
      `  API key:         printed at first start; make another with: npx overture key create --app ${appId}`,
    );
  }
  lines.push("");
  return lines.join("\n");
}
