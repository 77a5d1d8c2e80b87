import type { Clock } from "../domain/shared/clock.js";
import type { OutboundClient } from "../outbound/outbound-client.js";
import { getJson, type IdpTarget, linkedUrl } from "./idp-fetch.js";

/** What Overture uses of a provider's discovery document (OpenID Connect Discovery 1.0 §3). */
export interface OidcMetadata {
  /** May hold `{tenantid}` (Microsoft's multi-tenant endpoints). */
  issuer: string;
  authorization: URL;
  token: IdpTarget;
  jwks: IdpTarget;
  userinfo: IdpTarget | null;
  /** Whether the token endpoint takes the secret in the form; else HTTP Basic (RFC 6749 §2.3.1). */
  secretInForm: boolean;
}

/** Discovery documents change rarely; an hour keeps a provider's outage from being ours for long. */
export const METADATA_CACHE_MS = 60 * 60_000;
const CACHED_MAX = 1_000;

export type MetadataResult = { ok: true; metadata: OidcMetadata } | { ok: false; detail: string };

/** Reads and caches discovery documents; concurrent misses share one fetch. */
export function createOidcMetadataCache(deps: { clock: Clock; outbound: OutboundClient }) {
  const cache = new Map<string, { metadata: OidcMetadata; until: number }>();
  const pending = new Map<string, Promise<MetadataResult>>();

  async function fetchMetadata(target: IdpTarget): Promise<MetadataResult> {
    const got = await getJson(deps.outbound, target);
    if (!got.ok) return got;
    if (got.status !== 200) return { ok: false, detail: `discovery answered ${got.status}` };
    const doc = got.json as Record<string, unknown> | null;
    if (typeof doc !== "object" || doc === null) return { ok: false, detail: "discovery is not an object" };
    const authorization = linkedUrl(doc.authorization_endpoint, target);
    const token = linkedUrl(doc.token_endpoint, target);
    const jwks = linkedUrl(doc.jwks_uri, target);
    if (typeof doc.issuer !== "string" || !authorization || !token || !jwks)
      return {
        ok: false,
        detail: "discovery lacks issuer, authorization_endpoint, token_endpoint or jwks_uri",
      };
    const methods = doc.token_endpoint_auth_methods_supported;
    return {
      ok: true,
      metadata: {
        issuer: doc.issuer,
        authorization: authorization.url,
        token,
        jwks,
        userinfo: linkedUrl(doc.userinfo_endpoint, target),
        // The default when a provider does not say is client_secret_basic (Discovery §3).
        secretInForm: Array.isArray(methods) ? methods.includes("client_secret_post") : false,
      },
    };
  }

  return {
    async get(target: IdpTarget): Promise<MetadataResult> {
      const key = `${target.publicOnly ? "p" : "o"} ${target.url.href}`;
      const hit = cache.get(key);
      if (hit && hit.until > deps.clock.now()) return { ok: true, metadata: hit.metadata };
      let inFlight = pending.get(key);
      if (!inFlight) {
        inFlight = fetchMetadata(target).finally(() => pending.delete(key));
        pending.set(key, inFlight);
      }
      const result = await inFlight;
      if (result.ok) {
        if (cache.size >= CACHED_MAX) cache.delete(cache.keys().next().value as string);
        cache.set(key, { metadata: result.metadata, until: deps.clock.now() + METADATA_CACHE_MS });
      }
      return result;
    },
  };
}
