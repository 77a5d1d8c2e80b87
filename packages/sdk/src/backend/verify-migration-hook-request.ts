import type { MigrationHookRequest } from "@overture/protocol";
import { base64UrlDecode } from "../base64url.js";
import { JwksCache } from "./jwks-cache.js";

export class HookRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HookRequestError";
  }
}

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
  const maxAge = options.maxAgeSeconds ?? 300;
  const jwks = new JwksCache({ url: options.jwksUrl, ...(options.fetch && { fetch: options.fetch }), now });
  const seen = new Map<string, number>();

  return async function verifyMigrationHookRequest(request: {
    body: string | Uint8Array;
    headers: Record<string, string | string[] | undefined> | Headers;
  }): Promise<MigrationHookRequest> {
    const header = (name: string) => {
      const value = request.headers instanceof Headers ? request.headers.get(name) : request.headers[name];
      return Array.isArray(value) ? value[0] : (value ?? undefined);
    };
    const signature = /^rsassa-pss-sha256=([A-Za-z0-9_-]+)$/.exec(header("x-webhook-signature") ?? "")?.[1];
    const kid = header("x-webhook-signature-key-id");
    if (!signature || !kid) throw new HookRequestError("missing signature headers");
    const bytes = typeof request.body === "string" ? new TextEncoder().encode(request.body) : request.body;
    if (!(await jwks.verify(kid, "PS256", bytes, base64UrlDecode(signature))))
      throw new HookRequestError("the signature does not verify");
    const body = JSON.parse(new TextDecoder().decode(bytes)) as MigrationHookRequest;
    if (body.type !== "session.validate" || body.app_id !== options.appId)
      throw new HookRequestError("not a session validation request for this app");
    const t = Math.floor(now() / 1000);
    if (typeof body.sent_at !== "number" || Math.abs(t - body.sent_at) > maxAge)
      throw new HookRequestError("the request is too old");
    for (const [id, until] of seen) if (until < t) seen.delete(id);
    if (seen.has(body.request_id)) throw new HookRequestError("a replayed request");
    seen.set(body.request_id, body.sent_at + maxAge);
    return body;
  };
}
