import { rateLimitKey } from "./rate-limit.js";
import type { Store } from "./store.js";

/**
 * How often an identifier may be tried (docs/security.md, "Guessing and lockout"). Counts are per
 * fixed window. Two rules, so that a stranger can slow an identifier down but not lock it:
 * - per identifier and client IP, at most `perSource` counted events a window; past that, that IP
 *   waits for the next window. One IP alone never reaches the identifier's own limit;
 * - per identifier, `free` events a window; past that the identifier slows down: an attempt, from
 *   any IP, must come a spacing after the previous admitted one, the spacing starting at a 32nd of
 *   the window and doubling with each admitted attempt up to half of it. An IP that already spent
 *   its share cannot take a turn, so the owner, from their own IP, gets the next one.
 */
export interface ThrottleRule {
  windowMs: number;
  free: number;
  perSource: number;
}

export type Admission =
  | {
      ok: true;
      /** The event did not happen after all (a correct password): take its count back. */
      refund: () => Promise<void>;
    }
  | { ok: false; reason: "rate_limited"; retryAfterSeconds: number };

/**
 * Counts one event for `identifier` from `ip` under `scope` (an operation of an app) before the
 * work it guards, so concurrent attempts cannot all pass a limit they are about to exceed; the
 * caller refunds the ones that turn out not to be events.
 */
export async function admitThrottled(
  store: Pick<Store, "rateLimits">,
  scope: { operation: string; appId: string },
  identifier: string,
  ip: string,
  rule: ThrottleRule,
  now: number,
): Promise<Admission> {
  const windowStart = Math.floor(now / rule.windowMs) * rule.windowMs;
  const windowEnd = windowStart + rule.windowMs;
  const sourceKey = rateLimitKey({ ...scope, dimension: "source", value: `${identifier}|${ip}` });
  const identifierKey = rateLimitKey({ ...scope, dimension: "identifier", value: identifier });
  const spacingKey = rateLimitKey({ ...scope, dimension: "spacing", value: identifier });
  const limited = (until: number) =>
    ({
      ok: false,
      reason: "rate_limited",
      retryAfterSeconds: Math.max(1, Math.ceil((until - now) / 1000)),
    }) as const;

  if ((await store.rateLimits.hit(sourceKey, windowStart, windowEnd)) > rule.perSource) {
    await store.rateLimits.refund(sourceKey, windowStart);
    return limited(windowEnd);
  }
  const refund = async () => {
    await store.rateLimits.refund(sourceKey, windowStart);
    await store.rateLimits.refund(identifierKey, windowStart);
  };
  const count = await store.rateLimits.hit(identifierKey, windowStart, windowEnd);
  if (count <= rule.free) return { ok: true, refund };

  // Slowed down: each further attempt waits a growing spacing after the previous admitted one.
  const spacingMs = Math.round(
    Math.min((rule.windowMs / 32) * 2 ** (count - rule.free - 1), rule.windowMs / 2),
  );
  if (!(await store.rateLimits.claimSpaced(spacingKey, now, spacingMs, windowEnd))) {
    await refund();
    return limited(now + spacingMs);
  }
  return { ok: true, refund };
}
