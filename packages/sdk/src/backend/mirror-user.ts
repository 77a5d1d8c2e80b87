import type { IdentifierInput, IdentifierType, User } from "@overture/protocol";
import type { ManagementClient } from "../management-client.js";
import { isApiError } from "../overture-api-error.js";

export interface MirrorInput {
  /** Your internal user id: the Overture user's external_id. */
  externalId: string;
  /** Fields to set; a key set to null is removed (JSON merge patch). */
  profile?: Record<string, unknown>;
  /** Every identifier the user has on your side now; omitted = leave identifiers alone. */
  identifiers?: IdentifierInput[];
}

export interface MirrorResult {
  status: "skipped" | "mirrored";
  added: number;
  removed: number;
}

/** Compares as the server normalises: emails lower-cased, phones without spacing, OAuth providers lower-cased. */
const key = (type: IdentifierType, value: string) => {
  if (type === "email_address") return `${type}:${value.trim().toLowerCase()}`;
  if (type === "phone_number") return `${type}:${value.replace(/[\s().-]/g, "")}`;
  const [provider = "", ...subject] = value.trim().split(":");
  return `${type}:${provider.toLowerCase()}:${subject.join(":")}`;
};
const typeOf = (i: IdentifierInput): IdentifierType =>
  i.type ??
  (/^(google|apple|microsoft|github|okta):/i.test(i.value.trim())
    ? "oauth"
    : i.value.includes("@")
      ? "email_address"
      : "phone_number");

/**
 * Mirrors a change made on your side to the Overture user (seed 002 step 1): resolve by external_id
 * (absent: skip, nothing to mirror), patch the profile, and reconcile identifiers as a per-type diff
 * (remove existing \ desired, add desired \ existing). NotFound and AlreadyExists on an identifier
 * are the wanted state. Every operation runs; failures are joined into one AggregateError at the end.
 */
export async function mirrorUser(client: ManagementClient, input: MirrorInput): Promise<MirrorResult> {
  const user = await client.users.findByExternalId(input.externalId);
  if (!user) return { status: "skipped", added: 0, removed: 0 };
  const errors: unknown[] = [];
  let added = 0;
  let removed = 0;
  if (input.profile && Object.keys(input.profile).length > 0) {
    await client.users.updateProfile(user.id, input.profile).catch((e: unknown) => errors.push(e));
  }
  if (input.identifiers) {
    const { toAdd, toRemove } = diff(user, input.identifiers);
    for (const identifier of toRemove) {
      try {
        await client.users.removeIdentifier(user.id, identifier);
        removed++;
      } catch (error) {
        if (!isApiError(error, "identifier_not_found")) errors.push(error);
      }
    }
    for (const identifier of toAdd) {
      try {
        await client.users.addIdentifier(user.id, identifier);
        added++;
      } catch (error) {
        if (!isApiError(error, "identifier_already_exists")) errors.push(error);
      }
    }
  }
  if (errors.length > 0)
    throw new AggregateError(errors, `mirroring ${input.externalId}: ${errors.length} operation(s) failed`);
  return { status: "mirrored", added, removed };
}

/** Mirrors a deletion: resolve by external_id and delete; already gone is success. */
export async function mirrorDelete(
  client: ManagementClient,
  externalId: string,
): Promise<"deleted" | "absent"> {
  const user = await client.users.findByExternalId(externalId);
  if (!user) return "absent";
  try {
    await client.users.delete(user.id);
    return "deleted";
  } catch (error) {
    if (isApiError(error, "user_not_found")) return "absent";
    throw error;
  }
}

/**
 * OAuth identities are reconciled only when `desired` names at least one: a caller that mirrors
 * emails and phones alone never unlinks a user's social accounts.
 */
function diff(user: User, desired: IdentifierInput[]) {
  const wanted = new Map(desired.map((i) => [key(typeOf(i), i.value), { type: typeOf(i), value: i.value }]));
  const withOAuth = desired.some((i) => typeOf(i) === "oauth");
  const existing = new Map(
    user.identifiers.filter((i) => withOAuth || i.type !== "oauth").map((i) => [key(i.type, i.value), i]),
  );
  return {
    toAdd: [...wanted].filter(([k]) => !existing.has(k)).map(([, i]) => i),
    toRemove: [...existing].filter(([k]) => !wanted.has(k)).map(([, i]) => i),
  };
}
