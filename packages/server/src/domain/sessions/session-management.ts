import type { DomainDeps } from "../shared/domain-deps.js";
import type { SessionRecord } from "./session-repository.js";
import { revokeInTx } from "./sessions.js";

const NO_USER = { ok: false, reason: "user_not_found" } as const;

/** The user's active sessions, newest first. */
export async function listSessions(
  deps: DomainDeps,
  appId: string,
  userId: string,
): Promise<SessionRecord[]> {
  return deps.store.sessions.listActive(appId, userId, deps.clock.now());
}

/** As listSessions, for the Management API: an unknown user is `user_not_found`, not an empty list. */
export async function listUserSessions(deps: DomainDeps, appId: string, userId: string) {
  if (!(await deps.store.users.getSummary(appId, userId))) return NO_USER;
  return { ok: true, sessions: await listSessions(deps, appId, userId) } as const;
}

/** Ends one session of a known user (Management). */
export async function revokeUserSession(
  deps: DomainDeps,
  appId: string,
  userId: string,
  sessionId: string,
  reason: string,
) {
  if (!(await deps.store.users.getSummary(appId, userId))) return NO_USER;
  return revokeSession(deps, appId, userId, sessionId, reason);
}

/** Ends every session of a known user (Management); answers how many ended. */
export async function revokeUserSessions(deps: DomainDeps, appId: string, userId: string, reason: string) {
  if (!(await deps.store.users.getSummary(appId, userId))) return NO_USER;
  return { ok: true, revoked: await revokeSessions(deps, appId, userId, reason) } as const;
}

/** Revokes one of the user's sessions. */
export async function revokeSession(
  deps: DomainDeps,
  appId: string,
  userId: string,
  sessionId: string,
  reason: string,
) {
  const session = await deps.store.sessions.get(appId, sessionId);
  if (!session || session.userId !== userId || session.revokedAt !== null) {
    return { ok: false, reason: "session_not_found", message: "No such session." } as const;
  }
  const now = deps.clock.now();
  await deps.store.transaction((tx) => revokeInTx(tx, appId, userId, sessionId, reason, now));
  return { ok: true } as const;
}

/** Revokes every active session of the user except `keep`; each gets its `user.session.revoked`. */
export async function revokeSessions(
  deps: DomainDeps,
  appId: string,
  userId: string,
  reason: string,
  keep?: string,
) {
  const now = deps.clock.now();
  const active = await deps.store.sessions.listActive(appId, userId, now);
  let revoked = 0;
  await deps.store.transaction(async (tx) => {
    for (const session of active) {
      if (session.id !== keep && (await revokeInTx(tx, appId, userId, session.id, reason, now))) revoked++;
    }
  });
  return revoked;
}
