import { readFileSync } from "node:fs";
import { Server as NetServer } from "node:net";
import { createApp } from "./app.js";
import type { Config } from "./config/config-schema.js";
import { ConfigError } from "./config/load-config.js";
import { trackConnections } from "./http/connection-drain.js";
import { registryMetrics, startMetricsServer } from "./metrics/metrics-server.js";
import { createProbes } from "./probes.js";
import { openRuntime, type Runtime } from "./runtime.js";
import { startPurgeWorker, type Worker } from "./workers/purge-worker.js";
import { startWebhookDispatcher } from "./workers/webhook-dispatcher.js";

/** While draining, a connection idle this long is closed: its client is not about to use it. */
const DRAIN_IDLE_MS = 250;

export interface RunningServer {
  /** The address it listens on, e.g. `http://127.0.0.1:4000`. */
  address: string;
  runtime: Runtime;
  /**
   * The drain (docs/operations.md): not ready at once, the listener closed, in-flight requests
   * finished (connections still open after OVERTURE_SHUTDOWN_TIMEOUT_MS are closed), background
   * workers done with their current unit, then the database closed. Resolves `false` when the
   * timeout had to cut requests short.
   */
  stop(): Promise<boolean>;
}

/**
 * The composition root of one server process: configuration → runtime (database, migrations,
 * domain services) → HTTP app → listener → background workers. Everything the process runs is
 * started here, and `stop` takes it down in the reverse order.
 */
export async function startServer(
  config: Readonly<Config>,
  /**
   * `workers`: run the background workers (one process of a cluster does); `metrics`: serve the
   * metrics listener (false in cluster workers, whose primary serves them aggregated).
   */
  options: { runtime?: Runtime; workers?: boolean; metrics?: boolean } = {},
): Promise<RunningServer> {
  const runtime = options.runtime ?? (await openRuntime(config));
  const { tls } = config.server;
  const probes = createProbes(runtime.database);
  const app = await createApp({
    config,
    domain: runtime.domain,
    probes,
    metrics: runtime.metrics,
    logger: runtime.logger,
    ...(tls && {
      https: { cert: readPem("OVERTURE_TLS_CERT", tls.cert), key: readPem("OVERTURE_TLS_KEY", tls.key) },
    }),
  });
  const connections = trackConnections(app.server);
  const address = await app.listen({ port: config.server.port, host: config.server.host });
  const metricsServer =
    config.server.metrics && options.metrics !== false
      ? await startMetricsServer(
          registryMetrics(runtime.metrics.registry),
          config.server.metrics.port,
          config.server.metrics.host,
        )
      : null;
  const workers: Worker[] =
    options.workers === false
      ? []
      : [
          startPurgeWorker(runtime.domain, app.log, {
            deliveredRetentionMs: config.webhooks.retentionDays * 86_400_000,
          }),
          startWebhookDispatcher(runtime.domain, app.log),
        ];
  let stopping: Promise<boolean> | undefined;
  return {
    address,
    runtime,
    stop: () => {
      stopping ??= (async () => {
        probes.startDraining();
        for (const worker of workers) worker.stop();
        let cut = false;
        const deadline = setTimeout(() => {
          cut = true;
          app.log.warn(
            { timeout_ms: config.server.shutdownTimeoutMs },
            "shutdown timeout: closing connections with requests in flight",
          );
          app.server.closeAllConnections();
        }, config.server.shutdownTimeoutMs);
        // Stop accepting without closing idle connections: http.Server#close would close them at
        // once, racing a request the client is sending on one (connection-drain.ts). Each is
        // closed instead once it has been idle a moment; requests still arriving on open
        // connections are answered, with `Connection: close`.
        const closed = new Promise<void>((resolve) =>
          NetServer.prototype.close.call(app.server, () => resolve()),
        );
        const idle = setInterval(() => connections.closeIdle(DRAIN_IDLE_MS), 25);
        await Promise.all([closed, ...workers.map((worker) => worker.idle?.())]);
        clearInterval(idle);
        await app.close();
        clearTimeout(deadline);
        await metricsServer?.close();
        await runtime.close();
        return !cut;
      })();
      return stopping;
    },
  };
}

/** A TLS file named by the configuration; one that cannot be read is a configuration error. */
function readPem(setting: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new ConfigError(
      setting,
      `cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"}: ${file})`,
    );
  }
}
