import type { MigrationHookRequest } from "@overture/protocol";
import { JwksCache } from "./jwks-cache.js";
import { type HookHeaders, HookRequestError, replayGuard, verifySignedBody } from "./signed-hook-request.js";

export { HookRequestError };

export interface MigrationHookVerifierOptions {
  /** The app's JWKS, e.g. `https://auth.example.com/.well-known/jwks.json`. */
  jwksUrl: string;
  appId: string;
  /** Oldest `sent_at` accepted, seconds; default 300. */
  maxAgeSeconds?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

/**
 * For the customer's migration hook: checks that a request really comes from Overture for this app
 * (RSASSA-PSS signature over the exact body bytes, by the app's published PS256 key), is recent,
 * and is not a replay of one already seen by this process. Answer 401 when it throws.
 */
export function createMigrationHookVerifier(options: MigrationHookVerifierOptions) {
  const now = options.now ?? Date.now;
  const jwks = new JwksCache({ url: options.jwksUrl, ...(options.fetch && { fetch: options.fetch }), now });
  const fresh = replayGuard(options.maxAgeSeconds ?? 300);

  return async function verifyMigrationHookRequest(request: {
    body: string | Uint8Array;
    headers: HookHeaders;
  }): Promise<MigrationHookRequest> {
    const body = await verifySignedBody(jwks, request);
    if (body.type !== "session.validate" || body.app_id !== options.appId)
      throw new HookRequestError("not a session validation request for this app");
    fresh(body.request_id, body.sent_at, Math.floor(now() / 1000));
    return body as unknown as MigrationHookRequest;
  };
}
