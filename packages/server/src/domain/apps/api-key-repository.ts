import type { AppRecord } from "./app-repository.js";

export interface ApiKeyRecord {
  id: string;
  appId: string;
  name: string;
  hint: string;
  createdAt: number;
  revokedAt: number | null;
}

export interface ApiKeyRepository {
  create(key: ApiKeyRecord & { secretSha256: string }): Promise<void>;
  /** The key whose secret hashes to `secretSha256`, unless revoked, with its app: one round trip. */
  findActiveBySecret(secretSha256: string): Promise<{ key: ApiKeyRecord; app: AppRecord } | null>;
  list(appId: string): Promise<ApiKeyRecord[]>;
  /** True when an active key was revoked by this call. */
  revoke(appId: string, keyId: string, now: number): Promise<boolean>;
}
