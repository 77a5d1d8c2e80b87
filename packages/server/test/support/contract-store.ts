import { DEFAULT_LIFETIMES } from "../../src/domain/apps/session-lifetimes.js";
import { newId } from "../../src/domain/shared/new-id.js";
import type { Store } from "../../src/domain/shared/store.js";
import { createStore } from "../../src/storage/kysely-store.js";
import type { DialectName } from "../../src/storage/open-database.js";
import { createTestDatabase, type TestDatabase } from "./test-databases.js";

export const CONTRACT_NOW = Date.UTC(2026, 0, 1);

/**
 * A store on a fresh database, with apps already there, for repository contract suites: they
 * test each repository through its interface only, the same on SQLite and PostgreSQL.
 */
export async function contractStore(
  dialect: DialectName,
  appIds: string[] = ["acontract1"],
): Promise<{ store: Store; t: TestDatabase; appId: string; otherAppId: string | undefined }> {
  const t = await createTestDatabase(dialect);
  const store = createStore(t.database);
  for (const id of appIds) {
    await store.apps.create({
      id,
      name: id,
      mode: "dev",
      tokenAlg: "ES256",
      ...DEFAULT_LIFETIMES,
      createdAt: CONTRACT_NOW,
      updatedAt: CONTRACT_NOW,
    });
  }
  return { store, t, appId: appIds[0] ?? "", otherAppId: appIds[1] };
}

/** A user row for repositories that need one to point at. */
export async function contractUser(store: Store, appId: string, externalId: string | null = null) {
  const id = newId("usr");
  await store.users.insert({
    id,
    appId,
    externalId,
    status: "active",
    profile: {},
    passwordHash: null,
    createdAt: CONTRACT_NOW,
    updatedAt: CONTRACT_NOW,
  });
  return id;
}
