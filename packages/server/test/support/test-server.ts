import { randomBytes } from "node:crypto";
import type { FastifyInstance, InjectOptions } from "fastify";
import { createApp } from "../../src/app.js";
import type { Config } from "../../src/config/config-schema.js";
import { loadConfig } from "../../src/config/load-config.js";
import { provisionApp } from "../../src/domain/apps/apps.js";
import type { Clock } from "../../src/domain/shared/clock.js";
import type { DomainDeps } from "../../src/domain/shared/domain-deps.js";
import type { Store } from "../../src/domain/shared/store.js";
import type { DerivedKeys } from "../../src/keys/derived-keys.js";
import type { KeyRing } from "../../src/keys/key-ring.js";
import { createDomainDeps } from "../../src/runtime.js";
import { createStore } from "../../src/storage/kysely-store.js";
import type { DialectName } from "../../src/storage/open-database.js";
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
  close(): Promise<void>;
}

export async function startTestServer(
  dialect: DialectName,
  env: Record<string, string> = {},
  options: { https?: { cert: Buffer; key: Buffer }; logger?: Record<string, unknown> } = {},
): Promise<TestServer> {
  const db = await createTestDatabase(dialect);
  const clock = new TestClock();
  const masterKey = randomBytes(32);
  const config = loadConfig({ OVERTURE_LOG_LEVEL: "silent", ...env });
  const domain = createDomainDeps(config, createStore(db.database), {
    masterKey,
    clock,
    passwordHashConcurrency: 2,
  });
  const { store, keys, secrets } = domain;
  const app = await createApp({
    config,
    domain,
    logger: options.logger ?? false,
    ...(options.https && { https: options.https }),
  });
  await app.ready();
  const created = await provisionApp(domain, "test");
  const inject = async (options: InjectOptions): Promise<Answer> => {
    const res = await app.inject(options);
    let body: unknown;
    try {
      body = res.body ? JSON.parse(res.body) : undefined;
    } catch {
      body = undefined;
    }
    return { status: res.statusCode, headers: res.headers, body, text: res.body };
  };
  return {
    app,
    config,
    domain,
    store,
    keys,
    secrets,
    masterKey,
    db,
    clock,
    appId: created.app.id,
    apiKey: created.apiKey.secret,
    inject,
    mgmt: (method, path, body, headers = {}) =>
      inject({
        method,
        url: `/v2/session/apps/${created.app.id}${path}`,
        headers: {
          authorization: `Bearer ${created.apiKey.secret}`,
          ...(body !== undefined && { "content-type": "application/json" }),
          ...headers,
        },
        ...(body !== undefined && { payload: typeof body === "string" ? body : JSON.stringify(body) }),
      }),
    close: async () => {
      await app.close();
      await db.drop();
    },
  };
}

/** Counts rows so a test can show that a rejected request wrote nothing. */
export async function rowCounts(server: TestServer) {
  const { db } = server.db.database;
  const count = async (table: "users" | "user_identifiers" | "outbox_events") =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    users: await count("users"),
    identifiers: await count("user_identifiers"),
    events: await count("outbox_events"),
  };
}
