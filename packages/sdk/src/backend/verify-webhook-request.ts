import type { EventPayloads, EventType } from "@overture/protocol";
import { JwksCache } from "./jwks-cache.js";
import { type HookHeaders, HookRequestError, verifySignedBody } from "./signed-hook-request.js";

/** One event of a batch (docs/webhooks.md): `id` is the same in every retry and redelivery. */
export type WebhookEvent = {
  [T in EventType]: { id: string; type: T; created_at: string; payload: EventPayloads[T] };
}[EventType];

export interface WebhookBatch {
  app_id: string;
  events: WebhookEvent[];
}

export interface WebhookVerifierOptions {
  /** The app's JWKS, e.g. `https://auth.example.com/.well-known/jwks.json`. */
  jwksUrl: string;
  appId: string;
  fetch?: typeof fetch;
  now?: () => number;
}

/**
 * For the customer's webhook endpoint: checks that a batch comes from Overture for this app —
 * RSASSA-PSS over the exact body bytes, by the key the app's JWKS publishes under
 * `X-Webhook-Signature-Key-Id` (cached, refetched on an unknown kid) — and parses it. Throws a
 * HookRequestError otherwise; answer 401 then. Batches can arrive more than once: deduplicate by
 * each event's `id` (docs/webhooks.md, "Receiving").
 */
export function createWebhookVerifier(options: WebhookVerifierOptions) {
  const jwks = new JwksCache({
    url: options.jwksUrl,
    ...(options.fetch && { fetch: options.fetch }),
    now: options.now ?? Date.now,
  });
  return async function verifyWebhookRequest(request: {
    body: string | Uint8Array;
    headers: HookHeaders;
  }): Promise<WebhookBatch> {
    const body = await verifySignedBody(jwks, request);
    if (body.app_id !== options.appId || !Array.isArray(body.events))
      throw new HookRequestError("not a webhook batch for this app");
    for (const e of body.events as unknown[]) {
      const event = e as Record<string, unknown> | null;
      if (
        typeof event?.id !== "string" ||
        typeof event.type !== "string" ||
        typeof event.created_at !== "string"
      )
        throw new HookRequestError("an event of the batch has no id, type or created_at");
    }
    return body as unknown as WebhookBatch;
  };
}

/**
 * The activation handshake's answer (docs/webhooks.md): for `GET <your url>?event=activate&
 * verification_token=…&challenge=…&app_id=…`, a 200 echoing the challenge when the token and the app
 * are yours, else a 401. Pass the request's full URL (or its query string).
 */
export function answerActivation(
  requestUrl: string,
  expected: { verificationToken: string; appId: string },
): { status: 200; body: { challenge: number } } | { status: 400 | 401; body: { error: string } } {
  const query = new URL(requestUrl, "http://activation.invalid").searchParams;
  const challenge = query.get("challenge");
  if (query.get("event") !== "activate" || !challenge || !/^\d{1,16}$/.test(challenge))
    return { status: 400, body: { error: "not an activation request" } };
  const token = query.get("verification_token") ?? "";
  if (!sameString(token, expected.verificationToken) || query.get("app_id") !== expected.appId)
    return { status: 401, body: { error: "wrong verification token or app" } };
  return { status: 200, body: { challenge: Number(challenge) } };
}

/** Compares in time that depends on the lengths only, not on where the strings differ. */
function sameString(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}
