import { randomBytes } from "node:crypto";
import type { Writable } from "node:stream";
import type { FastifyInstance, InjectOptions } from "fastify";
import { createApp } from "../../src/app.js";
import type { Config, LogLevel } from "../../src/config/config-schema.js";
import { loadConfig } from "../../src/config/load-config.js";
import { provisionApp } from "../../src/domain/apps/apps.js";
import type { Clock } from "../../src/domain/shared/clock.js";
import type { DomainDeps } from "../../src/domain/shared/domain-deps.js";
import type { Store } from "../../src/domain/shared/store.js";
import { readWebhookBacklog } from "../../src/domain/webhooks/webhook-backlog.js";
import type { DerivedKeys } from "../../src/keys/derived-keys.js";
import type { KeyRing } from "../../src/keys/key-ring.js";
import { createLogger, type Logger } from "../../src/log/create-logger.js";
import { instrumentOutbound } from "../../src/metrics/instrumented-outbound.js";
import { createMetrics, type Metrics } from "../../src/metrics/metrics.js";
import { registryMetrics, startMetricsServer } from "../../src/metrics/metrics-server.js";
import { createOutboundClient } from "../../src/outbound/outbound-client.js";
import { createProbes, type Probes } from "../../src/probes.js";
import { createDomainDeps } from "../../src/runtime.js";
import { createStore } from "../../src/storage/kysely-store.js";
import type { Database, DialectName } from "../../src/storage/open-database.js";
import { createTestDatabase, type TestDatabase } from "./test-databases.js";

/** A clock tests can move; starts at the real time so ids and timestamps look normal. */
export class TestClock implements Clock {
  private offset = 0;
  now(): number {
    return Date.now() + this.offset;
  }
  advance(ms: number): void {
    this.offset += ms;
  }
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are inspected field by field
  body: any;
  text: string;
}

export interface TestServer {
  app: FastifyInstance;
  config: Readonly<Config>;
  /** The domain's services, as the server uses them. */
  domain: DomainDeps;
  store: Store;
  keys: KeyRing;
  secrets: DerivedKeys;
  /** The installation's master key, for a second "node" on the same database. */
  masterKey: Buffer;
  db: TestDatabase;
  /** This node's readiness and draining flag, as `/readyz` reports them. */
  probes: Probes;
  clock: TestClock;
  appId: string;
  apiKey: string;
  /** A Management call on this server's app with its key; `body` is sent as JSON. */
  mgmt(
    method: InjectOptions["method"],
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Answer>;
  inject(options: InjectOptions): Promise<Answer>;
  /**
   * The same server, seen from a new app of its own: for a test that switches the app's mode or
   * keys, so no other test sees the switch. Closing it closes nothing.
   */
  forNewApp(name: string): Promise<TestServer>;
  /**
   * Another node on the same database: its own connection, domain services and caches, as a second
   * process behind a load balancer has. The same app and key; closing it closes only the node.
   */
  secondNode(): Promise<TestServer>;
  /** With the `metrics` option: where the metrics listener serves. */
  metricsUrl?: string;
  close(): Promise<void>;
}

export async function startTestServer(
  dialect: DialectName,
  env: Record<string, string> = {},
  options: {
    https?: { cert: Buffer; key: Buffer };
    /** Captures the server's log lines (the HTTP server's and the domain's) at `level`. */
    logger?: { level: LogLevel; stream: Writable };
    /** Count requests and outbound calls, and serve them at `metricsUrl` (as OVERTURE_METRICS_PORT does). */
    metrics?: boolean;
  } = {},
): Promise<TestServer> {
  const db = await createTestDatabase(dialect);
  const clock = new TestClock();
  const masterKey = randomBytes(32);
  const config = loadConfig({ OVERTURE_LOG_LEVEL: "silent", ...env });
  const metrics = options.metrics ? createMetrics() : undefined;
  const store = createStore(
    db.database,
    metrics && ((requests, seconds) => metrics.transaction(requests, seconds)),
  );
  const logger = options.logger && createLogger(options.logger.level, options.logger.stream);
  const domain = createDomainDeps(config, store, {
    masterKey,
    clock,
    passwordHashConcurrency: 2,
    ...(logger && { log: logger }),
    ...(metrics && { outbound: instrumentOutbound(createOutboundClient(), metrics) }),
  });
  metrics?.watchBacklog(() => readWebhookBacklog(domain));
  const nodeOptions = {
    ...(options.https && { https: options.https }),
    ...(logger && { logger }),
  };
  const node = await startNode(config, domain, db.database, { ...nodeOptions, ...(metrics && { metrics }) });
  const metricsServer = metrics
    ? await startMetricsServer(registryMetrics(metrics.registry), 0, "127.0.0.1")
    : null;
  const created = await provisionApp(domain, "test");
  const view = (
    n: { app: FastifyInstance; domain: DomainDeps; inject: TestServer["inject"]; probes: Probes },
    appId: string,
    apiKey: string,
    close: () => Promise<void>,
  ): TestServer => ({
    app: n.app,
    config,
    domain: n.domain,
    store: n.domain.store,
    keys: n.domain.keys,
    secrets: n.domain.secrets,
    masterKey,
    db,
    probes: n.probes,
    clock,
    appId,
    apiKey,
    inject: n.inject,
    mgmt: (method, path, body, headers = {}) =>
      n.inject({
        method,
        url: `/v2/session/apps/${appId}${path}`,
        headers: {
          authorization: `Bearer ${apiKey}`,
          ...(body !== undefined && { "content-type": "application/json" }),
          ...headers,
        },
        ...(body !== undefined && { payload: typeof body === "string" ? body : JSON.stringify(body) }),
      }),
    forNewApp: async (name) => {
      const made = await provisionApp(n.domain, name);
      return view(n, made.app.id, made.apiKey.secret, async () => {});
    },
    secondNode: async () => {
      const database = db.reopen();
      const other = await startNode(
        config,
        createDomainDeps(config, createStore(database), {
          masterKey,
          clock,
          passwordHashConcurrency: 2,
          ...(logger && { log: logger }),
        }),
        database,
        nodeOptions,
      );
      return view(other, appId, apiKey, async () => {
        await other.app.close();
        await database.close();
      });
    },
    close,
  });
  const server = view(node, created.app.id, created.apiKey.secret, async () => {
    await metricsServer?.close();
    await node.app.close();
    await db.drop();
  });
  return metricsServer ? { ...server, metricsUrl: `${metricsServer.address}/metrics` } : server;
}

async function startNode(
  config: Readonly<Config>,
  domain: DomainDeps,
  database: Database,
  options: { https?: { cert: Buffer; key: Buffer }; logger?: Logger; metrics?: Metrics },
) {
  const probes = createProbes(database);
  const app = await createApp({
    config,
    domain,
    probes,
    ...(options.metrics && { metrics: options.metrics }),
    ...(options.logger && { logger: options.logger }),
    ...(options.https && { https: options.https }),
  });
  await app.ready();
  const inject = async (injected: InjectOptions): Promise<Answer> => {
    const res = await app.inject(injected);
    let body: unknown;
    try {
      body = res.body ? JSON.parse(res.body) : undefined;
    } catch {
      body = undefined;
    }
    return { status: res.statusCode, headers: res.headers, body, text: res.body };
  };
  return { app, domain, inject, probes };
}
