import { createPublicKey, type KeyObject } from "node:crypto";
import type { AppRecord } from "../domain/apps/app-repository.js";
import type { Clock } from "../domain/shared/clock.js";
import type { CustomerJwks } from "../domain/step-up/customer-jwks.js";
import type { OutboundClient } from "../outbound/outbound-client.js";
import { checkOutboundUrl } from "../outbound/outbound-url.js";
import { HOOK_MAX_RESPONSE_BYTES, HOOK_TIMEOUT_MS } from "./signed-hook-call.js";

/** §7.3: keys are kept 10 minutes. */
export const JWKS_CACHE_MS = 10 * 60_000;
/** A kid the cache does not know is looked up at most this often per URL. */
export const JWKS_REFETCH_MIN_MS = 30_000;
const CACHED_URLS_MAX = 1_000;

interface Entry {
  keys: Map<string, KeyObject>;
  fetchedAt: number;
  pending?: Promise<void>;
}

/**
 * Fetches and caches apps' JWKS for custom-step tokens (domain/step-up/customer-jwks.ts): a GET
 * with the hooks' limits (5 s, 64 KiB, no redirects, public addresses only in prod); RSA keys with
 * a `kid` and no use other than `sig` are kept. A failed fetch keeps what was cached.
 */
export function createCustomerJwksClient(deps: { clock: Clock; outbound: OutboundClient }): CustomerJwks {
  const cache = new Map<string, Entry>();

  async function refresh(app: AppRecord, url: string, entry: Entry): Promise<void> {
    entry.fetchedAt = deps.clock.now();
    const checked = checkOutboundUrl(url, app.mode, "jwks_url");
    if (!checked.ok) return;
    const got = await deps.outbound.get(
      checked.url,
      { accept: "application/json", "user-agent": "Overture-JWKS/1.0" },
      {
        timeoutMs: HOOK_TIMEOUT_MS,
        maxResponseBytes: HOOK_MAX_RESPONSE_BYTES,
        publicOnly: app.mode === "prod",
      },
    );
    if (!got.ok || got.status !== 200) return;
    let document: unknown;
    try {
      document = JSON.parse(got.body.toString("utf8"));
    } catch {
      return;
    }
    const list = (document as { keys?: unknown })?.keys;
    if (!Array.isArray(list)) return;
    const keys = new Map<string, KeyObject>();
    for (const jwk of list) {
      if (typeof jwk !== "object" || jwk === null) continue;
      const { kid, kty, use } = jwk as Record<string, unknown>;
      if (typeof kid !== "string" || kty !== "RSA" || (use !== undefined && use !== "sig")) continue;
      try {
        keys.set(kid, createPublicKey({ key: jwk as import("node:crypto").JsonWebKey, format: "jwk" }));
      } catch {
        // A key that does not parse is left out; the others still work.
      }
    }
    entry.keys = keys;
  }

  return {
    async rsaKey(app, url, kid) {
      const cacheKey = `${app.id} ${url}`;
      let entry = cache.get(cacheKey);
      const now = deps.clock.now();
      if (!entry) {
        if (cache.size >= CACHED_URLS_MAX) cache.delete(cache.keys().next().value as string);
        entry = { keys: new Map(), fetchedAt: Number.NEGATIVE_INFINITY };
        cache.set(cacheKey, entry);
      }
      const stale = now - entry.fetchedAt > JWKS_CACHE_MS;
      const unknownKid = !entry.keys.has(kid) && now - entry.fetchedAt > JWKS_REFETCH_MIN_MS;
      if (stale || unknownKid) {
        const current = entry;
        current.pending ??= refresh(app, url, current).finally(() => {
          current.pending = undefined;
        });
        await current.pending;
      }
      return entry.keys.get(kid) ?? null;
    },
  };
}
