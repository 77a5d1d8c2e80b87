import { uniqueViolationIndex } from "../../storage/unique-violation.js";

export type UserConflict = "external_id_already_exists" | "identifier_already_exists";

/** Maps a unique-index collision on a user write to the domain's conflict reason. */
export function userConflict(error: unknown): UserConflict | null {
  switch (uniqueViolationIndex(error)) {
    case "users_app_external_id":
      return "external_id_already_exists";
    case "user_identifiers_app_value":
      return "identifier_already_exists";
    default:
      return null;
  }
}
