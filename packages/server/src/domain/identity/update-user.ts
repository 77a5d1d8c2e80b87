import type { UserStatus } from "@overture/protocol";
import { recordEvent } from "../events/record-event.js";
import { passwordRules } from "../passwords/password-config.js";
import { checkPassword } from "../passwords/password-policy.js";
import { revokeInTx } from "../sessions/sessions.js";
import { isoTime } from "../shared/clock.js";
import type { DomainDeps } from "../shared/domain-deps.js";
import type { Repositories } from "../shared/store.js";
import { policyMessage } from "./create-user.js";
import { checkProfile, mergeProfile } from "./user-profile.js";
import type { UserRecord } from "./user-repository.js";
import { recordUserUpdated } from "./user-updated.js";

type NotFound = { ok: false; reason: "user_not_found" };
const notFound: NotFound = { ok: false, reason: "user_not_found" };

/**
 * Runs `change` on the locked user row inside one transaction, so changes to one user take turns;
 * `change` writes and records its event through `tx`, so a failure anywhere — or its `rollback`
 * of an outcome found midway — leaves neither the change nor the event.
 */
export async function withUser<T>(
  deps: DomainDeps,
  appId: string,
  userId: string,
  change: (tx: Repositories, user: UserRecord, now: number, rollback: (value: T) => never) => Promise<T>,
): Promise<T | NotFound> {
  return deps.store.transaction<T | NotFound>(async (tx, rollback) => {
    const user = await tx.users.get(appId, userId, { forUpdate: true });
    if (!user) return notFound;
    return change(tx, user, deps.clock.now(), rollback);
  });
}

export async function updateProfile(
  deps: DomainDeps,
  appId: string,
  userId: string,
  patch: Record<string, unknown>,
) {
  return withUser(deps, appId, userId, async (tx, user, now) => {
    const profile = mergeProfile(user.profile, patch);
    const check = checkProfile(profile);
    if (!check.ok) return check;
    if (JSON.stringify(profile) === JSON.stringify(user.profile)) return { ok: true } as const;
    await tx.users.update(appId, userId, { profile }, now);
    await recordEvent(
      tx,
      appId,
      "user.profile.updated",
      { user_id: userId, profile, updated_at: isoTime(now) },
      now,
    );
    return { ok: true } as const;
  });
}

type ExternalIdResult = { ok: true } | NotFound | { ok: false; reason: "external_id_taken" };

export async function updateExternalId(deps: DomainDeps, appId: string, userId: string, externalId: string) {
  return deps.store.transaction<ExternalIdResult>(async (tx, rollback) => {
    const user = await tx.users.get(appId, userId, { forUpdate: true });
    if (!user) return notFound;
    if (user.externalId === externalId) return { ok: true };
    const now = deps.clock.now();
    const set = await tx.users.setExternalId(appId, userId, externalId, now);
    if (set === "external_id_taken") rollback({ ok: false, reason: "external_id_taken" });
    if (set === "not_found") return notFound;
    await recordEvent(
      tx,
      appId,
      "user.external_id.updated",
      {
        user_id: userId,
        external_id: externalId,
        previous_external_id: user.externalId,
        updated_at: isoTime(now),
      },
      now,
    );
    await recordUserUpdated(tx, appId, { ...user, externalId }, ["external_id"], now);
    return { ok: true } as const;
  });
}

export async function updateStatus(deps: DomainDeps, appId: string, userId: string, status: UserStatus) {
  return withUser(deps, appId, userId, async (tx, user, now) => {
    if (user.status === status) return { ok: true, user } as const;
    await tx.users.update(appId, userId, { status }, now);
    if (status === "disabled") await endAllSessions(tx, appId, userId, "user_disabled", now);
    await recordEvent(
      tx,
      appId,
      "user.status.updated",
      { user_id: userId, status, previous_status: user.status, updated_at: isoTime(now) },
      now,
    );
    await recordUserUpdated(tx, appId, { ...user, status }, ["status"], now);
    return { ok: true, user: { ...user, status, updatedAt: now } } as const;
  });
}

/**
 * Sets a user's password. Unless `revokeSessions` is false, the user's sessions end in the same
 * transaction (reason `password_changed`): a password is usually changed because the old one may
 * be known to someone else, whose sessions must not outlive it (docs/users.md).
 */
export async function setPassword(
  deps: DomainDeps,
  appId: string,
  userId: string,
  password: string,
  options: { revokeSessions?: boolean } = {},
) {
  const check = checkPassword(password, await passwordRules(deps, appId));
  if (!check.ok) return { ok: false, reason: "weak_password", message: policyMessage(check.failed) } as const;
  if (!(await deps.store.users.get(appId, userId))) return notFound;
  const passwordHash = await deps.passwords.hash(password);
  return withUser(deps, appId, userId, async (tx, user, now) => {
    await tx.users.update(appId, userId, { passwordHash }, now);
    if (options.revokeSessions !== false) await endAllSessions(tx, appId, userId, "password_changed", now);
    await recordEvent(tx, appId, "user.password.updated", { user_id: userId, updated_at: isoTime(now) }, now);
    await recordUserUpdated(tx, appId, user, ["password"], now);
    return { ok: true } as const;
  });
}

export async function deleteUser(deps: DomainDeps, appId: string, userId: string) {
  return withUser(deps, appId, userId, async (tx, user, now) => {
    // Recorded before the rows go (ON DELETE CASCADE), so every session's end is announced.
    await endAllSessions(tx, appId, userId, "user_deleted", now);
    await tx.users.delete(appId, userId);
    await recordEvent(
      tx,
      appId,
      "user.deleted",
      { user_id: userId, external_id: user.externalId, deleted_at: isoTime(now) },
      now,
    );
    return { ok: true } as const;
  });
}

/** Ends the user's active sessions, each with its `user.session.revoked`; `except` stays. */
export async function endAllSessions(
  tx: Repositories,
  appId: string,
  userId: string,
  reason: string,
  now: number,
  except?: string,
) {
  for (const session of await tx.sessions.listActive(appId, userId, now)) {
    if (session.id !== except) await revokeInTx(tx, appId, userId, session.id, reason, now);
  }
}
