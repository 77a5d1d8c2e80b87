import { readFileSync } from "node:fs";
import { type Config, configSchema, type OptionDef, type Options } from "./config-schema.js";

/** Names the option that is wrong, by the key the operator wrote, and why. */
export class ConfigError extends Error {
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super(`${key}: ${reason}`);
    this.name = "ConfigError";
  }
}

/**
 * Builds the one Config of the process from the environment and, when `OVERTURE_CONFIG` names one,
 * a JSON file (environment wins). Unknown file keys and invalid values are errors, never ignored.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const file = env.OVERTURE_CONFIG ? readConfigFile(env.OVERTURE_CONFIG) : {};
  const known = new Set<string>(configSchema.map((o) => o.file));
  for (const key of Object.keys(file)) {
    if (!known.has(key)) throw new ConfigError(`${env.OVERTURE_CONFIG}: ${key}`, "is not a known option");
  }
  const resolved: Partial<Options> = {};
  for (const def of configSchema as readonly OptionDef[]) {
    const fromEnv = env[def.env];
    const [raw, source] =
      fromEnv !== undefined && fromEnv !== ""
        ? [fromEnv, def.env]
        : def.file in file
          ? [file[def.file], `${env.OVERTURE_CONFIG}: ${def.file}`]
          : [undefined, def.env];
    if (raw === undefined) {
      Object.assign(resolved, { [def.key]: def.default(resolved) });
      continue;
    }
    const parsed = def.parse(raw);
    if ("error" in parsed) {
      throw new ConfigError(
        source,
        `${parsed.error} (got ${def.secret ? "a redacted value" : JSON.stringify(raw)})`,
      );
    }
    Object.assign(resolved, { [def.key]: parsed.value });
  }
  const o = resolved as Options;
  if ((o.tlsCert === null) !== (o.tlsKey === null)) {
    const missing = o.tlsCert ? "OVERTURE_TLS_KEY" : "OVERTURE_TLS_CERT";
    throw new ConfigError(
      missing,
      "is required when the other of OVERTURE_TLS_CERT / OVERTURE_TLS_KEY is set",
    );
  }
  return deepFreeze(sections(o));
}

/**
 * `OVERTURE_*` variables that name no option (a typo, an option of another release). Variables
 * the tooling reads itself (tests, benchmarks, the config file's path) are not options but known.
 */
export function unknownVariables(env: NodeJS.ProcessEnv): string[] {
  const known = new Set<string>(configSchema.map((o) => o.env));
  return Object.keys(env)
    .filter((name) => name.startsWith("OVERTURE_") && !known.has(name))
    .filter((name) => !/^OVERTURE_(CONFIG|TEST_|BENCH_|FUZZ_|CHROMIUM|API_KEY)/.test(name))
    .sort();
}

/** The options in the sections the rest of the server reads. */
function sections(o: Options): Config {
  return {
    server: {
      port: o.port,
      host: o.host,
      publicUrl: o.publicUrl,
      bodyLimit: o.bodyLimit,
      logLevel: o.logLevel,
      trustProxy: o.trustProxy,
      tls: o.tlsCert !== null && o.tlsKey !== null ? { cert: o.tlsCert, key: o.tlsKey } : null,
      workers: o.workers,
      shutdownTimeoutMs: o.shutdownTimeoutMs,
      metrics: o.metricsPort === null ? null : { port: o.metricsPort, host: o.metricsHost },
      console: o.console,
    },
    frontend: { baseDomain: o.baseDomain, defaultApp: o.defaultApp, dnsServers: o.dnsServers },
    storage: {
      dataDir: o.dataDir,
      databaseUrl: o.databaseUrl,
      poolSize: o.databasePoolSize,
      sqliteCacheMib: o.sqliteCacheMib,
      sqliteMmapMib: o.sqliteMmapMib,
    },
    keys: { masterKey: o.masterKey },
    login: {
      passwordHashConcurrency: o.passwordHashConcurrency,
      smtpAllowedInternalHosts: o.smtpAllowedInternalHosts,
    },
    webhooks: { retentionDays: o.webhookRetentionDays },
    oauth: { endpoints: o.oauthEndpoints, endpointsInProd: o.oauthEndpointsInProd },
  };
}

function deepFreeze<T>(value: T): Readonly<T> {
  if (typeof value === "object" && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError("OVERTURE_CONFIG", `cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      throw new Error("not an object");
    return parsed as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError("OVERTURE_CONFIG", `${path} is not a JSON object: ${(error as Error).message}`);
  }
}
