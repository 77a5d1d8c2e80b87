import type { Kysely } from "kysely";
import { KyselyApiKeyRepository } from "./api-key-repository.js";
import { KyselyAppConfigRepository } from "./app-config-repository.js";
import { KyselyAppRepository } from "./app-repository.js";
import type { DatabaseSchema } from "./database-schema.js";
import { KyselyDomainRepository } from "./domain-repository.js";
import { groupCommit } from "./group-commit.js";
import type { Database, DialectName } from "./open-database.js";
import { KyselyOtpRepository } from "./otp-repository.js";
import { KyselyOutboxRepository } from "./outbox-repository.js";
import { KyselyRateLimitRepository } from "./rate-limit-repository.js";
import type { Repositories, Store } from "./repositories.js";
import { KyselySessionRepository } from "./session-repository.js";
import { KyselySigningKeyRepository } from "./signing-key-repository.js";
import { KyselySpentTokenRepository } from "./spent-token-repository.js";
import { KyselyUserRepository } from "./user-repository.js";

function repositories(db: Kysely<DatabaseSchema>, dialect: DialectName): Repositories {
  return {
    apps: new KyselyAppRepository(db),
    apiKeys: new KyselyApiKeyRepository(db),
    users: new KyselyUserRepository(db, dialect),
    outbox: new KyselyOutboxRepository(db),
    signingKeys: new KyselySigningKeyRepository(db),
    sessions: new KyselySessionRepository(db),
    spentTokens: new KyselySpentTokenRepository(db),
    configs: new KyselyAppConfigRepository(db),
    rateLimits: new KyselyRateLimitRepository(db),
    otp: new KyselyOtpRepository(db),
    domains: new KyselyDomainRepository(db),
  };
}

/**
 * The one Store implementation, for SQLite and PostgreSQL alike. SQLite's one connection commits
 * concurrent transactions in groups (group-commit.ts); PostgreSQL runs each on a pooled connection.
 */
export function createStore(database: Database): Store {
  const { db, dialect } = database;
  return {
    ...repositories(db, dialect),
    dialect,
    transaction:
      dialect === "sqlite"
        ? groupCommit(db, (tx) => repositories(tx, dialect))
        : (work) => db.transaction().execute((tx) => work(repositories(tx, dialect))),
  };
}
