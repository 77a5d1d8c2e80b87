import { SCOPE_LIMITS } from "@overture/protocol";
import { recordUserUpdated } from "../identity/user-updated.js";
import type { DomainDeps } from "../shared/domain-deps.js";
import { newId } from "../shared/new-id.js";
import type { Failure } from "../shared/outcome.js";
import type { Repositories } from "../shared/store.js";
import { unknownScope } from "./allowed-scopes.js";
import { HELD_RESERVED, isReserved, sortedUnique } from "./scope-names.js";
import type { GroupRecord } from "./scope-repository.js";

type GroupResult<F extends Failure> = { ok: true; group: GroupRecord } | F;
type Invalid = Failure<"invalid_input">;
type NotFound = Failure<"group_not_found">;

const notFound = (name: string): NotFound => ({
  ok: false,
  reason: "group_not_found",
  message: `The app has no group "${name}".`,
});

/**
 * Groups: named sets of allowed scopes (prelude-api.md §3.7, §9.5). A user's memberships are taken
 * onto a session when it starts; a group's scopes are read at every token mint, so a change here
 * reaches every session in the group at its next refresh.
 */
export function listGroups(deps: Pick<DomainDeps, "store">, appId: string): Promise<GroupRecord[]> {
  return deps.store.scopes.listGroups(appId);
}

export async function getGroup(
  deps: Pick<DomainDeps, "store">,
  appId: string,
  name: string,
): Promise<GroupResult<NotFound>> {
  const group = await deps.store.scopes.getGroup(appId, name);
  return group ? { ok: true, group } : notFound(name);
}

export async function createGroup(
  deps: DomainDeps,
  appId: string,
  input: { name: string; scopes: string[] },
): Promise<GroupResult<Invalid | Failure<"already_exists">>> {
  const reserved = reservedScope(input.scopes);
  if (reserved) return reserved;
  const now = deps.clock.now();
  const group: GroupRecord = {
    id: newId("grp", now),
    appId,
    name: input.name,
    scopes: sortedUnique(input.scopes),
    createdAt: now,
    updatedAt: now,
  };
  return deps.store.transaction<GroupResult<Invalid | Failure<"already_exists">>>(async (tx, rollback) => {
    // First: concurrent changes to the app's scopes and groups take turns (allowed-scopes.ts).
    await tx.apps.touchTokenConfig(appId);
    if ((await tx.scopes.listGroups(appId)).length >= SCOPE_LIMITS.groupsPerAppMax)
      return rollback(invalid(`An app has at most ${SCOPE_LIMITS.groupsPerAppMax} groups.`));
    const unknown = await unknownScope(tx, appId, input.scopes, "scopes[]", "share");
    if (unknown) return rollback(invalid(unknown));
    if ((await tx.scopes.createGroup(group)) === "name_taken")
      return rollback({
        ok: false,
        reason: "already_exists",
        message: `The app has a group "${input.name}" already; PUT /config/groups/${input.name} changes its scopes.`,
      });
    await tx.scopes.setGroupScopes(group, group.scopes, now);
    return { ok: true, group };
  });
}

/** Replaces the group's scopes; tokens minted afterwards for its sessions carry the new ones. */
export async function setGroupScopes(
  deps: DomainDeps,
  appId: string,
  name: string,
  scopes: string[],
): Promise<GroupResult<Invalid | NotFound>> {
  const reserved = reservedScope(scopes);
  if (reserved) return reserved;
  const now = deps.clock.now();
  return deps.store.transaction<GroupResult<Invalid | NotFound>>(async (tx, rollback) => {
    await tx.apps.touchTokenConfig(appId);
    const group = await tx.scopes.getGroup(appId, name, "update");
    if (!group) return rollback(notFound(name));
    const unknown = await unknownScope(tx, appId, scopes, "scopes[]", "share");
    if (unknown) return rollback(invalid(unknown));
    const sorted = sortedUnique(scopes);
    await tx.scopes.setGroupScopes(group, sorted, now);
    return { ok: true, group: { ...group, scopes: sorted, updatedAt: now } };
  });
}

/**
 * Deletes the group: its members leave it (each with `user.updated`), and sessions that started
 * in it lose its scopes at their next refresh — they hold its id, which nothing matches any more.
 */
export async function deleteGroup(
  deps: DomainDeps,
  appId: string,
  name: string,
): Promise<{ ok: true } | NotFound> {
  return deps.store.transaction<{ ok: true } | NotFound>(async (tx, rollback) => {
    await tx.apps.touchTokenConfig(appId);
    const group = await tx.scopes.getGroup(appId, name, "update");
    if (!group) return rollback(notFound(name));
    const members = await membersOf(tx, appId, group.id);
    await tx.scopes.deleteGroup(group.id);
    const now = deps.clock.now();
    for (const user of members) {
      const groups = user.groups.filter((g) => g !== group.name);
      await recordUserUpdated(tx, appId, { ...user, groups }, ["groups"], now);
    }
    return { ok: true };
  });
}

function membersOf(tx: Repositories, appId: string, groupId: string) {
  return tx.scopes.groupMembers(groupId).then((ids) => tx.users.getMany(appId, ids));
}

function reservedScope(scopes: string[]): Invalid | null {
  const index = scopes.findIndex(isReserved);
  if (index < 0) return null;
  return invalid(`scopes[${index}] "${scopes[index]}": ${HELD_RESERVED}`);
}

function invalid(message: string): Invalid {
  return { ok: false, reason: "invalid_input", message };
}
