import { type IdentifierType, USER_LIMITS } from "@overture/protocol";
import type { DomainDeps } from "../shared/domain-deps.js";
import { normalizeEmail, normalizeIdentifier, normalizeOAuthIdentity } from "./normalize-identifier.js";
import type { UserRecord } from "./user-repository.js";

export async function getUser(deps: DomainDeps, appId: string, userId: string) {
  const user = await deps.store.users.get(appId, userId);
  return user ? ({ ok: true, user } as const) : ({ ok: false, reason: "user_not_found" } as const);
}

export interface ListUsersInput {
  externalId?: string;
  identifierType?: IdentifierType;
  identifierValue?: string;
  limit?: number;
  cursor?: string;
}

export type ListUsersResult =
  | { ok: true; users: UserRecord[]; nextCursor: string | null }
  | { ok: false; reason: "invalid_input" | "invalid_identifier"; message: string };

/**
 * Keyset pagination in id order: ids are ULIDs, so the order is stable and a page never skips or
 * repeats a user when others are created or deleted meanwhile. The cursor is opaque to clients.
 */
export async function listUsers(
  deps: DomainDeps,
  appId: string,
  input: ListUsersInput,
): Promise<ListUsersResult> {
  if ((input.identifierType === undefined) !== (input.identifierValue === undefined)) {
    return {
      ok: false,
      reason: "invalid_input",
      message: "identifier_type and identifier_value must be given together",
    };
  }
  let identifier: { type: IdentifierType; value: string } | undefined;
  if (input.identifierType && input.identifierValue !== undefined) {
    const normalized = normalizeIdentifier({ type: input.identifierType, value: input.identifierValue });
    if (!normalized.ok)
      return { ok: false, reason: "invalid_identifier", message: "identifier_value is not valid" };
    identifier = normalized.identifier;
  }
  let afterId: string | undefined;
  if (input.cursor !== undefined) {
    afterId = decodeCursor(input.cursor) ?? undefined;
    if (afterId === undefined) return { ok: false, reason: "invalid_input", message: "cursor is not valid" };
  }
  const limit = input.limit ?? USER_LIMITS.pageSizeDefault;
  const rows = await deps.store.users.list(appId, {
    ...(input.externalId !== undefined && { externalId: input.externalId }),
    ...(identifier && { identifier }),
    ...(afterId && { afterId }),
    limit: limit + 1,
  });
  const users = rows.slice(0, limit);
  const last = users.at(-1);
  return { ok: true, users, nextCursor: rows.length > limit && last ? encodeCursor(last.id) : null };
}

function encodeCursor(id: string): string {
  return Buffer.from(JSON.stringify({ after: id })).toString("base64url");
}

function decodeCursor(cursor: string): string | null {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { after?: unknown };
    return typeof parsed.after === "string" && /^usr_[0-9a-z]{26}$/.test(parsed.after) ? parsed.after : null;
  } catch {
    return null;
  }
}

export type BatchLookupResult =
  | { ok: true; users: UserRecord[] }
  | { ok: false; reason: "invalid_input" | "invalid_identifier"; message: string };

/** Users matching any of the external ids, emails or OAuth identities, each user once, in id order. */
export async function batchLookupUsers(
  deps: DomainDeps,
  appId: string,
  input: { externalIds?: string[]; emails?: string[]; oauthIdentities?: string[] },
): Promise<BatchLookupResult> {
  const externalIds = [...new Set(input.externalIds ?? [])];
  const emails: string[] = [];
  for (const [index, email] of (input.emails ?? []).entries()) {
    const normalized = normalizeEmail(email);
    if (normalized === null) {
      return {
        ok: false,
        reason: "invalid_identifier",
        message: `emails[${index}] is not a valid email address`,
      };
    }
    emails.push(normalized);
  }
  const identities: string[] = [];
  for (const [index, identity] of (input.oauthIdentities ?? []).entries()) {
    const normalized = normalizeOAuthIdentity(identity);
    if (normalized === null)
      return {
        ok: false,
        reason: "invalid_identifier",
        message: `oauth_identities[${index}] is not <provider>:<provider user id> with a known provider`,
      };
    identities.push(normalized);
  }
  if (externalIds.length === 0 && emails.length === 0 && identities.length === 0) {
    return {
      ok: false,
      reason: "invalid_input",
      message: "give at least one of external_ids, emails or oauth_identities",
    };
  }
  const [byExternalId, byIdentifier] = await Promise.all([
    deps.store.users.findByExternalIds(appId, externalIds),
    deps.store.users.findByIdentifiers(appId, [
      ...[...new Set(emails)].map((value) => ({ type: "email_address" as const, value })),
      ...[...new Set(identities)].map((value) => ({ type: "oauth" as const, value })),
    ]),
  ]);
  const unique = new Map<string, UserRecord>();
  for (const user of [...byExternalId, ...byIdentifier]) unique.set(user.id, user);
  return { ok: true, users: [...unique.values()].sort((a, b) => (a.id < b.id ? -1 : 1)) };
}
