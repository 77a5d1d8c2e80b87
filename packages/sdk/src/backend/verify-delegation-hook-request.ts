import type { DelegationHookRequest } from "@overture/protocol";
import { JwksCache } from "./jwks-cache.js";
import { type HookHeaders, HookRequestError, replayGuard, verifySignedBody } from "./signed-hook-request.js";

export interface DelegationHookVerifierOptions {
  /** The app's JWKS, e.g. `https://auth.example.com/.well-known/jwks.json`. */
  jwksUrl: string;
  appId: string;
  /** Oldest `sent_at` accepted, seconds; default 300. */
  maxAgeSeconds?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

/**
 * For the customer's step-up delegation hook (docs/step-up.md): checks that a request comes from
 * Overture for this app — signed like the migration hook's — is recent and not a replay. Answer
 * 401 when it throws; otherwise decide `{status, grant_mode, granted_for?, steps?}`.
 */
export function createDelegationHookVerifier(options: DelegationHookVerifierOptions) {
  const now = options.now ?? Date.now;
  const jwks = new JwksCache({ url: options.jwksUrl, ...(options.fetch && { fetch: options.fetch }), now });
  const fresh = replayGuard(options.maxAgeSeconds ?? 300);

  return async function verifyDelegationHookRequest(request: {
    body: string | Uint8Array;
    headers: HookHeaders;
  }): Promise<DelegationHookRequest> {
    const body = await verifySignedBody(jwks, request);
    if (typeof body.scope_requested !== "string" || body.app_id !== options.appId)
      throw new HookRequestError("not a step-up delegation request for this app");
    fresh(body.request_id, body.sent_at, Math.floor(now() / 1000));
    return body as unknown as DelegationHookRequest;
  };
}
