import cluster from "node:cluster";
import { AggregatorRegistry } from "prom-client";
import type { Config } from "../../config/config-schema.js";
import { ConfigError } from "../../config/load-config.js";
import { ensureDevApp, listApps } from "../../domain/apps/apps.js";
import { startServer } from "../../main.js";
import { startMetricsServer } from "../../metrics/metrics-server.js";
import { openRuntime } from "../../runtime.js";
import type { CliCommand } from "../cli-command.js";
import { prodAppWarnings, serveBanner } from "../serve-banner.js";

export const serve: CliCommand = {
  name: "serve",
  usage: `serve [--create-dev-app]                Run the server (the default command). On the embedded SQLite
                                          database a first start makes a dev app and prints its key; on
                                          PostgreSQL only with --create-dev-app.`,
  run: async (ctx) => {
    await serveProcesses(ctx.config(), ctx.io.out, ctx.values["create-dev-app"] ?? false);
    return -1; // keeps running
  },
};

/**
 * `overture serve`: open and migrate the database, make sure a dev app exists (printing its key the
 * one time it is created), then listen until SIGINT/SIGTERM. With OVERTURE_WORKERS > 1 the primary
 * process does the set-up and forks that many workers sharing the port; it restarts one that dies.
 * Each serving process is main.ts's startServer; only the first runs the background workers.
 */
async function serveProcesses(
  config: Readonly<Config>,
  print: (text: string) => void,
  createDevApp: boolean,
): Promise<void> {
  if (cluster.isWorker) {
    const server = await startServer(config, { workers: cluster.worker?.id === 1, metrics: false });
    // The primary's metrics listener asks each worker for this registry (prom-client's cluster
    // mode); a worker answers once an AggregatorRegistry has been made in it, which adds the listener.
    new AggregatorRegistry();
    AggregatorRegistry.setRegistries([server.runtime.metrics.registry]);
    stopOnSignal(server);
    return;
  }
  const runtime = await openRuntime(config);
  // A shared database is an installation someone runs: an app with a printed key appears there
  // only when asked. The embedded one is a developer's first `npm start`.
  const embedded = runtime.database.dialect === "sqlite";
  const devApp = embedded || createDevApp ? await ensureDevApp(runtime.domain) : null;
  const apps = await listApps(runtime.domain);
  for (const warning of prodAppWarnings(config, apps)) runtime.logger.warn(warning);
  const defaultApp = config.frontend.defaultApp;
  if (defaultApp !== null && !(await runtime.domain.store.apps.get(defaultApp))) {
    await runtime.close();
    // Serving anyway would answer every Frontend request on a plain host with 404.
    throw new ConfigError("OVERTURE_DEFAULT_APP", `names no app (${defaultApp}); see \`overture app list\``);
  }
  const banner = (address: string) =>
    serveBanner(config, {
      address,
      database: runtime.database.description,
      migrated: runtime.migrated,
      apps,
      created: devApp?.apiKey ? { appId: devApp.app.id, apiKey: devApp.apiKey.secret } : null,
      devAppWithheld: !embedded && !createDevApp,
    });
  if (config.server.workers === 1) {
    const server = await startServer(config, { runtime });
    stopOnSignal(server);
    print(banner(server.address));
    return;
  }
  await runtime.close();
  // One scrape shows the whole server: the primary serves every worker's metrics, summed.
  if (config.server.metrics) {
    const aggregated = new AggregatorRegistry();
    await startMetricsServer(
      async () => ({ contentType: aggregated.contentType, body: await aggregated.clusterMetrics() }),
      config.server.metrics.port,
      config.server.metrics.host,
    );
  }
  let printed = false;
  let stopping = false;
  const fork = () => cluster.fork();
  cluster.on("listening", (_worker, address) => {
    if (printed) return;
    printed = true;
    const host = address.address === "::" || !address.address ? config.server.host : address.address;
    print(
      `${banner(`${config.server.tls ? "https" : "http"}://${host}:${address.port}`)}\n  Workers:         ${config.server.workers}\n`,
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

/** Drains on the first SIGINT/SIGTERM; exits 0 when everything in flight finished, else 1. */
function stopOnSignal(server: { stop(): Promise<boolean> }): void {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      void server.stop().then((clean) => process.exit(clean ? 0 : 1));
    });
  }
}
