export interface GroupRecord {
  /** Internal (`grp_…`): what sessions snapshot, so a group made again under a deleted one's name is new. */
  id: string;
  appId: string;
  name: string;
  /** Sorted. */
  scopes: string[];
  createdAt: number;
  updatedAt: number;
}

/**
 * `share` keeps the rows from being deleted or changed until the transaction ends; `update` also
 * keeps others from locking them. PostgreSQL only: SQLite runs one writer at a time.
 */
export type RowLock = "share" | "update";

/** What every token mint of an app reads of the scopes feature, as of `version`. */
export interface TokenScopeConfig {
  /** apps.token_config_version when read: every change here increments it (AppRepository.touchTokenConfig). */
  version: number;
  allowed: string[];
  groups: GroupRecord[];
}

/**
 * The app's allowed scopes, its groups, and the scopes and groups each user holds. The database
 * keeps every granted scope an allowed scope of the same app (migration 0010).
 */
export interface ScopeRepository {
  /** Sorted. */
  listAllowed(appId: string): Promise<string[]>;
  /** Those of `scopes` that are allowed, with `lock` on them (see RowLock). */
  findAllowed(appId: string, scopes: string[], lock?: RowLock): Promise<string[]>;
  /** False when it was allowed already. */
  addAllowed(appId: string, scope: string, now: number): Promise<boolean>;
  /** Also takes it from every user holding it; the caller makes sure no group uses it. */
  removeAllowed(appId: string, scope: string): Promise<boolean>;
  /** Names of the groups with `scope`, sorted. */
  groupsUsing(appId: string, scope: string): Promise<string[]>;
  /** Ids of the users holding `scope` directly. */
  usersHolding(appId: string, scope: string): Promise<string[]>;

  /** Sorted by name. */
  listGroups(appId: string): Promise<GroupRecord[]>;
  getGroup(appId: string, name: string, lock?: RowLock): Promise<GroupRecord | null>;
  /** Writes nothing when the app has a group of that name. */
  createGroup(group: GroupRecord): Promise<"created" | "name_taken">;
  setGroupScopes(group: Pick<GroupRecord, "id" | "appId">, scopes: string[], now: number): Promise<void>;
  /** Memberships go with it. */
  deleteGroup(groupId: string): Promise<void>;
  /** Ids of the group's members. */
  groupMembers(groupId: string): Promise<string[]>;

  /** False when the user held it already. */
  addUserScope(appId: string, userId: string, scope: string, now: number): Promise<boolean>;
  /** False when the user did not hold it. */
  removeUserScope(userId: string, scope: string): Promise<boolean>;
  /** False when the user was a member already. */
  addMember(userId: string, groupId: string, now: number): Promise<boolean>;
  /** False when the user was not a member. */
  removeMember(userId: string, groupId: string): Promise<boolean>;

  tokenScopeConfig(appId: string): Promise<TokenScopeConfig>;
}
