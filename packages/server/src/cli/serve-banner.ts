import type { Config } from "../config/config-schema.js";
import type { AppRecord } from "../domain/apps/app-repository.js";
import { VERSION } from "../version.js";

/** Apps the banner lists one by one; `overture app list` shows the rest. */
const LISTED_APPS = 10;

export interface BannerInput {
  /** Where this process listens, e.g. `http://127.0.0.1:4000`. */
  address: string;
  database: string;
  migrated: string[];
  apps: AppRecord[];
  /** The app this start created, with its key (shown this once). */
  created: { appId: string; apiKey: string } | null;
  /** The database is not the embedded one and no app was asked for (`--create-dev-app`). */
  devAppWithheld: boolean;
}

/**
 * What `serve` prints once it listens: where everything is, each app's working Frontend URL, and
 * the dev app's key the one time it is created. The Frontend API finds its app by Host
 * (`{appId}.<base domain>`; any other host gets the default app), so the URLs printed are those
 * that resolve, and the banner says when a plain host stops serving an app.
 */
export function serveBanner(config: Readonly<Config>, input: BannerInput): string {
  const base = config.server.port === 0 ? input.address : config.server.publicUrl;
  const { apps, created } = input;
  const lines = ["", `Overture ${VERSION} listening on ${input.address} (${input.database})`];
  if (input.migrated.length > 0) lines.push(`Applied migrations: ${input.migrated.join(", ")}`);
  const only = apps.length === 1 ? apps[0] : undefined;
  lines.push(
    "",
    `  Management API:  ${base}/v2/session/apps/${only?.id ?? "{appId}"}`,
    `  API reference:   ${base}/docs`,
  );
  const consoleSetting = config.server.console;
  if (consoleSetting === "on" || (consoleSetting === "auto" && apps.every((a) => a.mode !== "prod")))
    lines.push(`  Admin console:   ${base}/console/  (sign in with an app ID and its API key)`);
  else if (consoleSetting === "auto")
    lines.push(
      "  Admin console:   off, an app is in prod mode (OVERTURE_CONSOLE=on serves it; docs/console.md)",
    );
  if (config.server.metrics) {
    const { host, port } = config.server.metrics;
    lines.push(`  Metrics:         http://${host.includes(":") ? `[${host}]` : host}:${port}/metrics`);
  }
  if (!config.server.tls) {
    lines.push(
      "  HTTPS:           off; the web SDK calls https:// only: `npx overture dev-cert` (docs/web-sdk.md)",
    );
  }
  lines.push("");

  const frontendOf = (appId: string) => appFrontendUrl(base, appId, config.frontend.baseDomain);
  const defaultId = config.frontend.defaultApp ?? only?.id ?? null;
  if (apps.length === 0) {
    lines.push(
      "  No app yet. Create one with: npx overture app create --name <name>",
      input.devAppWithheld
        ? "  (On this database no dev app is made unless asked: `overture serve --create-dev-app`.)"
        : "",
    );
  } else if (only) {
    lines.push(
      `  App ID:          ${only.id}${created ? "  (created now)" : ""}  (mode ${only.mode})`,
      `  Frontend API:    ${base}/v1/session  (also ${frontendOf(only.id)})`,
      `  JWKS:            ${base}/.well-known/jwks.json`,
    );
  } else {
    lines.push(`  Apps:            ${apps.length}; each app's Frontend API is at its own host:`);
    for (const app of apps.slice(0, LISTED_APPS)) {
      lines.push(`    ${app.id}  ${app.mode.padEnd(4)}  ${frontendOf(app.id)}  ${app.name}`);
    }
    if (apps.length > LISTED_APPS)
      lines.push(`    … and ${apps.length - LISTED_APPS} more: npx overture app list`);
    if (defaultId) {
      lines.push(`  Default app:     ${defaultId} (OVERTURE_DEFAULT_APP), also at ${base}/v1/session`);
    } else {
      lines.push(
        `  warning: with ${apps.length} apps and no OVERTURE_DEFAULT_APP, ${base}/v1/session and`,
        `           ${base}/.well-known/jwks.json serve no app (404). Use each app's own URL above,`,
        "           or set OVERTURE_DEFAULT_APP to the app plain hosts should serve.",
      );
    }
  }
  if (created) {
    lines.push(
      `  API key:         ${created.apiKey}`,
      "",
      "  The API key is shown only this once; it is stored hashed. Keep it now.",
    );
  } else if (apps.length > 0) {
    lines.push(
      `  API key:         printed when the app was made; another: npx overture key create --app ${only?.id ?? "<id>"}`,
    );
  }
  lines.push("");
  return lines.join("\n");
}

/** The Frontend API of an app at its own host, `{appId}.<base domain>`, on the port the server uses. */
export function appFrontendUrl(base: string, appId: string, baseDomain: string): string {
  const url = new URL(base);
  url.hostname = `${appId}.${baseDomain}`;
  return `${url.origin}/v1/session`;
}

/**
 * What a prod app would hand its users at this start that it should not: a Frontend API over plain
 * HTTP, or at `{appId}.localhost`, which no browser but this machine's reaches.
 */
export function prodAppWarnings(config: Readonly<Config>, apps: AppRecord[]): string[] {
  const warnings: string[] = [];
  for (const app of apps.filter((a) => a.mode === "prod")) {
    if (!config.server.tls && config.server.publicUrl.startsWith("http:")) {
      warnings.push(
        `app ${app.id} is in prod mode but the server is served over plain HTTP (OVERTURE_PUBLIC_URL ${config.server.publicUrl}): set OVERTURE_TLS_CERT and OVERTURE_TLS_KEY, or terminate TLS in front and set OVERTURE_PUBLIC_URL to the https:// origin`,
      );
    }
    if (config.frontend.baseDomain === "localhost") {
      warnings.push(
        `app ${app.id} is in prod mode but OVERTURE_BASE_DOMAIN is still localhost: its Frontend API host ${app.id}.localhost is reachable from this machine only; set OVERTURE_BASE_DOMAIN or register a domain (docs/domains.md)`,
      );
    }
  }
  return warnings;
}
