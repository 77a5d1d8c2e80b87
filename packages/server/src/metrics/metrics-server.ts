import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

/**
 * `GET /metrics` on a listener of its own (OVERTURE_METRICS_PORT): never on the API's port, so no
 * Frontend host ever serves it, and a firewall or a network policy decides who scrapes.
 */
export async function startMetricsServer(
  metrics: () => Promise<{ contentType: string; body: string }>,
  port: number,
  host: string,
): Promise<{ address: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    if (request.method !== "GET" || (request.url ?? "").split("?")[0] !== "/metrics") {
      response
        .writeHead(404, { "content-type": "text/plain" })
        .end("Not found: the metrics are at /metrics\n");
      return;
    }
    metrics().then(
      ({ contentType, body }) => response.writeHead(200, { "content-type": contentType }).end(body),
      (error: Error) =>
        response
          .writeHead(500, { "content-type": "text/plain" })
          .end(`metrics unavailable: ${error.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    address: `http://${host.includes(":") ? `[${host}]` : host}:${bound}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** One registry's exposition. */
export const registryMetrics = (registry: Registry) => async () => ({
  contentType: registry.contentType,
  body: await registry.metrics(),
});
