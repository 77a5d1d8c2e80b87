import { RESERVED_SCOPES } from "@overture/protocol";

const reserved: ReadonlySet<string> = new Set(RESERVED_SCOPES);

/** `prld:` in any case: a lookalike of a reserved scope must not pass for one. */
export function isReserved(scope: string): boolean {
  return scope.toLowerCase().startsWith("prld:");
}

/** Why a user or a group cannot hold a reserved scope: it would come back at every refresh. */
export const HELD_RESERVED =
  "prld: scopes are granted for one session by a login method or step-up; a user or a group cannot hold them.";

/**
 * Why an app may not declare `scope` (already of the scope pattern: the route schemas check it),
 * or null: only the documented reserved scopes (prelude-api.md §9.4) carry the `prld:` prefix,
 * because Overture gives them their meaning.
 */
export function undeclarableReason(scope: string): string | null {
  if (isReserved(scope) && !reserved.has(scope))
    return `scope "${scope}" uses the reserved prld: prefix; the reserved scopes are ${RESERVED_SCOPES.join(", ")}.`;
  return null;
}

/** Sorted (by code unit), each once: the one order scopes and group names are stored and shown. */
export function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}
