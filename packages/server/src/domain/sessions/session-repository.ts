import type { OutboxEvent } from "../events/outbox-repository.js";
import type { TokenSubject } from "../identity/user-repository.js";

export interface SessionRecord {
  id: string;
  appId: string;
  userId: string;
  /** RFC 7638 thumbprint of the DPoP key the session is bound to. */
  jkt: string;
  method: string;
  /** Scopes the login method (and later step-up) granted this session. */
  scopes: string[];
  /** Ids of the user's groups when the session started (§9.5: membership is taken at login). */
  groupIds: string[];
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

export interface Rotation {
  appId: string;
  /** The DPoP proof's jti, marked used until `proofExpiresAt`. */
  proofJti: string;
  proofExpiresAt: number;
  presentedSha256: string;
  successorSha256: string;
  sessionId: string;
  /** The successor's generation, which becomes the session's. */
  generation: number;
  now: number;
  idleExpiresAt: number;
}

/** A session's start, written as one: what startSession (sessions.ts) commits. */
export interface SessionStart {
  session: SessionRecord;
  firstTokenSha256: string;
  /** The DPoP proof's jti, marked used (finalize, the web OTP check). */
  proof?: { jti: string; expiresAt: number };
  /** The challenge token's jti, marked spent (finalize). */
  challenge?: { jti: string; expiresAt: number };
  /** `user.session.created`, appended to the outbox with the session. */
  event: OutboxEvent;
}

export interface SessionRepository {
  create(session: SessionRecord, firstTokenSha256: string): Promise<void>;
  /**
   * A session's start, atomic by itself like `rotate`: the proof's mark, then the challenge's,
   * then the session, its first refresh token and its event. `replayed`: the proof was used
   * before, nothing written; `challenge_spent`: the challenge was, only the proof's mark written.
   */
  start(start: SessionStart): Promise<"replayed" | "challenge_spent" | "started">;
  get(appId: string, sessionId: string): Promise<SessionRecord | null>;
  /**
   * The token, its session and what a refresh mints from of the user, in one query; the user's
   * identifiers too when `withIdentifiers`.
   */
  findByRefreshToken(
    appId: string,
    tokenSha256: string,
    options?: { withIdentifiers: boolean },
  ): Promise<{
    token: RefreshTokenRecord;
    session: SessionRecord;
    user: TokenSubject;
  } | null>;
  /**
   * One refresh rotation, atomic by itself (no transaction needed around it; inside one it joins
   * it): the DPoP proof's replay mark, then the presented token spent if unspent, its successor
   * added and the session touched. `replayed`: the proof was used before, nothing written;
   * `spent`: the token was spent already (by an earlier or concurrent rotation), only the mark
   * written; `rotated`: all of it.
   */
  rotate(rotation: Rotation): Promise<"replayed" | "spent" | "rotated">;
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
