import type { AppMode } from "@overture/protocol";

export type TokenAlg = "ES256" | "RS256";

export interface AppRecord {
  id: string;
  name: string;
  mode: AppMode;
  /** Algorithm of the app's access and challenge tokens. */
  tokenAlg: TokenAlg;
  /** Lifetimes in seconds (docs/sessions.md). */
  accessTtlSeconds: number;
  sessionTtlSeconds: number;
  idleTtlSeconds: number;
  createdAt: number;
  updatedAt: number;
}

export interface AppRepository {
  create(app: AppRecord): Promise<void>;
  get(id: string): Promise<AppRecord | null>;
  list(): Promise<AppRecord[]>;
  setMode(id: string, mode: AppMode, now: number): Promise<void>;
  setTokenAlg(id: string, alg: TokenAlg, now: number): Promise<void>;
  setLifetimes(
    id: string,
    lifetimes: Pick<AppRecord, "accessTtlSeconds" | "sessionTtlSeconds" | "idleTtlSeconds">,
    now: number,
  ): Promise<void>;
  /**
   * Records that what the app's tokens carry changed — allowed scopes, groups, the claims mapping
   * (apps.token_config_version + 1). Locks the app's row on PostgreSQL until the transaction ends,
   * so such changes to one app take turns.
   */
  touchTokenConfig(id: string): Promise<void>;
  /**
   * Locks the app's row until the transaction ends (PostgreSQL; SQLite runs one writer at a time),
   * so a per-app limit counted in the transaction holds under concurrent writes.
   */
  lockRow(id: string): Promise<void>;
}
