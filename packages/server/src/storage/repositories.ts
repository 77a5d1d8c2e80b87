import type { AppMode, EventType, Identifier, IdentifierType, UserStatus } from "@overture/protocol";
import type { DialectName } from "./open-database.js";

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

export interface ApiKeyRecord {
  id: string;
  appId: string;
  name: string;
  hint: string;
  createdAt: number;
  revokedAt: number | null;
}

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
}

export interface OutboxEvent {
  id: string;
  appId: string;
  type: EventType;
  payload: unknown;
  createdAt: number;
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
}

export interface ApiKeyRepository {
  create(key: ApiKeyRecord & { secretSha256: string }): Promise<void>;
  /** The key whose secret hashes to `secretSha256`, unless revoked, with its app: one round trip. */
  findActiveBySecret(secretSha256: string): Promise<{ key: ApiKeyRecord; app: AppRecord } | null>;
  list(appId: string): Promise<ApiKeyRecord[]>;
  /** True when an active key was revoked by this call. */
  revoke(appId: string, keyId: string, now: number): Promise<boolean>;
}

export interface UserListFilter {
  externalId?: string;
  identifier?: { type: IdentifierType; value: string };
  /** Keyset cursor: only users whose id sorts after this one. */
  afterId?: string;
  limit: number;
}

export interface UserRepository {
  /** Throws a unique violation (see unique-violation.ts) on a taken external_id or identifier. */
  insert(user: Omit<UserRecord, "identifiers">): Promise<void>;
  insertIdentifier(
    appId: string,
    userId: string,
    identifier: Identifier,
    id: string,
    now: number,
  ): Promise<void>;
  /** `forUpdate` locks the row until the transaction ends (PostgreSQL; SQLite serialises writers). */
  get(appId: string, userId: string, options?: { forUpdate?: boolean }): Promise<UserRecord | null>;
  /** What a token needs of a user, in one indexed read (finalize). */
  getSummary(appId: string, userId: string): Promise<Pick<UserRecord, "id" | "externalId" | "status"> | null>;
  list(appId: string, filter: UserListFilter): Promise<UserRecord[]>;
  findByExternalIds(appId: string, externalIds: string[]): Promise<UserRecord[]>;
  findByIdentifiers(appId: string, identifiers: Identifier[]): Promise<UserRecord[]>;
  /** True when a user was deleted. Its identifiers go with it (ON DELETE CASCADE). */
  delete(appId: string, userId: string): Promise<boolean>;
  update(
    appId: string,
    userId: string,
    changes: Partial<Pick<UserRecord, "externalId" | "status" | "profile" | "passwordHash">>,
    now: number,
  ): Promise<boolean>;
  /** Swaps the stored password hash only if it is still `expected` (a re-hash must not undo a change). */
  replacePasswordHash(appId: string, userId: string, expected: string, next: string): Promise<boolean>;
  deleteIdentifier(appId: string, userId: string, identifier: Identifier): Promise<boolean>;
  /** The user's identifiers with their own ids, in creation order. */
  identifiersWithIds(appId: string, userId: string): Promise<(Identifier & { id: string })[]>;
}

export interface SigningKeyRecord {
  id: string;
  appId: string;
  purpose: "token" | "hook";
  alg: "ES256" | "RS256" | "PS256";
  publicJwk: Record<string, unknown>;
  /** Encrypted with the master key (keys/key-encryption.ts). */
  privateKeySealed: string;
  createdAt: number;
  retiredAt: number | null;
  expiresAt: number | null;
}

export interface SigningKeyRepository {
  insert(key: SigningKeyRecord): Promise<void>;
  /** The newest unretired key for the purpose, or null. */
  current(appId: string, purpose: SigningKeyRecord["purpose"]): Promise<SigningKeyRecord | null>;
  /** Keys still to be published at `now` (unexpired), oldest first. */
  published(appId: string, purpose: SigningKeyRecord["purpose"], now: number): Promise<SigningKeyRecord[]>;
  /** Retires every unretired key of the purpose; they stay published until `expiresAt`. */
  retireAll(
    appId: string,
    purpose: SigningKeyRecord["purpose"],
    now: number,
    expiresAt: number,
  ): Promise<void>;
}

export interface SessionRecord {
  id: string;
  appId: string;
  userId: string;
  /** RFC 7638 thumbprint of the DPoP key the session is bound to. */
  jkt: string;
  method: string;
  scopes: string[];
  userAgent: string | null;
  ip: string | null;
  /** Generation of the current refresh token. */
  generation: number;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  idleExpiresAt: number;
  revokedAt: number | null;
  revokedReason: string | null;
}

export interface RefreshTokenRecord {
  tokenSha256: string;
  sessionId: string;
  generation: number;
  createdAt: number;
  spentAt: number | null;
}

export interface SessionRepository {
  create(session: SessionRecord, firstTokenSha256: string): Promise<void>;
  get(appId: string, sessionId: string): Promise<SessionRecord | null>;
  /** The token, its session and the few user fields a refresh needs: one query. */
  findByRefreshToken(
    appId: string,
    tokenSha256: string,
  ): Promise<{
    token: RefreshTokenRecord;
    session: SessionRecord;
    user: Pick<UserRecord, "id" | "externalId" | "status">;
  } | null>;
  /** Spends the token if unspent; true when this call spent it. */
  spendRefreshToken(tokenSha256: string, now: number): Promise<boolean>;
  addRefreshToken(sessionId: string, tokenSha256: string, generation: number, now: number): Promise<void>;
  touch(sessionId: string, generation: number, now: number, idleExpiresAt: number): Promise<void>;
  /** Compare-and-set of the session's scopes: false when they were no longer `expected`. */
  replaceScopes(sessionId: string, expected: string[], scopes: string[]): Promise<boolean>;
  /** True when the session was active and is now revoked. */
  revoke(appId: string, sessionId: string, now: number, reason: string): Promise<boolean>;
  /** Revokes the user's active sessions (all but `keep`); returns the ids revoked. */
  revokeAllOfUser(
    appId: string,
    userId: string,
    now: number,
    reason: string,
    keep?: string,
  ): Promise<string[]>;
  /** Deletes sessions (and their refresh tokens) that ended before `endedBefore`; returns how many. */
  purgeEnded(endedBefore: number): Promise<number>;
  /** Sessions not revoked and not expired at `now`, newest first. */
  listActive(appId: string, userId: string, now: number): Promise<SessionRecord[]>;
}

export interface SpentTokenRepository {
  /** Marks `jti` as used until `expiresAt`; false when it already was (a replay). Atomic. */
  markSpent(appId: string, kind: "challenge" | "dpop", jti: string, expiresAt: number): Promise<boolean>;
  purgeExpired(now: number): Promise<number>;
}

export interface ConfigRecord<T> {
  value: T;
  createdAt: number;
  updatedAt: number;
}

/** One JSON document per app and kind (password login, migration, …). */
export interface AppConfigRepository {
  get<T>(appId: string, kind: string): Promise<ConfigRecord<T> | null>;
  /** False when a document of this kind already exists. */
  create<T>(appId: string, kind: string, value: T, now: number): Promise<boolean>;
  /** False when there is no document to replace. */
  replace<T>(appId: string, kind: string, value: T, now: number): Promise<boolean>;
  delete(appId: string, kind: string): Promise<boolean>;
}

export interface RateLimitRepository {
  /** Counts one hit on `key` in the window starting at `windowStart`; returns the window's count. */
  hit(key: string, windowStart: number, expiresAt: number): Promise<number>;
  /** Takes back one hit of `key` in the window starting at `windowStart`, if that window is current. */
  refund(key: string, windowStart: number): Promise<void>;
  /**
   * Claims `key` at `now` if its last claim is at least `spacingMs` old (or it has none), atomically
   * across nodes; false when it is too recent.
   */
  claimSpaced(key: string, now: number, spacingMs: number, expiresAt: number): Promise<boolean>;
  purgeExpired(now: number): Promise<number>;
}

export type OtpChannel = "sms" | "email";

/** A sender as stored: credentials only in sealed form (domain/otp-delivery.ts). */
export type OtpDelivery =
  | { type: "console" }
  | { type: "http"; url: string; headerNames: string[]; headersSealed: string | null }
  | {
      type: "smtp";
      host: string;
      port: number;
      secure: boolean;
      requireTls: boolean;
      username: string | null;
      passwordSealed: string | null;
      from: string;
    };

export interface OtpConfigRecord {
  id: string;
  appId: string;
  channel: OtpChannel;
  isDefault: boolean;
  templateId: string | null;
  senderId: string | null;
  grantedScopes: string[];
  delivery: OtpDelivery;
  createdAt: number;
  updatedAt: number;
}

/** Which pair of endpoints a verification belongs to (docs/otp.md, "The two flows"). */
export type OtpFlow = "web" | "native";

export interface OtpVerificationRecord {
  id: string;
  flow: OtpFlow;
  appId: string;
  tokenSha256: string;
  configId: string;
  identifier: Identifier;
  codeMac: string;
  codeChallenge: string | null;
  attempts: number;
  sends: number;
  lastSentAt: number;
  expiresAt: number;
  consumedAt: number | null;
  createdAt: number;
}

export interface DevMessage {
  id: string;
  appId: string;
  channel: string;
  to: string;
  code: string;
  body: string;
  createdAt: number;
}

export interface OtpRepository {
  createConfig(config: OtpConfigRecord): Promise<void>;
  listConfigs(appId: string): Promise<OtpConfigRecord[]>;
  getConfig(appId: string, id: string): Promise<OtpConfigRecord | null>;
  replaceConfig(config: OtpConfigRecord): Promise<boolean>;
  deleteConfig(appId: string, id: string): Promise<boolean>;
  /** Clears `is_default` on the app's other configs of the channel. */
  clearDefault(appId: string, channel: OtpChannel, except: string): Promise<void>;
  insertVerification(v: OtpVerificationRecord): Promise<void>;
  findVerification(appId: string, tokenSha256: string): Promise<OtpVerificationRecord | null>;
  /** Counts one check; returns the attempts made so far, this one included. Atomic. */
  countAttempt(id: string): Promise<number>;
  /** Records a resend with its new code, unless the verification was consumed. */
  recordResend(id: string, codeMac: string, now: number, maxAttempts: number): Promise<boolean>;
  /** Marks the verification used; false when it already was. */
  consume(id: string, now: number): Promise<boolean>;
  addDevMessage(message: DevMessage): Promise<void>;
  /** Deletes verifications past expiry and dev messages older than `devMessagesBefore`. */
  purge(now: number, devMessagesBefore: number): Promise<number>;
  listDevMessages(appId: string, limit: number): Promise<DevMessage[]>;
}

export interface DomainRecord {
  id: string;
  appId: string;
  host: string;
  status: "pending" | "verified";
  cnameTarget: string;
  createdAt: number;
  updatedAt: number;
  verifiedAt: number | null;
}

export interface DomainRepository {
  /** Throws a unique violation (`domains_host`) when any app already has the host. */
  create(domain: DomainRecord): Promise<void>;
  list(appId: string): Promise<DomainRecord[]>;
  get(appId: string, id: string): Promise<DomainRecord | null>;
  findByHost(host: string): Promise<DomainRecord | null>;
  markVerified(appId: string, id: string, now: number): Promise<void>;
  delete(appId: string, id: string): Promise<boolean>;
}

export interface OutboxRepository {
  append(event: OutboxEvent): Promise<void>;
  list(appId: string, options: { afterId?: string; limit: number }): Promise<OutboxEvent[]>;
}

export interface Repositories {
  apps: AppRepository;
  apiKeys: ApiKeyRepository;
  users: UserRepository;
  outbox: OutboxRepository;
  signingKeys: SigningKeyRepository;
  sessions: SessionRepository;
  spentTokens: SpentTokenRepository;
  configs: AppConfigRepository;
  rateLimits: RateLimitRepository;
  otp: OtpRepository;
  domains: DomainRepository;
}

export interface Store extends Repositories {
  readonly dialect: DialectName;
  /** Runs `work` in one database transaction; everything it writes commits or rolls back together. */
  transaction<T>(work: (tx: Repositories) => Promise<T>): Promise<T>;
}
