import type { AppMode } from "@overture/protocol";
import type { KeyRing } from "../../keys/key-ring.js";
import type { Clock } from "../shared/clock.js";
import type { DomainDeps } from "../shared/domain-deps.js";
import { newAppId, newId } from "../shared/new-id.js";
import type { Store } from "../shared/store.js";
import type { ApiKeyRecord } from "./api-key-repository.js";
import { generateApiKeySecret, hashApiKeySecret, looksLikeApiKey } from "./api-key-secret.js";
import type { AppRecord, TokenAlg } from "./app-repository.js";
import { DEFAULT_LIFETIMES } from "./session-lifetimes.js";

export interface AppDeps {
  store: Store;
  clock: Clock;
  keys: KeyRing;
  /** The node's host directory, told about new apps (absent for the CLI, which serves none). */
  directory?: DomainDeps["directory"];
}

export interface IssuedApiKey {
  key: ApiKeyRecord;
  /** The only time the secret exists outside the caller: it is stored as a hash. */
  secret: string;
}

/**
 * Creates an app (a tenant) in `dev` mode with its token signing key and its first management
 * API key.
 */
export async function provisionApp(
  deps: AppDeps,
  name: string,
  tokenAlg: TokenAlg = "ES256",
): Promise<{ app: AppRecord; apiKey: IssuedApiKey }> {
  const now = deps.clock.now();
  const app: AppRecord = {
    id: newAppId(),
    name,
    mode: "dev",
    tokenAlg,
    ...DEFAULT_LIFETIMES,
    createdAt: now,
    updatedAt: now,
  };
  const signingKey = await deps.keys.newKey(app.id, tokenAlg, now);
  const created = await deps.store.transaction(async (tx) => {
    await tx.apps.create(app);
    await tx.signingKeys.insert(signingKey);
    const apiKey = await insertKey(tx, app.id, "default", now);
    return { app, apiKey };
  });
  // A second app ends "the only app is the default" on this node at once.
  deps.directory?.appChanged(app.id);
  return created;
}

/** `overture signing-key rotate`: a new current key (optionally switching algorithm); old keys stay published. */
export async function rotateSigningKey(deps: AppDeps, appId: string, alg?: TokenAlg) {
  const app = await deps.store.apps.get(appId);
  if (!app) return { ok: false, reason: "app_not_found" } as const;
  const tokenAlg = alg ?? app.tokenAlg;
  if (tokenAlg !== app.tokenAlg) await deps.store.apps.setTokenAlg(appId, tokenAlg, deps.clock.now());
  const key = await deps.keys.rotate(appId, tokenAlg);
  return { ok: true, key } as const;
}

export async function createApiKey(
  deps: Pick<AppDeps, "store" | "clock">,
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

export async function revokeApiKey(deps: Pick<AppDeps, "store" | "clock">, appId: string, keyId: string) {
  return (await deps.store.apiKeys.revoke(appId, keyId, deps.clock.now()))
    ? ({ ok: true } as const)
    : ({ ok: false, reason: "key_not_found" } as const);
}

/** The active key a presented secret belongs to, with its app, or null. */
export async function authenticateApiKey(
  deps: Pick<AppDeps, "store">,
  secret: string,
): Promise<{ key: ApiKeyRecord; app: AppRecord } | null> {
  if (!looksLikeApiKey(secret)) return null;
  return deps.store.apiKeys.findActiveBySecret(hashApiKeySecret(secret));
}

export async function setAppMode(
  deps: Pick<DomainDeps, "store" | "clock" | "directory">,
  appId: string,
  mode: AppMode,
): Promise<void> {
  await deps.store.apps.setMode(appId, mode, deps.clock.now());
  deps.directory.appChanged(appId);
}

/** Every app of the installation (the CLI's `app list`). */
export function listApps(deps: Pick<AppDeps, "store">): Promise<AppRecord[]> {
  return deps.store.apps.list();
}

/** An app's API keys, revoked ones included; never their secrets, which are not stored. */
export function listApiKeys(deps: Pick<AppDeps, "store">, appId: string): Promise<ApiKeyRecord[]> {
  return deps.store.apiKeys.list(appId);
}

/** An app's token signing keys still in its JWKS (the current one last), without private parts. */
export async function listSigningKeys(deps: Pick<AppDeps, "store" | "clock">, appId: string) {
  if (!(await deps.store.apps.get(appId))) return { ok: false, reason: "app_not_found" } as const;
  return { ok: true, keys: (await publishedKeys(deps, appId)).filter((k) => k.purpose === "token") } as const;
}

/**
 * Every key the app's JWKS publishes — token keys (the current one last) and the hook-signing key
 * — with its public JWK and lifetime; never a private part. What `GET /keys` answers.
 */
export async function publishedKeys(deps: Pick<AppDeps, "store" | "clock">, appId: string) {
  const now = deps.clock.now();
  const records = [
    ...(await deps.store.signingKeys.published(appId, "token", now)),
    ...(await deps.store.signingKeys.published(appId, "hook", now)),
  ];
  return records.map(({ id, purpose, alg, publicJwk, createdAt, retiredAt, expiresAt }) => ({
    id,
    purpose,
    alg,
    publicJwk,
    createdAt,
    retiredAt,
    expiresAt,
  }));
}

/**
 * First start of an empty installation: creates the dev app and returns its key once. Later starts
 * find apps and return none, so the key is never shown again.
 */
export async function ensureDevApp(deps: AppDeps): Promise<{ app: AppRecord; apiKey: IssuedApiKey | null }> {
  const existing = (await deps.store.apps.list())[0];
  if (existing) return { app: existing, apiKey: null };
  return provisionApp(deps, "dev");
}
