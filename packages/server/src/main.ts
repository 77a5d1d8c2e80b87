import { readFileSync } from "node:fs";
import { createApp } from "./app.js";
import type { Config } from "./config/config-schema.js";
import { openRuntime, type Runtime } from "./runtime.js";
import { startPurgeWorker, type Worker } from "./workers/purge-worker.js";
import { startWebhookDispatcher } from "./workers/webhook-dispatcher.js";

export interface RunningServer {
  /** The address it listens on, e.g. `http://127.0.0.1:4000`. */
  address: string;
  runtime: Runtime;
  /** One ordered shutdown: workers, then the listener (in-flight requests finish), then the runtime. */
  stop(): Promise<void>;
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
  const app = await createApp({
    config,
    domain: runtime.domain,
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
  let stopping: Promise<void> | undefined;
  return {
    address,
    runtime,
    stop: () => {
      stopping ??= (async () => {
        for (const worker of workers) worker.stop();
        await Promise.all(workers.map((worker) => worker.idle?.()));
        await app.close();
        await runtime.close();
      })();
      return stopping;
    },
  };
}
