import { RESERVED_SCOPES, SCOPE_LIMITS, SCOPE_PATTERN } from "@overture/protocol";

const pattern = new RegExp(SCOPE_PATTERN);
const reserved: ReadonlySet<string> = new Set(RESERVED_SCOPES);

export function isScopeName(value: string): boolean {
  return value.length <= SCOPE_LIMITS.scopeLengthMax && pattern.test(value);
}

/** `prld:` in any case: a lookalike of a reserved scope must not pass for one. */
export function isReserved(scope: string): boolean {
  return scope.toLowerCase().startsWith("prld:");
}

/**
 * Why an app may not declare `scope`, or null: only the documented reserved scopes (prelude-api.md
 * §9.4) carry the `prld:` prefix, because Overture gives them their meaning.
 */
export function undeclarableReason(scope: string): string | null {
  if (!isScopeName(scope)) return `scope "${scope}" does not match ${SCOPE_PATTERN}.`;
  if (isReserved(scope) && !reserved.has(scope))
    return `scope "${scope}" uses the reserved prld: prefix; the reserved scopes are ${RESERVED_SCOPES.join(", ")}.`;
  return null;
}

/** Sorted (by code unit), each once: the one order scopes are stored, shown and put in tokens. */
export function sortedScopes(scopes: Iterable<string>): string[] {
  return [...new Set(scopes)].sort();
}
