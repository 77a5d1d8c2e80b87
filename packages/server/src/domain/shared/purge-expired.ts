import type { DomainDeps } from "./domain-deps.js";

/** How often `serve` purges expired rows. */
export const PURGE_INTERVAL_MS = 5 * 60_000;

/**
 * Deletes what can never matter again: spent-token marks (challenge jtis, DPoP jtis) and
 * rate-limit windows past their expiry, OTP verifications past theirs, dev messages after a day,
 * sessions (with every refresh token they rotated through) a day after they ended, step-up
 * challenges and grants past their end, social logins' states past theirs, webhook deliveries delivered longer ago than the retention,
 * and outbox events routed as long ago that no delivery refers to. Safe on any number of nodes at
 * once; each delete is idempotent.
 */
export async function purgeExpired(
  deps: Pick<DomainDeps, "store" | "clock">,
  options: { deliveredRetentionMs?: number } = {},
) {
  const now = deps.clock.now();
  const retainedSince = now - (options.deliveredRetentionMs ?? 7 * 86_400_000);
  return {
    spentTokens: await deps.store.spentTokens.purgeExpired(now),
    rateLimits: await deps.store.rateLimits.purgeExpired(now),
    otp: await deps.store.otp.purge(now, now - 86_400_000),
    // An ended session's tokens already answer 401; after a day they go, with their refresh tokens.
    sessions: await deps.store.sessions.purgeEnded(now - 86_400_000),
    stepUp: await deps.store.stepUp.purge(now),
    oauthStates: await deps.store.oauthStates.purgeExpired(now),
    deliveries: await deps.store.deliveries.purgeDelivered(retainedSince),
    // After the deliveries: an event routed as long ago goes once no delivery refers to it.
    outbox: await deps.store.outbox.purgeRouted(retainedSince),
  };
}
