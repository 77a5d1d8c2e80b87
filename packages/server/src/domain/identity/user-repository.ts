import type { Identifier, IdentifierType, UserStatus } from "@overture/protocol";

export interface UserRecord {
  id: string;
  appId: string;
  externalId: string | null;
  status: UserStatus;
  profile: Record<string, unknown>;
  passwordHash: string | null;
  createdAt: number;
  updatedAt: number;
  identifiers: Identifier[];
  /** Scopes granted to the user directly, sorted (domain/scopes/). */
  scopes: string[];
  /** Names of the user's groups, sorted. */
  groups: string[];
}

/** A user's own rows, as `insert` writes them: identifiers, scopes and groups have their own writes. */
export type NewUserRow = Omit<UserRecord, "identifiers" | "scopes" | "groups">;

/**
 * What minting a token needs of a user, in the one read a finalize or a refresh makes anyway
 * (docs/scopes-and-claims.md).
 */
/** A step-up grant as a token mint reads it. */
export interface StepUpGrant {
  scope: string;
  /** Epoch ms. */
  expiresAt: number;
}

export interface TokenSubject {
  id: string;
  externalId: string | null;
  status: UserStatus;
  /** The user's direct scopes, unsorted. */
  scopes: string[];
  /** Lasting step-up grants this mint may carry, expired ones included (docs/step-up.md). */
  grants: StepUpGrant[];
  /** Parses the profile when a claims mapping reads it, and not otherwise. */
  readProfile(): Record<string, unknown>;
  /** Email addresses and phone numbers, oldest first; read only when asked for. */
  identifiers?: Identifier[];
  /** apps.token_config_version, read with the rest: which cached scope and claims config applies. */
  tokenConfigVersion: number;
}

export interface UserListFilter {
  externalId?: string;
  identifier?: { type: IdentifierType; value: string };
  /** Keyset cursor: only users whose id sorts after this one. */
  afterId?: string;
  limit: number;
}

export interface UserRepository {
  /** Writes nothing when another user of the app has the external_id. */
  insert(user: NewUserRow): Promise<"inserted" | "external_id_taken">;
  /** Writes nothing when the identifier already belongs to a user of the app, this one included. */
  insertIdentifier(
    appId: string,
    userId: string,
    identifier: Identifier,
    id: string,
    now: number,
  ): Promise<"inserted" | "identifier_taken">;
  /**
   * Changes the external_id. After `external_id_taken` a PostgreSQL transaction has failed: roll it
   * back (Store.transaction's `rollback`) rather than write more in it.
   */
  setExternalId(
    appId: string,
    userId: string,
    externalId: string,
    now: number,
  ): Promise<"updated" | "not_found" | "external_id_taken">;
  /** `forUpdate` locks the row until the transaction ends (PostgreSQL; SQLite serialises writers). */
  get(appId: string, userId: string, options?: { forUpdate?: boolean }): Promise<UserRecord | null>;
  /** How many users the app has. */
  count(appId: string): Promise<number>;
  /** Whether the user exists, and its status, in one indexed read. */
  getSummary(appId: string, userId: string): Promise<Pick<UserRecord, "id" | "externalId" | "status"> | null>;
  /**
   * The user as a token mint needs it, and the ids of its groups (which a new session takes on),
   * in one query; identifiers too when `withIdentifiers`.
   */
  tokenSubject(
    appId: string,
    userId: string,
    options: { withIdentifiers: boolean },
  ): Promise<(TokenSubject & { groupIds: string[] }) | null>;
  /** The users with these ids, in id order; unknown ids are left out. */
  getMany(appId: string, userIds: string[]): Promise<UserRecord[]>;
  list(appId: string, filter: UserListFilter): Promise<UserRecord[]>;
  findByExternalIds(appId: string, externalIds: string[]): Promise<UserRecord[]>;
  findByIdentifiers(appId: string, identifiers: Identifier[]): Promise<UserRecord[]>;
  /** True when a user was deleted. Its identifiers go with it (ON DELETE CASCADE). */
  delete(appId: string, userId: string): Promise<boolean>;
  update(
    appId: string,
    userId: string,
    changes: Partial<Pick<UserRecord, "status" | "profile" | "passwordHash">>,
    now: number,
  ): Promise<boolean>;
  /** Swaps the stored password hash only if it is still `expected` (a re-hash must not undo a change). */
  replacePasswordHash(appId: string, userId: string, expected: string, next: string): Promise<boolean>;
  deleteIdentifier(appId: string, userId: string, identifier: Identifier): Promise<boolean>;
  /** The user's identifiers with their own ids, in creation order. */
  identifiersWithIds(appId: string, userId: string): Promise<(Identifier & { id: string })[]>;
}
