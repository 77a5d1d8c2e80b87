import type { SessionRecord } from "../sessions/session-repository.js";
import type { Repositories } from "../shared/store.js";

/**
 * Uses up `scope` for one write, in the write's transaction: the login method's grant on the
 * session, else a step-up grant (this session's, or the user's profile-bound one; docs/step-up.md).
 * False when the session holds neither, or a concurrent write used it first.
 */
export async function consumeScope(
  tx: Repositories,
  session: SessionRecord,
  scope: string,
  now: number,
): Promise<boolean> {
  if (session.scopes.includes(scope))
    return tx.sessions.replaceScopes(
      session.id,
      session.scopes,
      session.scopes.filter((s) => s !== scope),
    );
  return tx.stepUp.consumeGrant(session.appId, session.userId, session.id, scope, now);
}
