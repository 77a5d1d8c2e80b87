import type { Identifier } from "@overture/protocol";
import type { AppRecord } from "../apps/app-repository.js";
import { REPLAYED, type ReplayMark } from "../dpop/check-dpop.js";
import { newEvent, recordEvent } from "../events/record-event.js";
import type { StepUpGrant, TokenSubject } from "../identity/user-repository.js";
import { isoTime } from "../shared/clock.js";
import type { DomainDeps } from "../shared/domain-deps.js";
import { newId } from "../shared/new-id.js";
import type { Failure } from "../shared/outcome.js";
import { randomBytesPooled } from "../shared/random-bytes-pooled.js";
import { sha256 } from "../shared/sha256.js";
import type { Repositories } from "../shared/store.js";
import { mintAccessToken } from "./access-token.js";
import { verifyChallengeToken } from "./challenge-token.js";
import { verifyPkce } from "./pkce.js";
import type { SessionRecord } from "./session-repository.js";
import { accessTokenContents } from "./token-contents.js";

/**
 * A retry of the immediately previous refresh token, with the session's DPoP key, within this long
 * after it was rotated, gets the tokens that rotation issued instead of counting as reuse: the web
 * SDK re-sends a POST whose answer it lost to a timeout (after 10 s, then 20 s more).
 */
export const REFRESH_RETRY_GRACE_MS = 60_000;

export interface ClientContext {
  /** Issuer for the tokens: the externally visible origin the client called. */
  issuer: string;
  userAgent: string | null;
  ip: string | null;
  /** The request's Accept-Language, most preferred first: the claims mapping's `locales`. */
  locales: string[];
}

export interface IssuedSession {
  session: SessionRecord;
  accessToken: string;
  /** Unix seconds. */
  expiresAt: number;
  refreshToken: string;
  /** Absolute end of the session, epoch ms. */
  refreshExpiresAt: number;
}

export async function finalizeLogin(
  deps: DomainDeps,
  app: AppRecord,
  input: { challengeToken: string; codeVerifier?: string; jkt: string; replayMark?: ReplayMark },
  client: ClientContext,
): Promise<
  | ({ ok: true } & IssuedSession)
  | Failure<
      | "challenge_invalid"
      | "challenge_expired"
      | "pkce_mismatch"
      | "token_reused"
      | "account_disabled"
      | "dpop_invalid"
    >
> {
  const now = deps.clock.now();
  const verified = await verifyChallengeToken(deps.keys, app, input.challengeToken, now);
  if (!verified.ok) return verified;
  const { challenge } = verified;
  // No downgrade: a challenge bound to a code_challenge is only redeemed with its verifier.
  if (challenge.codeChallenge !== undefined) {
    if (input.codeVerifier === undefined || !verifyPkce(challenge.codeChallenge, input.codeVerifier)) {
      return {
        ok: false,
        reason: "pkce_mismatch",
        message: "The code_verifier does not match the code_challenge.",
      };
    }
  }
  return startSession(
    deps,
    app,
    {
      userId: challenge.userId,
      method: challenge.method,
      scopes: challenge.scopes ?? [],
      identifier: (challenge.identifier as Identifier | undefined) ?? null,
      jkt: input.jkt,
      challenge: { jti: challenge.jti, exp: challenge.exp },
      ...(input.replayMark && { replayMark: input.replayMark }),
    },
    client,
  );
}

export interface NewSession {
  userId: string;
  method: string;
  /** What the login method grants the session (an OTP config's granted_scopes, the hook's scopes). */
  scopes: string[];
  identifier: Identifier | null;
  jkt: string;
  /** A challenge token to spend with the session (finalize). */
  challenge?: { jti: string; exp: number };
  /** The DPoP proof's replay mark, written with the session. */
  replayMark?: ReplayMark;
}

/**
 * Creates the session, its first refresh token and `user.session.created` atomically, and
 * mints the first access token. The one way every login method ends. The user's groups are taken
 * onto the session here: a membership changed later applies at the next login (§9.5).
 */
export async function startSession(
  deps: DomainDeps,
  app: AppRecord,
  n: NewSession,
  client: ClientContext,
): Promise<
  | ({ ok: true } & IssuedSession)
  | Failure<"token_reused" | "dpop_invalid" | "challenge_invalid" | "account_disabled">
> {
  const user = await deps.store.users.tokenSubject(app.id, n.userId, {
    withIdentifiers: readsIdentifiers(deps, app),
  });
  if (!user) return { ok: false, reason: "challenge_invalid" };
  if (user.status !== "active") return { ok: false, reason: "account_disabled" };
  const now = deps.clock.now();
  const refreshToken = newRefreshToken();
  const session: SessionRecord = {
    id: newId("ses", now),
    appId: app.id,
    userId: user.id,
    jkt: n.jkt,
    method: n.method,
    scopes: n.scopes,
    groupIds: user.groupIds,
    userAgent: client.userAgent,
    ip: client.ip,
    generation: 1,
    createdAt: now,
    lastSeenAt: now,
    expiresAt: now + app.sessionTtlSeconds * 1000,
    idleExpiresAt: Math.min(now + app.idleTtlSeconds * 1000, now + app.sessionTtlSeconds * 1000),
    revokedAt: null,
    revokedReason: null,
  };
  // One atomic repository call (a single statement on PostgreSQL): the proof's and the challenge's
  // marks, the session, its first refresh token and its event commit together.
  const started = await deps.store.sessions.start({
    session,
    firstTokenSha256: sha256(refreshToken),
    ...(n.replayMark && { proof: n.replayMark }),
    ...(n.challenge && { challenge: { jti: n.challenge.jti, expiresAt: n.challenge.exp * 1000 } }),
    event: newEvent(
      app.id,
      "user.session.created",
      {
        user_id: user.id,
        session_id: session.id,
        identifier: n.identifier,
        metadata: { method: n.method, user_agent: client.userAgent, ip: client.ip },
        created_at: isoTime(now),
      },
      now,
    ),
  });
  if (started === "replayed") return REPLAYED;
  if (started === "challenge_spent")
    return { ok: false, reason: "token_reused", message: "This challenge token was already used." };
  return issueSessionTokens(deps, app, client, user, session, refreshToken, now);
}

/**
 * Mints the access token and hands over the session's tokens. What the token carries comes from
 * the app's TokenContents at the version read with the user (token-contents.ts).
 */
export async function issueSessionTokens(
  deps: DomainDeps,
  app: AppRecord,
  client: ClientContext,
  user: TokenSubject,
  session: SessionRecord,
  refreshToken: string,
  now: number,
  /** A grant this mint spends, which the user's stored grants do not show yet. */
  spending: StepUpGrant[] = [],
): Promise<{ ok: true } & IssuedSession> {
  const contents = await deps.tokenContents.get(app.id, user.tokenConfigVersion);
  const grants = [...user.grants, ...spending].filter((g) => g.expiresAt > now);
  let identifiers = user.identifiers;
  // Only when the mapping changed to read identifiers since this node last looked (readsIdentifiers).
  if (contents.claims?.readsIdentifiers && identifiers === undefined)
    identifiers = await deps.store.users.identifiersWithIds(app.id, user.id);
  const { scope, claims, overBudget, grantEnds } = accessTokenContents(
    contents,
    user,
    identifiers,
    session,
    client,
    grants,
  );
  if (overBudget)
    deps.log.warn(
      { app_id: app.id, user_id: user.id },
      "the claims mapping resolved past its size limit; the token carries its constants only",
    );
  const access = await mintAccessToken(
    deps.keys,
    app,
    client.issuer,
    { userId: user.id, externalId: user.externalId, sessionId: session.id, scope, claims, grantEnds },
    now,
  );
  return {
    ok: true,
    session,
    accessToken: access.token,
    expiresAt: access.expiresAt,
    refreshToken,
    refreshExpiresAt: session.expiresAt,
  };
}

/** Whether a mint for the app will read identifiers, as far as this node knows before it reads. */
export function readsIdentifiers(deps: DomainDeps, app: AppRecord): boolean {
  return deps.tokenContents.peek(app.id)?.claims?.readsIdentifiers ?? false;
}

/**
 * Logout with a refresh token, held to refresh's rules (docs/sessions.md): a DPoP-bound session
 * needs a proof by its key, and a spent token is reuse — the session is revoked as `token_reused`
 * — unless it is the grace-window retry of the last rotation, which logs out as asked. So an old
 * refresh token alone, leaked from a log or a backup, cannot end anyone's session.
 */
export async function revokeByRefreshToken(
  deps: DomainDeps,
  app: AppRecord,
  input: { refreshToken: string | undefined; jkt: string | null },
): Promise<{ ok: true } | Failure<"session_ended" | "dpop_missing" | "dpop_key_mismatch" | "token_reused">> {
  const now = deps.clock.now();
  if (!input.refreshToken)
    return { ok: false, reason: "session_ended", message: "No refresh token was sent." };
  const found = await deps.store.sessions.findByRefreshToken(app.id, sha256(input.refreshToken));
  if (!found || !isActive(found.session, now)) return { ok: false, reason: "session_ended" };
  const { session, token } = found;
  if (session.jkt) {
    if (input.jkt === null)
      return {
        ok: false,
        reason: "dpop_missing",
        message: "This session is DPoP-bound: logging out needs a proof by its key.",
      };
    if (input.jkt !== session.jkt) return { ok: false, reason: "dpop_key_mismatch" };
  }
  const graceRetry =
    token.generation === session.generation - 1 &&
    token.spentAt !== null &&
    now - token.spentAt <= REFRESH_RETRY_GRACE_MS;
  if (token.spentAt !== null && !graceRetry) {
    await endSession(deps, app.id, session, "token_reused", now);
    return {
      ok: false,
      reason: "token_reused",
      message: "A spent refresh token was presented; the session is revoked.",
    };
  }
  await endSession(deps, app.id, session, "logout", now);
  return { ok: true };
}

/** Revokes one session and records `user.session.revoked`, once. */
export async function endSession(
  deps: DomainDeps,
  appId: string,
  session: SessionRecord,
  reason: string,
  now: number,
) {
  await deps.store.transaction((tx) => revokeInTx(tx, appId, session.userId, session.id, reason, now));
}

export async function revokeInTx(
  tx: Repositories,
  appId: string,
  userId: string,
  sessionId: string,
  reason: string,
  now: number,
): Promise<boolean> {
  if (!(await tx.sessions.revoke(appId, sessionId, now, reason))) return false;
  await recordEvent(
    tx,
    appId,
    "user.session.revoked",
    { user_id: userId, session_id: sessionId, reason, revoked_at: isoTime(now) },
    now,
  );
  return true;
}

export function isActive(session: SessionRecord, now: number): boolean {
  return session.revokedAt === null && now < session.expiresAt && now < session.idleExpiresAt;
}

export function idleEnd(app: AppRecord, session: SessionRecord, now: number): number {
  return Math.min(now + app.idleTtlSeconds * 1000, session.expiresAt);
}

/** A session's first refresh token: 256 random bits; only the SHA-256 is stored. */
function newRefreshToken(): string {
  return `ovr_${randomBytesPooled(32).toString("base64url")}`;
}
