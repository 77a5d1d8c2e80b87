import type { RateLimitRule } from "@overture/protocol";
import type { Store } from "./store.js";

export type RateLimitResult = { ok: true } | { ok: false; reason: "rate_limited"; retryAfterSeconds: number };

/**
 * Counts one attempt on `key` in a fixed window of `rule.ttl` (nanoseconds, as Prelude's password
 * config writes it) and refuses once the window holds more than `rule.limit` attempts.
 */
export async function consumeRateLimit(
  store: Store,
  key: string,
  rule: RateLimitRule,
  now: number,
): Promise<RateLimitResult> {
  const windowMs = Math.max(1000, Math.floor(rule.ttl / 1_000_000));
  const windowStart = Math.floor(now / windowMs) * windowMs;
  const hits = await store.rateLimits.hit(key, windowStart, windowStart + windowMs);
  if (hits <= rule.limit) return { ok: true };
  return {
    ok: false,
    reason: "rate_limited",
    retryAfterSeconds: Math.ceil((windowStart + windowMs - now) / 1000),
  };
}
