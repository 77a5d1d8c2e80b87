import type { Config } from "./config/config-schema.js";
import { createArgon2idHasher, type PasswordHasher } from "./domain/passwords/password-hasher.js";
import { type Clock, systemClock } from "./domain/shared/clock.js";
import type { Store } from "./domain/shared/store.js";
import { type DerivedKeys, deriveKeys } from "./keys/derived-keys.js";
import { KeyRing } from "./keys/key-ring.js";
import { loadMasterKey } from "./keys/master-key.js";
import { createStore } from "./storage/kysely-store.js";
import { migrate } from "./storage/migrate.js";
import { type Database, openDatabase, parseDatabaseUrl } from "./storage/open-database.js";

export interface Runtime {
  config: Readonly<Config>;
  database: Database;
  store: Store;
  clock: Clock;
  passwords: PasswordHasher;
  keys: KeyRing;
  secrets: DerivedKeys;
  /** Migrations applied by this start. */
  migrated: string[];
}

/** Opens the configured database, brings its schema up to date and builds the shared services. */
export async function openRuntime(config: Readonly<Config>): Promise<Runtime> {
  const target = parseDatabaseUrl(config.databaseUrl);
  if ("error" in target) throw new Error(`OVERTURE_DATABASE_URL ${target.error}`);
  const database = openDatabase(target, {
    poolSize: config.databasePoolSize,
    sqliteCacheMib: config.sqliteCacheMib,
    sqliteMmapMib: config.sqliteMmapMib,
  });
  try {
    const migrated = await migrate(database);
    const store = createStore(database);
    const masterKey = loadMasterKey(config.masterKey || undefined, config.dataDir);
    const secrets = deriveKeys(masterKey);
    return {
      config,
      database,
      store,
      clock: systemClock,
      passwords: createArgon2idHasher(config.passwordHashConcurrency, secrets.importedHashSecrets),
      keys: new KeyRing({ store, clock: systemClock, masterKey }),
      secrets,
      migrated,
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}
