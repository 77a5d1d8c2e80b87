import { recordEvent } from "../events/record-event.js";
import { isoTime } from "../shared/clock.js";
import type { DomainDeps } from "../shared/domain-deps.js";
import type { Failure } from "../shared/outcome.js";
import type { PasskeyRecord } from "./passkey-repository.js";

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
