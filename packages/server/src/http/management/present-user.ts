import type { User } from "@overture/protocol";
import type { UserRecord } from "../../domain/identity/user-repository.js";
import { isoTime } from "../../domain/shared/clock.js";

/** The wire form of a user (prelude-api.md §3.3). The password hash never leaves the server. */
export function presentUser(user: UserRecord): User {
  return {
    id: user.id,
    external_id: user.externalId,
    status: user.status,
    identifiers: user.identifiers,
    scopes: user.scopes,
    groups: user.groups,
    profile: user.profile,
    has_password: user.passwordHash !== null,
    created_at: isoTime(user.createdAt),
    updated_at: isoTime(user.updatedAt),
  };
}
