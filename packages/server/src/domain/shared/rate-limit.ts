import type { RateLimitRule } from "@overture/protocol";
import type { Store } from "./store.js";

export type RateLimitResult = { ok: true } | { ok: false; reason: "rate_limited"; retryAfterSeconds: number };

/** What is limited, in one key format for every limited operation: operation, app, dimension, value. */
export interface LimitedSubject {
  /** The limited operation: `password`, `otp`, `otp-send`, `migration`. */
  operation: string;
  appId: string;
  /** What is counted: `ip`, `identifier`, `source` (an identifier from one IP), `spacing`. */
  dimension: string;
  value: string;
}

export function rateLimitKey(s: LimitedSubject): string {
  return `${s.operation}:${s.appId}:${s.dimension}:${s.value}`;
}

/**
 * Counts one attempt on `subject` in a fixed window of `rule.ttl` (nanoseconds, as Prelude's
 * password config writes it) and refuses once the window holds more than `rule.limit` attempts.
 * The counters live in the database, so every node counts together.
 */
export async function consumeRateLimit(
  store: Pick<Store, "rateLimits">,
  subject: LimitedSubject,
  rule: RateLimitRule,
  now: number,
): Promise<RateLimitResult> {
  const windowMs = Math.max(1000, Math.floor(rule.ttl / 1_000_000));
  const windowStart = Math.floor(now / windowMs) * windowMs;
  const hits = await store.rateLimits.hit(rateLimitKey(subject), windowStart, windowStart + windowMs);
  if (hits <= rule.limit) return { ok: true };
  return {
    ok: false,
    reason: "rate_limited",
    retryAfterSeconds: Math.ceil((windowStart + windowMs - now) / 1000),
  };
}
