import { createPublicKey, type JsonWebKey, type KeyObject } from "node:crypto";
import type { Clock } from "../domain/shared/clock.js";
import type { JwsAlg } from "../domain/shared/jws.js";
import { createKeySetCache } from "../outbound/key-set-cache.js";
import type { OutboundClient } from "../outbound/outbound-client.js";
import { getJson, type IdpTarget } from "./idp-fetch.js";

/** Providers' signing keys are kept an hour… */
export const IDP_JWKS_CACHE_MS = 60 * 60_000;
/** …and a `kid` not among them (the provider rotated) is looked up at most this often per set. */
export const IDP_JWKS_REFETCH_MIN_MS = 30_000;

type Key = { key: KeyObject; alg: JwsAlg };

/**
 * The alg allow-list of ID tokens: RS256 (what Google, Microsoft, Apple and Okta sign with) and
 * ES256. A key's algorithm comes from its type, never from the token, so `none`, HMAC and
 * cross-family confusions cannot verify (domain/shared/jws.ts).
 */
function algOf(jwk: Record<string, unknown>): JwsAlg | null {
  if (jwk.use !== undefined && jwk.use !== "sig") return null;
  if (jwk.kty === "RSA" && (jwk.alg === undefined || jwk.alg === "RS256")) return "RS256";
  if (jwk.kty === "EC" && jwk.crv === "P-256" && (jwk.alg === undefined || jwk.alg === "ES256"))
    return "ES256";
  return null;
}

/** Fetches and caches providers' JWKS by URL; a failed fetch keeps what was cached. */
export function createIdpJwksCache(deps: { clock: Clock; outbound: OutboundClient }) {
  const cache = createKeySetCache<Key>({
    clock: deps.clock,
    maxAgeMs: IDP_JWKS_CACHE_MS,
    refetchMinMs: IDP_JWKS_REFETCH_MIN_MS,
  });
  return {
    key: (target: IdpTarget, kid: string): Promise<Key | null> =>
      cache.key(`${target.publicOnly ? "p" : "o"} ${target.url.href}`, kid, async () => {
        const got = await getJson(deps.outbound, target);
        if (!got.ok || got.status !== 200) return null;
        const list = (got.json as { keys?: unknown } | null)?.keys;
        if (!Array.isArray(list)) return null;
        const keys = new Map<string, Key>();
        for (const jwk of list) {
          if (typeof jwk !== "object" || jwk === null || typeof jwk.kid !== "string") continue;
          const alg = algOf(jwk);
          if (!alg) continue;
          try {
            keys.set(jwk.kid, { key: createPublicKey({ key: jwk as JsonWebKey, format: "jwk" }), alg });
          } catch {
            // A key that does not parse is left out; the others still work.
          }
        }
        return keys;
      }),
  };
}
