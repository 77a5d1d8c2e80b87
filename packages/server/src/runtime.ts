import type { Config } from "./config/config-schema.js";
import { systemCnameResolver } from "./dns/system-cname-resolver.js";
import { AppDirectory } from "./domain/apps/app-directory.js";
import { PasskeyKeys } from "./domain/passkeys/passkey-keys.js";
import { createArgon2idHasher } from "./domain/passwords/password-hasher.js";
import { TokenContentsCache } from "./domain/sessions/token-contents.js";
import { type Clock, systemClock } from "./domain/shared/clock.js";
import type { DomainDeps } from "./domain/shared/domain-deps.js";
import type { Store } from "./domain/shared/store.js";
import { readWebhookBacklog } from "./domain/webhooks/webhook-backlog.js";
import { createCustomerJwksClient } from "./hooks/customer-jwks-client.js";
import { createDelegationHookClient } from "./hooks/delegation-hook-client.js";
import { createMigrationHookClient } from "./hooks/migration-hook-client.js";
import { createWebhookActivationClient } from "./hooks/webhook-activation-client.js";
import { createWebhookSenderClient } from "./hooks/webhook-sender-client.js";
import { createIdentityProvidersClient } from "./idp/identity-providers-client.js";
import { deriveKeys } from "./keys/derived-keys.js";
import { KeyRing } from "./keys/key-ring.js";
import { loadMasterKey } from "./keys/master-key.js";
import { createLogger, type Logger } from "./log/create-logger.js";
import { instrumentOutbound } from "./metrics/instrumented-outbound.js";
import { createMetrics, type Metrics } from "./metrics/metrics.js";
import { createOutboundClient, type OutboundClient } from "./outbound/outbound-client.js";
import { gatewaySender } from "./senders/gateway-sender.js";
import { smtpSender } from "./senders/smtp-sender.js";
import { createStore } from "./storage/kysely-store.js";
import { migrate } from "./storage/migrate.js";
import { type Database, openDatabase, parseDatabaseUrl } from "./storage/open-database.js";
import { createSchemaCompiler } from "./validation/schema-compiler.js";

export interface Runtime {
  config: Readonly<Config>;
  /** This process's Prometheus metrics (metrics/metrics.ts). */
  metrics: Metrics;
  database: Database;
  /** Everything domain operations need, built once for this process. */
  domain: DomainDeps;
  /** The process's one logger, shared by the HTTP server and the domain. */
  logger: Logger;
  /** Migrations applied by this start. */
  migrated: string[];
  /** Closes what the runtime holds open: kept-alive outbound connections, then the database. */
  close(): Promise<void>;
}

/** Opens the configured database, brings its schema up to date and builds the domain's services. */
export async function openRuntime(config: Readonly<Config>): Promise<Runtime> {
  const target = parseDatabaseUrl(config.storage.databaseUrl);
  if ("error" in target) throw new Error(`OVERTURE_DATABASE_URL ${target.error}`);
  const logger = createLogger(config.server.logLevel);
  const database = openDatabase(target, {
    onCheckpointError: (message) => logger.error({ error: message }, "SQLite WAL checkpoint failed"),
    poolSize: config.storage.poolSize,
    sqliteCacheMib: config.storage.sqliteCacheMib,
    sqliteMmapMib: config.storage.sqliteMmapMib,
  });
  try {
    const migrated = await migrate(database);
    const masterKey = loadMasterKey(config.keys.masterKey ?? undefined, config.storage.dataDir);
    const metrics = createMetrics();
    const outbound = instrumentOutbound(createOutboundClient(), metrics);
    const store = createStore(database, (requests, seconds) => metrics.transaction(requests, seconds));
    const domain = createDomainDeps(config, store, { masterKey, outbound, log: logger });
    metrics.watchBacklog(() => readWebhookBacklog(domain));
    const close = async () => {
      outbound.close();
      await database.close();
    };
    return { config, metrics, database, domain, logger, migrated, close };
  } catch (error) {
    await database.close();
    throw error;
  }
}

/**
 * The domain's services over a store: the one place they are wired, for the server, the CLI and
 * tests alike (which pass their own clock, key and hashing concurrency).
 */
export function createDomainDeps(
  config: Readonly<Config>,
  store: Store,
  options: {
    masterKey: Buffer;
    clock?: Clock;
    passwordHashConcurrency?: number;
    outbound?: OutboundClient;
    /** Where the domain's own lines go; none by default (the CLI's commands log nothing). */
    log?: Logger;
  },
): DomainDeps {
  const clock = options.clock ?? systemClock;
  const secrets = deriveKeys(options.masterKey);
  const keys = new KeyRing({ store, clock, masterKey: options.masterKey });
  const outbound = options.outbound ?? createOutboundClient();
  return {
    store,
    clock,
    log: options.log ?? createLogger("silent"),
    passwords: createArgon2idHasher(
      options.passwordHashConcurrency ?? config.login.passwordHashConcurrency,
      secrets.importedHashSecrets,
    ),
    keys,
    secrets,
    tokenContents: new TokenContentsCache(store),
    passkeyKeys: new PasskeyKeys(),
    directory: new AppDirectory(
      store,
      { baseDomain: config.frontend.baseDomain, defaultApp: config.frontend.defaultApp },
      () => clock.now(),
    ),
    baseDomain: config.frontend.baseDomain,
    dns: systemCnameResolver(config.frontend.dnsServers),
    migrationHook: createMigrationHookClient({ keys, clock, outbound, schemas: createSchemaCompiler() }),
    delegationHook: createDelegationHookClient({ keys, clock, outbound }),
    customerJwks: createCustomerJwksClient({ clock, outbound }),
    webhookActivator: createWebhookActivationClient({ clock, outbound }),
    webhookSender: createWebhookSenderClient({ keys, clock, outbound }),
    identityProviders: createIdentityProvidersClient({ clock, outbound, oauth: config.oauth }),
    otpTransports: {
      gateway: gatewaySender(outbound),
      mail: smtpSender(config.login.smtpAllowedInternalHosts),
    },
  };
}
