import type { AppMode } from "@overture/protocol";
import type { ApiKeyRecord, AppRecord, Store } from "../storage/repositories.js";
import { generateApiKeySecret, hashApiKeySecret, looksLikeApiKey } from "./api-key-secret.js";
import type { Clock } from "./clock.js";
import { newAppId, newId } from "./new-id.js";

export interface AppDeps {
  store: Store;
  clock: Clock;
}

export interface IssuedApiKey {
  key: ApiKeyRecord;
  /** The only time the secret exists outside the caller: it is stored as a hash. */
  secret: string;
}

/** Creates an app in `dev` mode together with its first management API key. */
export async function createApp(
  deps: AppDeps,
  name: string,
): Promise<{ app: AppRecord; apiKey: IssuedApiKey }> {
  const now = deps.clock.now();
  const app: AppRecord = { id: newAppId(), name, mode: "dev", createdAt: now, updatedAt: now };
  return deps.store.transaction(async (tx) => {
    await tx.apps.create(app);
    const apiKey = await insertKey(tx, app.id, "default", now);
    return { app, apiKey };
  });
}

export async function createApiKey(
  deps: AppDeps,
  appId: string,
  name: string,
): Promise<{ ok: true; apiKey: IssuedApiKey } | { ok: false; reason: "app_not_found" }> {
  if (!(await deps.store.apps.get(appId))) return { ok: false, reason: "app_not_found" };
  return { ok: true, apiKey: await insertKey(deps.store, appId, name, deps.clock.now()) };
}

async function insertKey(
  repos: Pick<Store, "apiKeys">,
  appId: string,
  name: string,
  now: number,
): Promise<IssuedApiKey> {
  const secret = generateApiKeySecret();
  const key: ApiKeyRecord = {
    id: newId("key", now),
    appId,
    name,
    hint: secret.hint,
    createdAt: now,
    revokedAt: null,
  };
  await repos.apiKeys.create({ ...key, secretSha256: secret.sha256 });
  return { key, secret: secret.secret };
}

export async function revokeApiKey(deps: AppDeps, appId: string, keyId: string) {
  return (await deps.store.apiKeys.revoke(appId, keyId, deps.clock.now()))
    ? ({ ok: true } as const)
    : ({ ok: false, reason: "key_not_found" } as const);
}

/** The active key a presented secret belongs to, with its app, or null. */
export async function authenticateApiKey(
  deps: AppDeps,
  secret: string,
): Promise<{ key: ApiKeyRecord; app: AppRecord } | null> {
  if (!looksLikeApiKey(secret)) return null;
  return deps.store.apiKeys.findActiveBySecret(hashApiKeySecret(secret));
}

export async function setAppMode(deps: AppDeps, appId: string, mode: AppMode): Promise<void> {
  await deps.store.apps.setMode(appId, mode, deps.clock.now());
}

/**
 * First start of an empty installation: creates the dev app and returns its key once. Later starts
 * find apps and return none, so the key is never shown again.
 */
export async function ensureDevApp(deps: AppDeps): Promise<{ app: AppRecord; apiKey: IssuedApiKey | null }> {
  const existing = (await deps.store.apps.list())[0];
  if (existing) return { app: existing, apiKey: null };
  return createApp(deps, "dev");
}
