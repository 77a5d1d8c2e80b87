import type { DomainDeps } from "./domain-deps.js";

/** How often `serve` purges expired single-use marks. */
export const PURGE_INTERVAL_MS = 5 * 60_000;

/**
 * Deletes what can never matter again: spent-token marks (challenge jtis, DPoP jtis) past their
 * expiry. Safe on any number of nodes at once; each delete is idempotent.
 */
export async function purgeExpired(
  deps: Pick<DomainDeps, "store" | "clock">,
): Promise<{ spentTokens: number }> {
  return { spentTokens: await deps.store.spentTokens.purgeExpired(deps.clock.now()) };
}
