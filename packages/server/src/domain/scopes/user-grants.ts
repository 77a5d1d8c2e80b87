import { withUser } from "../identity/update-user.js";
import { recordUserUpdated } from "../identity/user-updated.js";
import type { DomainDeps } from "../shared/domain-deps.js";
import type { Failure } from "../shared/outcome.js";
import { unknownScope } from "./allowed-scopes.js";
import { HELD_RESERVED, isReserved, sortedUnique } from "./scope-names.js";

type Done = { ok: true };
const done: Done = { ok: true };

/**
 * A user's own scopes and groups (prelude-api.md §3.3 M15–M18). Each change is idempotent and
 * records `user.updated` only when something changed. A user's scopes are read at every token
 * mint; a group membership is taken onto a session when it starts (docs/scopes-and-claims.md).
 */
export async function grantUserScope(deps: DomainDeps, appId: string, userId: string, scope: string) {
  if (isReserved(scope))
    return { ok: false, reason: "invalid_input", message: `scope "${scope}": ${HELD_RESERVED}` } as const;
  return withUser<Done | Failure<"invalid_input">>(deps, appId, userId, async (tx, user, now, rollback) => {
    const unknown = await unknownScope(tx, appId, [scope], "scope", "share");
    if (unknown) return rollback({ ok: false, reason: "invalid_input", message: unknown });
    if (!(await tx.scopes.addUserScope(appId, userId, scope, now))) return done;
    await recordUserUpdated(
      tx,
      appId,
      { ...user, scopes: sortedUnique([...user.scopes, scope]) },
      ["scopes"],
      now,
    );
    return done;
  });
}

export async function revokeUserScope(deps: DomainDeps, appId: string, userId: string, scope: string) {
  return withUser<Done>(deps, appId, userId, async (tx, user, now) => {
    if (!(await tx.scopes.removeUserScope(userId, scope))) return done;
    const scopes = user.scopes.filter((s) => s !== scope);
    await recordUserUpdated(tx, appId, { ...user, scopes }, ["scopes"], now);
    return done;
  });
}

export async function addUserToGroup(deps: DomainDeps, appId: string, userId: string, groupName: string) {
  return withUser<Done | Failure<"invalid_input">>(deps, appId, userId, async (tx, user, now, rollback) => {
    // Locked against deletion until the membership is written (RowLock).
    const group = await tx.scopes.getGroup(appId, groupName, "share");
    if (!group)
      return rollback({
        ok: false,
        reason: "invalid_input",
        message: `group "${groupName}" does not exist; create it with POST /config/groups first.`,
      });
    if (!(await tx.scopes.addMember(userId, group.id, now))) return done;
    const groups = sortedUnique([...user.groups, group.name]);
    await recordUserUpdated(tx, appId, { ...user, groups }, ["groups"], now);
    return done;
  });
}

export async function removeUserFromGroup(
  deps: DomainDeps,
  appId: string,
  userId: string,
  groupName: string,
) {
  return withUser<Done>(deps, appId, userId, async (tx, user, now) => {
    const group = await tx.scopes.getGroup(appId, groupName);
    if (!group || !(await tx.scopes.removeMember(userId, group.id))) return done;
    const groups = user.groups.filter((g) => g !== group.name);
    await recordUserUpdated(tx, appId, { ...user, groups }, ["groups"], now);
    return done;
  });
}
