import type { Identifier, IdentifierInput } from "@overture/protocol";
import { recordEvent } from "../events/record-event.js";
import { isoTime } from "../shared/clock.js";
import type { DomainDeps } from "../shared/domain-deps.js";
import { newId } from "../shared/new-id.js";
import type { Repositories } from "../shared/store.js";
import { normalizeIdentifier } from "./normalize-identifier.js";
import type { UserRecord } from "./user-repository.js";

/**
 * Adds an identifier. One that already belongs to any user of the app, this one included, is a
 * conflict (the migration toolkit treats it as "already in the desired state").
 */
export async function addIdentifier(deps: DomainDeps, appId: string, userId: string, input: IdentifierInput) {
  const normalized = normalizeIdentifier(input);
  if (!normalized.ok) return normalized;
  const { identifier } = normalized;
  return deps.store.transaction((tx) => addIdentifierInTx(tx, appId, userId, identifier, deps.clock.now()));
}

/**
 * addIdentifier's work in the caller's transaction, for an identifier already normalised: a
 * step-up register scope attaches it together with the step that proved it.
 */
export async function addIdentifierInTx(
  tx: Repositories,
  appId: string,
  userId: string,
  identifier: Identifier,
  now: number,
) {
  const user = await tx.users.get(appId, userId, { forUpdate: true });
  if (!user) return { ok: false, reason: "user_not_found" } as const;
  if ((await tx.users.insertIdentifier(appId, userId, identifier, newId("idt", now), now)) !== "inserted")
    return { ok: false, reason: "identifier_taken" } as const;
  await tx.users.update(appId, userId, {}, now);
  await recordEvent(
    tx,
    appId,
    "user.identifier.created",
    { user_id: userId, identifier, created_at: isoTime(now) },
    now,
  );
  const updated: UserRecord = { ...user, identifiers: [...user.identifiers, identifier], updatedAt: now };
  return { ok: true as const, user: updated };
}

export async function removeIdentifier(
  deps: DomainDeps,
  appId: string,
  userId: string,
  input: IdentifierInput,
) {
  const normalized = normalizeIdentifier(input);
  if (!normalized.ok) return normalized;
  const { identifier } = normalized;
  return deps.store.transaction(async (tx) => {
    const user = await tx.users.get(appId, userId, { forUpdate: true });
    if (!user) return { ok: false, reason: "user_not_found" } as const;
    const now = deps.clock.now();
    if (!(await tx.users.deleteIdentifier(appId, userId, identifier))) {
      return { ok: false, reason: "identifier_not_found" } as const;
    }
    await tx.users.update(appId, userId, {}, now);
    await recordEvent(
      tx,
      appId,
      "user.identifier.deleted",
      { user_id: userId, identifier, deleted_at: isoTime(now) },
      now,
    );
    return { ok: true } as const;
  });
}

/** The user's identifiers with their own ids, in creation order (`/me/identifiers`). */
export function listIdentifiers(deps: Pick<DomainDeps, "store">, appId: string, userId: string) {
  return deps.store.users.identifiersWithIds(appId, userId);
}
