import { recordEvent } from "../events/record-event.js";
import { isoTime } from "../shared/clock.js";
import type { DomainDeps } from "../shared/domain-deps.js";
import type { Failure } from "../shared/outcome.js";
import { type PasskeyConfigValue, passkeyConfig } from "./passkey-config.js";
import type { PasskeyRecord } from "./passkey-repository.js";

/**
 * The user's passkeys that work now — those registered under the app's current RP ID, oldest
 * first — with the config; null when the app has no passkey config.
 */
export async function usablePasskeys(
  deps: Pick<DomainDeps, "store">,
  appId: string,
  userId: string,
): Promise<{ config: PasskeyConfigValue; passkeys: PasskeyRecord[] } | null> {
  const config = await passkeyConfig.read(deps, appId);
  if (!config) return null;
  const owned = await deps.store.passkeys.listForUser(appId, userId);
  return { config: config.value, passkeys: owned.filter((p) => p.rpId === config.value.rp_id) };
}

/** A user's passkeys, oldest first (Management `GET /users/{id}/passkeys`). */
export async function listUserPasskeys(
  deps: Pick<DomainDeps, "store">,
  appId: string,
  userId: string,
): Promise<{ ok: true; passkeys: PasskeyRecord[] } | Failure<"user_not_found">> {
  if (!(await deps.store.users.get(appId, userId))) return { ok: false, reason: "user_not_found" };
  return { ok: true, passkeys: await deps.store.passkeys.listForUser(appId, userId) };
}

/**
 * Removes one of a user's passkeys, with `user.passkey.deleted` in the same transaction. It stops
 * working at once: an assertion is checked against the stored credential.
 */
export async function deleteUserPasskey(
  deps: Pick<DomainDeps, "store" | "clock">,
  appId: string,
  userId: string,
  passkeyId: string,
): Promise<{ ok: true } | Failure<"user_not_found" | "passkey_not_found">> {
  return deps.store.transaction(async (tx) => {
    if (!(await tx.users.get(appId, userId))) return { ok: false, reason: "user_not_found" } as const;
    // The delete is the owner check (it matches the user too); the read gives the event its id.
    const passkey = await tx.passkeys.get(appId, passkeyId);
    if (!passkey || !(await tx.passkeys.delete(appId, userId, passkeyId)))
      return { ok: false, reason: "passkey_not_found", message: "The user has no such passkey." } as const;
    const now = deps.clock.now();
    await recordEvent(
      tx,
      appId,
      "user.passkey.deleted",
      {
        user_id: userId,
        passkey_id: passkeyId,
        credential_id: passkey.credentialId,
        deleted_at: isoTime(now),
      },
      now,
    );
    return { ok: true } as const;
  });
}

/**
 * One of the user's own passkeys, named as `/me/passkeys` lists it (its credential id) or by its
 * `pkc_…` id; null when it is not theirs, so another user's passkey is as unknown as none.
 */
async function ownPasskey(
  deps: Pick<DomainDeps, "store">,
  appId: string,
  userId: string,
  id: string,
): Promise<PasskeyRecord | null> {
  const found =
    (await deps.store.passkeys.findByCredentialId(appId, id)) ?? (await deps.store.passkeys.get(appId, id));
  return found?.userId === userId ? found : null;
}

const notYours = { ok: false, reason: "passkey_not_found", message: "You have no such passkey." } as const;

/** `PATCH /me/passkeys/{id}`: the empty string clears the nickname. */
export async function renameOwnPasskey(
  deps: Pick<DomainDeps, "store">,
  appId: string,
  userId: string,
  id: string,
  nickname: string,
): Promise<{ ok: true } | Failure<"passkey_not_found">> {
  const passkey = await ownPasskey(deps, appId, userId, id);
  const trimmed = nickname.trim();
  if (!passkey || !(await deps.store.passkeys.rename(appId, userId, passkey.id, trimmed || null)))
    return notYours;
  return { ok: true };
}

/** `DELETE /me/passkeys/{id}`: as the Management delete, with the same event. */
export async function deleteOwnPasskey(
  deps: Pick<DomainDeps, "store" | "clock">,
  appId: string,
  userId: string,
  id: string,
): Promise<{ ok: true } | Failure<"user_not_found" | "passkey_not_found">> {
  const passkey = await ownPasskey(deps, appId, userId, id);
  if (!passkey) return notYours;
  const deleted = await deleteUserPasskey(deps, appId, userId, passkey.id);
  return deleted.ok || deleted.reason !== "passkey_not_found" ? deleted : notYours;
}
