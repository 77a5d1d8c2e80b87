import { randomBytes } from "node:crypto";
import { createApp } from "../app.js";
import { loadConfig } from "../config/load-config.js";
import { createArgon2idHasher } from "../domain/passwords/password-hasher.js";
import { systemClock } from "../domain/shared/clock.js";
import { deriveKeys } from "../keys/derived-keys.js";
import { KeyRing } from "../keys/key-ring.js";
import { createStore } from "../storage/kysely-store.js";
import { openDatabase } from "../storage/open-database.js";

/** The OpenAPI document as /openapi.json serves it, built without touching any real database. */
export async function renderOpenApi(): Promise<string> {
  const database = openDatabase({ dialect: "sqlite", file: ":memory:" });
  const store = createStore(database);
  const app = await createApp({
    config: loadConfig({}),
    store,
    clock: systemClock,
    passwords: createArgon2idHasher(1),
    keys: new KeyRing({ store, clock: systemClock, masterKey: randomBytes(32) }),
    secrets: deriveKeys(randomBytes(32)),
    logger: false,
  });
  try {
    await app.ready();
    return `${JSON.stringify(app.swagger(), null, 2)}\n`;
  } finally {
    await app.close();
    await database.close();
  }
}
