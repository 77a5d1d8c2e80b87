import type { Config } from "../config/config-schema.js";
import { VERSION } from "../version.js";

/** What `serve` prints once it listens: where everything is, and the dev app's key the first time. */
export function serveBanner(
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
  if (config.server.metrics) {
    const { host, port } = config.server.metrics;
    lines.push(`  Metrics:         http://${host.includes(":") ? `[${host}]` : host}:${port}/metrics`);
  }
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
