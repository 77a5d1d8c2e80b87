import { isIP } from "node:net";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { OAUTH_PROVIDERS, type OAuthProvider } from "@overture/protocol";
import {
  parseDatabaseUrl,
  SQLITE_CACHE_MIB_DEFAULT,
  SQLITE_MMAP_MIB_DEFAULT,
} from "../storage/open-database.js";

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
export type ConsoleSetting = "auto" | "on" | "off";

/**
 * The process's configuration, parsed once (load-config.ts) and frozen, in sections. An option
 * that may be absent is `null`, never an empty string. Sections to come: passkeys.
 */
export interface Config {
  server: {
    port: number;
    host: string;
    /** Externally visible origin: printed URLs, and the token issuer of the default app. */
    publicUrl: string;
    bodyLimit: number;
    logLevel: LogLevel;
    /** false, a hop count, or the addresses/CIDRs of trusted proxies (docs/security.md). */
    trustProxy: false | number | string[];
    /** PEM files; the server speaks HTTPS when set. */
    tls: { cert: string; key: string } | null;
    workers: number;
    /** How long a stopping server waits for in-flight requests before closing their connections. */
    shutdownTimeoutMs: number;
    /** The Prometheus listener; null: no metrics served. */
    metrics: { port: number; host: string } | null;
    /** The admin console at /console (docs/console.md): `auto` serves it while no app is in prod. */
    console: ConsoleSetting;
  };
  /** How Frontend requests find their app (docs/frontend-api.md). */
  frontend: {
    baseDomain: string;
    defaultApp: string | null;
    /** Resolvers for custom-domain CNAME checks; empty uses the system's. */
    dnsServers: string[];
  };
  storage: {
    dataDir: string;
    databaseUrl: string;
    poolSize: number;
    sqliteCacheMib: number;
    sqliteMmapMib: number;
  };
  keys: {
    /** null: use (or create) `<data_dir>/master.key`. */
    masterKey: string | null;
  };
  login: {
    passwordHashConcurrency: number;
    smtpAllowedInternalHosts: string[];
  };
  webhooks: {
    /** How long delivered webhook deliveries stay in the delivery log. */
    retentionDays: number;
  };
  oauth: {
    /** Social login providers whose endpoints are elsewhere than the public ones (docs/social-login.md). */
    endpoints: Partial<Record<OAuthProvider, string>>;
    /** Whether `prod` apps may use overridden endpoints. */
    endpointsInProd: boolean;
  };
}

/** Every option as it is read, one value each, before load-config.ts arranges them in sections. */
export interface Options {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string;
  logLevel: LogLevel;
  publicUrl: string;
  bodyLimit: number;
  databasePoolSize: number;
  sqliteCacheMib: number;
  sqliteMmapMib: number;
  passwordHashConcurrency: number;
  trustProxy: false | number | string[];
  masterKey: string | null;
  baseDomain: string;
  defaultApp: string | null;
  tlsCert: string | null;
  tlsKey: string | null;
  dnsServers: string[];
  smtpAllowedInternalHosts: string[];
  workers: number;
  shutdownTimeoutMs: number;
  metricsPort: number | null;
  metricsHost: string;
  webhookRetentionDays: number;
  oauthEndpoints: Partial<Record<OAuthProvider, string>>;
  oauthEndpointsInProd: boolean;
  console: ConsoleSetting;
}

type Parsed<T> = { value: T } | { error: string };

export interface OptionDef<K extends keyof Options = keyof Options> {
  key: K;
  /** The section of Config it lands in (load-config.ts). */
  section: keyof Config;
  /** Key in the optional JSON config file. */
  file: string;
  env: string;
  doc: string;
  /** The default as documented. */
  defaultDoc: string;
  /** Never echoed in error messages. */
  secret?: boolean;
  default: (resolved: Partial<Options>) => Options[K];
  parse: (raw: unknown) => Parsed<Options[K]>;
}

const integer =
  (min: number, max: number) =>
  (raw: unknown): Parsed<number> => {
    const n =
      typeof raw === "number"
        ? raw
        : typeof raw === "string" && /^-?\d+$/.test(raw.trim())
          ? Number(raw)
          : NaN;
    return Number.isInteger(n) && n >= min && n <= max
      ? { value: n }
      : { error: `must be an integer from ${min} to ${max}` };
  };

const nonEmptyString = (raw: unknown): Parsed<string> =>
  typeof raw === "string" && raw.trim() !== ""
    ? { value: raw.trim() }
    : { error: "must be a non-empty string" };

const logLevels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

function option<K extends keyof Options>(def: OptionDef<K>): OptionDef<K> {
  return def;
}

/** Every option, in the order docs/config.md lists them. */
export const configSchema = [
  option({
    key: "port",
    section: "server",
    file: "port",
    env: "OVERTURE_PORT",
    doc: "TCP port the server listens on (0 picks a free port).",
    defaultDoc: "`4000`",
    default: () => 4000,
    parse: integer(0, 65535),
  }),
  option({
    key: "host",
    section: "server",
    file: "host",
    env: "OVERTURE_HOST",
    doc: "Interface to bind. The default only accepts local connections; use `0.0.0.0` in a container.",
    defaultDoc: "`127.0.0.1`",
    default: () => "127.0.0.1",
    parse: nonEmptyString,
  }),
  option({
    key: "tlsCert",
    section: "server",
    file: "tls_cert",
    env: "OVERTURE_TLS_CERT",
    doc: "PEM certificate file; with `OVERTURE_TLS_KEY` the server listens with HTTPS. `overture dev-cert` makes one.",
    defaultDoc: "none (plain HTTP)",
    default: () => null,
    parse: nonEmptyString,
  }),
  option({
    key: "tlsKey",
    section: "server",
    file: "tls_key",
    env: "OVERTURE_TLS_KEY",
    doc: "PEM private key file matching `OVERTURE_TLS_CERT`.",
    defaultDoc: "none",
    default: () => null,
    parse: nonEmptyString,
  }),
  option({
    key: "workers",
    section: "server",
    file: "workers",
    env: "OVERTURE_WORKERS",
    doc: "Server processes sharing the port (node:cluster); one per core uses the whole machine. The state is in the database, so any number works.",
    defaultDoc: "`1`",
    default: () => 1,
    parse: integer(1, 64),
  }),
  option({
    key: "shutdownTimeoutMs",
    section: "server",
    file: "shutdown_timeout_ms",
    env: "OVERTURE_SHUTDOWN_TIMEOUT_MS",
    doc:
      "On SIGTERM or SIGINT, how long in-flight requests may take to finish before their connections " +
      "are closed; `/readyz` fails and the listener stops at once (docs/operations.md). Keep it under " +
      "the orchestrator's grace period (Kubernetes: 30 s).",
    defaultDoc: "`20000`",
    default: () => 20_000,
    parse: integer(0, 600_000),
  }),
  option({
    key: "metricsPort",
    section: "server",
    file: "metrics_port",
    env: "OVERTURE_METRICS_PORT",
    doc:
      "Serve Prometheus metrics at `GET /metrics` on this port, a listener of its own (never the API's), " +
      "unauthenticated: expose it only to the scraper (docs/operations.md). With OVERTURE_WORKERS the " +
      "primary serves every worker's metrics, aggregated.",
    defaultDoc: "none: no metrics",
    default: () => null,
    parse: integer(1, 65535),
  }),
  option({
    key: "metricsHost",
    section: "server",
    file: "metrics_host",
    env: "OVERTURE_METRICS_HOST",
    doc: "Address the metrics listener binds; `0.0.0.0` to let a scraper on another host (a Kubernetes pod's Prometheus) reach it.",
    defaultDoc: "`127.0.0.1`",
    default: () => "127.0.0.1",
    parse: nonEmptyString,
  }),
  option({
    key: "dataDir",
    section: "storage",
    file: "data_dir",
    env: "OVERTURE_DATA_DIR",
    doc: "Directory for the embedded SQLite database and other local state.",
    defaultDoc: "`./.overture`",
    default: () => ".overture",
    parse: nonEmptyString,
  }),
  option({
    key: "databaseUrl",
    section: "storage",
    file: "database_url",
    env: "OVERTURE_DATABASE_URL",
    doc: "`postgres://user:pass@host:5432/db` for PostgreSQL; a file path or `sqlite:<path>` for SQLite.",
    defaultDoc: "`<data_dir>/overture.db` (SQLite)",
    default: (c) => join(c.dataDir ?? ".overture", "overture.db"),
    parse: (raw) => {
      const s = nonEmptyString(raw);
      if ("error" in s) return s;
      const target = parseDatabaseUrl(s.value);
      return "error" in target ? { error: target.error } : s;
    },
  }),
  option({
    key: "logLevel",
    section: "server",
    file: "log_level",
    env: "OVERTURE_LOG_LEVEL",
    doc: `Log level: ${logLevels.join(", ")}.`,
    defaultDoc: "`info`",
    default: () => "info" as const,
    parse: (raw) =>
      typeof raw === "string" && (logLevels as readonly string[]).includes(raw)
        ? { value: raw as LogLevel }
        : { error: `must be one of ${logLevels.join(", ")}` },
  }),
  option({
    key: "console",
    section: "server",
    file: "console",
    env: "OVERTURE_CONSOLE",
    doc:
      "The admin console at `/console` (docs/console.md): `on`, `off`, or `auto`, which serves it " +
      "while no app of the installation is in `prod` mode.",
    defaultDoc: "`auto`",
    default: () => "auto" as const,
    parse: (raw) =>
      raw === "auto" || raw === "on" || raw === "off"
        ? { value: raw as ConsoleSetting }
        : { error: "must be auto, on or off" },
  }),
  option({
    key: "publicUrl",
    section: "server",
    file: "public_url",
    env: "OVERTURE_PUBLIC_URL",
    doc: "Externally visible origin of the server (scheme, host, port): used in printed URLs, and as the `iss` of tokens for the default app served on other hosts (docs/frontend-api.md).",
    defaultDoc: "`http://localhost:<port>` (`https://` with TLS)",
    default: (c) => `${c.tlsCert ? "https" : "http"}://localhost:${c.port ?? 4000}`,
    parse: (raw) => {
      const s = nonEmptyString(raw);
      if ("error" in s) return s;
      try {
        const url = new URL(s.value);
        if (url.protocol !== "http:" && url.protocol !== "https:") return { error: "must be an http(s) URL" };
        return { value: url.origin };
      } catch {
        return { error: "must be an absolute http(s) URL" };
      }
    },
  }),
  option({
    key: "bodyLimit",
    section: "server",
    file: "body_limit",
    env: "OVERTURE_BODY_LIMIT",
    doc: "Largest accepted request body in bytes; larger bodies get `413 payload_too_large`.",
    defaultDoc: "`65536` (64 KiB)",
    default: () => 65_536,
    parse: integer(1024, 10 * 1024 * 1024),
  }),
  option({
    key: "databasePoolSize",
    section: "storage",
    file: "database_pool_size",
    env: "OVERTURE_DATABASE_POOL_SIZE",
    doc: "PostgreSQL connections per server process (SQLite uses one connection).",
    defaultDoc: "`10`",
    default: () => 10,
    parse: integer(1, 1000),
  }),
  option({
    key: "sqliteCacheMib",
    section: "storage",
    file: "sqlite_cache_mib",
    env: "OVERTURE_SQLITE_CACHE_MIB",
    doc:
      "SQLite page cache of each server process, in MiB. Small on purpose: reads it misses come from the " +
      "memory map, and a bigger cache makes some commits slower while the file is under 1 GiB (docs/storage.md).",
    defaultDoc: `\`${SQLITE_CACHE_MIB_DEFAULT}\``,
    default: () => SQLITE_CACHE_MIB_DEFAULT,
    parse: integer(1, 65_536),
  }),
  option({
    key: "sqliteMmapMib",
    section: "storage",
    file: "sqlite_mmap_mib",
    env: "OVERTURE_SQLITE_MMAP_MIB",
    doc: "How much of the SQLite file is read through a memory map, in MiB; `0` reads with `pread` only.",
    defaultDoc: `\`${SQLITE_MMAP_MIB_DEFAULT}\``,
    default: () => SQLITE_MMAP_MIB_DEFAULT,
    parse: integer(0, 1_048_576),
  }),
  option({
    key: "passwordHashConcurrency",
    section: "login",
    file: "password_hash_concurrency",
    env: "OVERTURE_PASSWORD_HASH_CONCURRENCY",
    doc:
      "Password hashes (argon2id, 19 MiB each) computed at once; more wait in a queue. Imported hashes " +
      "of one app may hold at most this minus one of them (docs/passwords.md).",
    defaultDoc: "number of CPU cores",
    default: () => availableParallelism(),
    parse: integer(1, 256),
  }),
  option({
    key: "trustProxy",
    section: "server",
    file: "trust_proxy",
    env: "OVERTURE_TRUST_PROXY",
    doc:
      "Which `X-Forwarded-For`/`-Proto`/`-Host` hops to believe, when behind reverse proxies or load " +
      "balancers: `false`; the number of proxies in front of Overture (`1` for one load balancer: the " +
      "client is the address it appended); or comma-separated addresses and CIDR blocks of the proxies " +
      "(also `loopback`, `linklocal`, `uniquelocal`). `true` is refused: trusting every hop lets a " +
      "client choose its own IP (docs/security.md).",
    defaultDoc: "`false`",
    default: () => false as const,
    parse: parseTrustProxy,
  }),
  option({
    key: "masterKey",
    section: "keys",
    file: "master_key",
    env: "OVERTURE_MASTER_KEY",
    doc:
      "32 random bytes, base64url (43 characters): encrypts private signing keys at rest. Every node " +
      "sharing a database needs the same value. Generate one with `openssl rand 32 | basenc --base64url`.",
    defaultDoc: "generated into `<data_dir>/master.key`",
    secret: true,
    default: () => null,
    parse: (raw) =>
      typeof raw === "string" && /^[A-Za-z0-9_-]{43}$/.test(raw.trim())
        ? { value: raw.trim() }
        : { error: "must be 32 bytes encoded as 43 base64url characters" },
  }),
  option({
    key: "baseDomain",
    section: "frontend",
    file: "base_domain",
    env: "OVERTURE_BASE_DOMAIN",
    doc: "Frontend API hosts are `{appId}.<base domain>` (the Frontend API resolves its app from the Host header).",
    defaultDoc: "`localhost`",
    default: () => "localhost",
    parse: (raw) =>
      typeof raw === "string" && /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i.test(raw.trim())
        ? { value: raw.trim().toLowerCase() }
        : { error: "must be a host name" },
  }),
  option({
    key: "defaultApp",
    section: "frontend",
    file: "default_app",
    env: "OVERTURE_DEFAULT_APP",
    doc:
      "App served on hosts that match neither `{appId}.<base domain>` nor a registered domain. " +
      "When unset and the installation has exactly one app, that app is the default.",
    defaultDoc: "none",
    default: () => null,
    parse: nonEmptyString,
  }),
  option({
    key: "dnsServers",
    section: "frontend",
    file: "dns_servers",
    env: "OVERTURE_DNS_SERVERS",
    doc: "Comma-separated `ip[:port]` resolvers for custom-domain CNAME checks; empty uses the system's.",
    defaultDoc: "the system resolvers",
    default: () => [],
    parse: (raw) => {
      const list = (Array.isArray(raw) ? raw : String(raw).split(","))
        .map((v) => String(v).trim())
        .filter(Boolean);
      return list.every((v) => /^[0-9a-f.:[\]]+$/i.test(v))
        ? { value: list }
        : { error: "must be ip[:port] values separated by commas" };
    },
  }),
  option({
    key: "smtpAllowedInternalHosts",
    section: "login",
    file: "smtp_allowed_internal_hosts",
    env: "OVERTURE_SMTP_ALLOWED_INTERNAL_HOSTS",
    doc:
      "Comma-separated SMTP hosts that OTP email senders of `prod` apps may reach although they are or " +
      "resolve to internal addresses (an internal mail relay): host names, matched exactly, or IP " +
      "addresses and CIDR blocks, matched against the resolved addresses (docs/otp.md).",
    defaultDoc: "none",
    default: () => [],
    parse: (raw) => {
      const list = (Array.isArray(raw) ? raw : String(raw).split(","))
        .map((v) => String(v).trim().toLowerCase())
        .filter(Boolean);
      return list.every(isHostOrCidr)
        ? { value: list }
        : { error: "must be host names, IP addresses or CIDR blocks separated by commas" };
    },
  }),
  option({
    key: "webhookRetentionDays",
    section: "webhooks",
    file: "webhook_retention_days",
    env: "OVERTURE_WEBHOOK_RETENTION_DAYS",
    doc:
      "Days a delivered webhook delivery stays in the delivery log before it is purged (failed ones stay), " +
      "and a routed outbox event no delivery refers to is kept (docs/webhooks.md).",
    defaultDoc: "`7`",
    default: () => 7,
    parse: integer(1, 3650),
  }),
  option({
    key: "oauthEndpoints",
    section: "oauth",
    file: "oauth_endpoints",
    env: "OVERTURE_OAUTH_ENDPOINTS",
    doc:
      "JSON object pointing social login providers elsewhere than their public endpoints (an enterprise " +
      'proxy, GitHub Enterprise Server, a test identity provider): `{"google": "https://idp.internal/google"}`. ' +
      "For google, apple and microsoft the value is the issuer base whose `/.well-known/openid-configuration` " +
      "is read; for github the server whose `/login/oauth/*` and `/api/v3` are used. `prod` apps refuse " +
      "overridden providers unless OVERTURE_OAUTH_ENDPOINTS_IN_PROD is true (docs/social-login.md).",
    defaultDoc: "none: the providers' public endpoints",
    default: () => ({}),
    parse: parseOAuthEndpoints,
  }),
  option({
    key: "oauthEndpointsInProd",
    section: "oauth",
    file: "oauth_endpoints_in_prod",
    env: "OVERTURE_OAUTH_ENDPOINTS_IN_PROD",
    doc: "`true` lets `prod` apps sign in through the providers OVERTURE_OAUTH_ENDPOINTS overrides.",
    defaultDoc: "`false`",
    default: () => false,
    parse: (raw) =>
      raw === true || raw === "true"
        ? { value: true }
        : raw === false || raw === "false"
          ? { value: false }
          : { error: "must be true or false" },
  }),
] as const satisfies readonly OptionDef<keyof Options>[];

function parseOAuthEndpoints(raw: unknown): Parsed<Partial<Record<OAuthProvider, string>>> {
  let value: unknown = raw;
  if (typeof raw === "string") {
    try {
      value = JSON.parse(raw);
    } catch {
      return { error: "must be a JSON object of provider names to URLs" };
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return { error: "must be a JSON object of provider names to URLs" };
  const out: Partial<Record<OAuthProvider, string>> = {};
  for (const [provider, url] of Object.entries(value)) {
    if (provider === "okta")
      return { error: "okta needs no override: each app's okta.issuer_url already names its server" };
    if (!(OAUTH_PROVIDERS as readonly string[]).includes(provider))
      return { error: `${provider} is not one of ${OAUTH_PROVIDERS.join(", ")}` };
    let parsed: URL;
    try {
      parsed = new URL(String(url));
    } catch {
      return { error: `${provider} must be an absolute http(s) URL` };
    }
    if ((parsed.protocol !== "https:" && parsed.protocol !== "http:") || parsed.search || parsed.hash)
      return { error: `${provider} must be an http(s) URL without query or fragment` };
    out[provider as OAuthProvider] = parsed.href.replace(/\/+$/, "");
  }
  return { value: out };
}

function parseTrustProxy(raw: unknown): Parsed<false | number | string[]> {
  const text = Array.isArray(raw) ? raw.join(",") : String(raw).trim();
  if (text === "false" || text === "0" || text === "") return { value: false };
  if (text === "true")
    return {
      error:
        "true would trust every hop, so any client could choose its own IP; give the number of proxies in front of Overture (e.g. 1) or their addresses (e.g. 10.0.0.0/8)",
    };
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    return hops <= 16 ? { value: hops } : { error: "a hop count must be from 1 to 16" };
  }
  const named = new Set(["loopback", "linklocal", "uniquelocal"]);
  const list = text
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean);
  const isAddressOrBlock = (v: string) => isIP(v.split("/")[0] ?? "") !== 0 && isHostOrCidr(v);
  return list.every((v) => named.has(v) || isAddressOrBlock(v))
    ? { value: list }
    : { error: "must be false, a hop count, or proxy addresses and CIDR blocks separated by commas" };
}

function isHostOrCidr(value: string): boolean {
  const [net = "", prefix, ...rest] = value.split("/");
  if (rest.length > 0) return false;
  const family = isIP(net);
  if (prefix !== undefined)
    return family !== 0 && /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
  return family !== 0 || /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(net);
}
