import { base64UrlDecode } from "../base64url.js";
import type { JwksCache } from "./jwks-cache.js";

export class HookRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HookRequestError";
  }
}

export type HookHeaders = Record<string, string | string[] | undefined> | Headers;

/**
 * The signature every call from Overture to an app's backend carries (docs/migration.md,
 * docs/step-up.md): RSASSA-PSS/SHA-256 over the exact body bytes, by the app's key named in
 * `X-Webhook-Signature-Key-Id` and published in its JWKS. Answers the parsed body.
 */
export async function verifySignedBody(
  jwks: JwksCache,
  request: { body: string | Uint8Array; headers: HookHeaders },
): Promise<Record<string, unknown>> {
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
  return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
}

/** Refuses requests older than `maxAge` seconds and ids already seen by this process. */
export function replayGuard(maxAge: number) {
  const seen = new Map<string, number>();
  return (id: unknown, sentAt: unknown, now: number) => {
    if (typeof sentAt !== "number" || Math.abs(now - sentAt) > maxAge)
      throw new HookRequestError("the request is too old");
    for (const [known, until] of seen) if (until < now) seen.delete(known);
    if (typeof id !== "string" || seen.has(id)) throw new HookRequestError("a replayed request");
    seen.set(id, sentAt + maxAge);
  };
}
