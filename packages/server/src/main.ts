import { readFileSync } from "node:fs";
import { createApp } from "./app.js";
import type { Config } from "./config/config-schema.js";
import { createProbes } from "./probes.js";
import { openRuntime, type Runtime } from "./runtime.js";
import { startPurgeWorker, type Worker } from "./workers/purge-worker.js";
import { startWebhookDispatcher } from "./workers/webhook-dispatcher.js";

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
  options: { runtime?: Runtime; workers?: boolean } = {},
): Promise<RunningServer> {
  const runtime = options.runtime ?? (await openRuntime(config));
  const { tls } = config.server;
  const probes = createProbes(runtime.database);
  const app = await createApp({
    config,
    domain: runtime.domain,
    probes,
    ...(tls && { https: { cert: readFileSync(tls.cert), key: readFileSync(tls.key) } }),
  });
  const address = await app.listen({ port: config.server.port, host: config.server.host });
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
        // Connections that fall idle while draining are closed as they do (a kept-alive client
        // would otherwise hold the listener open until its keep-alive timeout).
        const idle = setInterval(() => app.server.closeIdleConnections(), 50);
        // Stops accepting, answers what is in flight (a request arriving on a kept-alive
        // connection meanwhile gets 503), and closes idle connections.
        await Promise.all([app.close(), ...workers.map((worker) => worker.idle?.())]);
        clearTimeout(deadline);
        clearInterval(idle);
        await runtime.close();
        return !cut;
      })();
      return stopping;
    },
  };
}
