import type { Kysely } from "kysely";
import { type Repositories, RolledBack, rollbackWith, type Store } from "../domain/shared/store.js";
import type { DatabaseSchema } from "./database-schema.js";
import { groupCommit, type TransactionObserver } from "./group-commit.js";
import { KyselyActivityRepository } from "./kysely-activity-repository.js";
import { KyselyApiKeyRepository } from "./kysely-api-key-repository.js";
import { KyselyAppConfigRepository } from "./kysely-app-config-repository.js";
import { KyselyAppRepository } from "./kysely-app-repository.js";
import { KyselyDomainRepository } from "./kysely-domain-repository.js";
import { KyselyOAuthStateRepository } from "./kysely-oauth-state-repository.js";
import { KyselyOtpRepository } from "./kysely-otp-repository.js";
import { KyselyOutboxRepository } from "./kysely-outbox-repository.js";
import { KyselyPasskeyRepository } from "./kysely-passkey-repository.js";
import { KyselyRateLimitRepository } from "./kysely-rate-limit-repository.js";
import { KyselyScopeRepository } from "./kysely-scope-repository.js";
import { type Atomically, KyselySessionRepository } from "./kysely-session-repository.js";
import { KyselySigningKeyRepository } from "./kysely-signing-key-repository.js";
import { KyselySpentTokenRepository } from "./kysely-spent-token-repository.js";
import { KyselyStepUpRepository } from "./kysely-step-up-repository.js";
import { KyselyUserRepository } from "./kysely-user-repository.js";
import { KyselyWebhookDeliveryRepository } from "./kysely-webhook-delivery-repository.js";
import { KyselyWebhookRepository } from "./kysely-webhook-repository.js";
import type { Database, DialectName } from "./open-database.js";
import { type PostgresRefreshBatches, postgresRefreshBatches } from "./postgres-refresh-statements.js";

type Db = Kysely<DatabaseSchema>;

/** Inside a transaction every statement is in it already. */
const inThisTransaction =
  (tx: Db): Atomically =>
  (work) =>
    work(tx);

function repositories(
  db: Db,
  dialect: DialectName,
  atomically: Atomically,
  batches?: PostgresRefreshBatches,
): Repositories {
  return {
    apps: new KyselyAppRepository(db),
    apiKeys: new KyselyApiKeyRepository(db),
    users: new KyselyUserRepository(db, dialect),
    outbox: new KyselyOutboxRepository(db, dialect),
    signingKeys: new KyselySigningKeyRepository(db),
    sessions: new KyselySessionRepository(db, dialect, atomically, batches),
    spentTokens: new KyselySpentTokenRepository(db),
    configs: new KyselyAppConfigRepository(db),
    rateLimits: new KyselyRateLimitRepository(db),
    otp: new KyselyOtpRepository(db),
    domains: new KyselyDomainRepository(db),
    scopes: new KyselyScopeRepository(db, dialect),
    stepUp: new KyselyStepUpRepository(db),
    webhooks: new KyselyWebhookRepository(db),
    deliveries: new KyselyWebhookDeliveryRepository(db, dialect),
    oauthStates: new KyselyOAuthStateRepository(db),
    passkeys: new KyselyPasskeyRepository(db),
    activity: new KyselyActivityRepository(db),
  };
}

/**
 * The one Store implementation, for SQLite and PostgreSQL alike. SQLite's one connection commits
 * concurrent transactions in groups (group-commit.ts); PostgreSQL runs each on a pooled connection.
 * `observe` is told each commit's size and duration (metrics).
 */
export function createStore(database: Database, observe: TransactionObserver = () => {}): Store {
  const { db, dialect } = database;
  // A transaction over the database handle it gets: grouped with the event loop turn's others on
  // SQLite, one pooled connection's on PostgreSQL.
  const transact: Atomically =
    dialect === "sqlite"
      ? groupCommit(db, (tx) => tx, observe)
      : (work) => {
          const started = performance.now();
          return db
            .transaction()
            .execute(work)
            .finally(() => observe(1, (performance.now() - started) / 1000));
        };
  const run = <T>(work: (tx: Repositories) => Promise<T>) =>
    transact((tx) => work(repositories(tx, dialect, inThisTransaction(tx))));
  const batches = dialect === "postgres" ? postgresRefreshBatches(db, observe) : undefined;
  return {
    ...repositories(db, dialect, transact, batches),
    dialect,
    transaction: async (work) => {
      try {
        return await run((tx) => work(tx, rollbackWith));
      } catch (error) {
        // Thrown by `rollback`: the work was rolled back (the savepoint, or the transaction) as
        // for any error, and its value is the answer.
        if (error instanceof RolledBack) return error.value;
        throw error;
      }
    },
  };
}
