import { createPublicKey, type JsonWebKey, type KeyObject } from "node:crypto";
import type { Clock } from "../domain/shared/clock.js";
import type { CustomerJwks } from "../domain/step-up/customer-jwks.js";
import { createKeySetCache } from "../outbound/key-set-cache.js";
import type { OutboundClient } from "../outbound/outbound-client.js";
import { checkOutboundUrl } from "../outbound/outbound-url.js";
import { HOOK_MAX_RESPONSE_BYTES, HOOK_TIMEOUT_MS } from "./signed-hook-call.js";

/** §7.3: keys are kept 10 minutes. */
export const JWKS_CACHE_MS = 10 * 60_000;
/** A kid the cache does not know is looked up at most this often per URL. */
export const JWKS_REFETCH_MIN_MS = 30_000;

/**
 * Fetches and caches apps' JWKS for custom-step tokens (domain/step-up/customer-jwks.ts): a GET
 * with the hooks' limits (5 s, 64 KiB, no redirects, public addresses only in prod); RSA keys with
 * a `kid` and no use other than `sig` are kept. A failed fetch keeps what was cached.
 */
export function createCustomerJwksClient(deps: { clock: Clock; outbound: OutboundClient }): CustomerJwks {
  const cache = createKeySetCache<KeyObject>({
    clock: deps.clock,
    maxAgeMs: JWKS_CACHE_MS,
    refetchMinMs: JWKS_REFETCH_MIN_MS,
  });
  return {
    rsaKey: (app, url, kid) =>
      cache.key(`${app.id} ${url}`, kid, async () => {
        const checked = checkOutboundUrl(url, app.mode, "jwks_url");
        if (!checked.ok) return null;
        const got = await deps.outbound.get(
          checked.url,
          { accept: "application/json", "user-agent": "Overture-JWKS/1.0" },
          {
            peer: "app_jwks",
            timeoutMs: HOOK_TIMEOUT_MS,
            maxResponseBytes: HOOK_MAX_RESPONSE_BYTES,
            publicOnly: app.mode === "prod",
          },
        );
        if (!got.ok || got.status !== 200) return null;
        let document: unknown;
        try {
          document = JSON.parse(got.body.toString("utf8"));
        } catch {
          return null;
        }
        const list = (document as { keys?: unknown })?.keys;
        if (!Array.isArray(list)) return null;
        const keys = new Map<string, KeyObject>();
        for (const jwk of list) {
          if (typeof jwk !== "object" || jwk === null) continue;
          const { kid: id, kty, use } = jwk as Record<string, unknown>;
          if (typeof id !== "string" || kty !== "RSA" || (use !== undefined && use !== "sig")) continue;
          try {
            keys.set(id, createPublicKey({ key: jwk as JsonWebKey, format: "jwk" }));
          } catch {
            // A key that does not parse is left out; the others still work.
          }
        }
        return keys;
      }),
  };
}
