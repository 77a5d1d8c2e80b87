import type { User } from "@overture/protocol";
import { isoTime } from "../../domain/clock.js";
import type { UserRecord } from "../../storage/repositories.js";

/** The wire form of a user (prelude-api.md §3.3). The password hash never leaves the server. */
export function presentUser(user: UserRecord): User {
  return {
    id: user.id,
    external_id: user.externalId,
    status: user.status,
    identifiers: user.identifiers,
    scopes: [],
    profile: user.profile,
    has_password: user.passwordHash !== null,
    created_at: isoTime(user.createdAt),
    updated_at: isoTime(user.updatedAt),
  };
}
