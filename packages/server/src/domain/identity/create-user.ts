import type { EventPayloads, IdentifierInput, PasswordHashInput } from "@overture/protocol";
import { recordEvent } from "../events/record-event.js";
import { encodeImportedHash } from "../passwords/imported-password-hash.js";
import { passwordRules } from "../passwords/password-config.js";
import { checkPassword } from "../passwords/password-policy.js";
import { isoTime } from "../shared/clock.js";
import type { DomainDeps } from "../shared/domain-deps.js";
import { newId } from "../shared/new-id.js";
import { normalizeIdentifiers } from "./normalize-identifier.js";
import { checkProfile } from "./user-profile.js";
import type { UserRecord } from "./user-repository.js";

export interface CreateUserInput {
  externalId?: string;
  identifiers?: IdentifierInput[];
  profile?: Record<string, unknown>;
  password?: string;
  /** A hash from another system; exclusive with `password`, and not held to the password policy. */
  passwordHash?: PasswordHashInput;
}

export type CreateUserResult =
  | { ok: true; user: UserRecord }
  | {
      ok: false;
      reason: "external_id_taken" | "identifier_taken" | "invalid_identifier" | "weak_password";
      message?: string;
    }
  | { ok: false; reason: "invalid_input"; message: string };

/**
 * Creates a user with its identifiers, and records `user.created`, in one transaction. The unique
 * indexes decide races: of two concurrent creates with the same external_id or identifier exactly
 * one commits; the other gets the conflict reason and nothing of it is written.
 */
export async function createUser(
  deps: DomainDeps,
  appId: string,
  input: CreateUserInput,
  source: EventPayloads["user.created"]["source"] = "api",
): Promise<CreateUserResult> {
  const normalized = normalizeIdentifiers(input.identifiers ?? []);
  if (!normalized.ok) {
    return {
      ok: false,
      reason: "invalid_identifier",
      message: `identifiers[${normalized.index}] is not valid`,
    };
  }
  const profile = input.profile ?? {};
  const profileCheck = checkProfile(profile);
  if (!profileCheck.ok) return profileCheck;

  let passwordHash: string | null = null;
  if (input.password !== undefined && input.passwordHash !== undefined) {
    return { ok: false, reason: "invalid_input", message: "Send password or password_hash, not both." };
  }
  if (input.passwordHash !== undefined) {
    // Imported hashes predate the app's policy: whether the password inside meets it is unknowable.
    const imported = encodeImportedHash(input.passwordHash, deps.secrets.importedHashSecrets);
    if (!imported.ok) return { ok: false, reason: "invalid_input", message: imported.message };
    passwordHash = imported.stored;
  }
  if (input.password !== undefined) {
    const check = checkPassword(input.password, await passwordRules(deps, appId));
    if (!check.ok) return { ok: false, reason: "weak_password", message: policyMessage(check.failed) };
    // Hashed before the transaction opens: argon2 takes ~10 ms and must not hold a database lock.
    passwordHash = await deps.passwords.hash(input.password);
  }

  const now = deps.clock.now();
  const user: UserRecord = {
    id: newId("usr", now),
    appId,
    externalId: input.externalId ?? null,
    status: "active",
    profile,
    passwordHash,
    createdAt: now,
    updatedAt: now,
    identifiers: normalized.identifiers,
    scopes: [],
    groups: [],
  };
  return deps.store.transaction<CreateUserResult>(async (tx, rollback) => {
    if ((await tx.users.insert(user)) === "external_id_taken")
      return { ok: false, reason: "external_id_taken" };
    for (const identifier of user.identifiers) {
      // Undoes the user row written above: of two racing creates, nothing of the loser remains.
      if (
        (await tx.users.insertIdentifier(appId, user.id, identifier, newId("idt", now), now)) !== "inserted"
      )
        rollback({ ok: false, reason: "identifier_taken" });
    }
    await recordEvent(
      tx,
      appId,
      "user.created",
      {
        user_id: user.id,
        external_id: user.externalId,
        identifiers: user.identifiers,
        profile,
        source,
        created_at: isoTime(now),
      },
      now,
    );
    return { ok: true, user };
  });
}

export function policyMessage(failed: string[]): string {
  return `The password does not meet the password policy (${failed.join(", ")}).`;
}
