import type { Clock } from "../domain/shared/clock.js";
import type { ActivationReply, WebhookActivator } from "../domain/webhooks/webhook-activator.js";
import type { OutboundClient } from "../outbound/outbound-client.js";
import { checkOutboundUrl } from "../outbound/outbound-url.js";
import { HOOK_MAX_RESPONSE_BYTES } from "./signed-hook-call.js";

/** Webhook calls, the handshake included, get 10 s (prelude-api.md §8.3). */
export const WEBHOOK_TIMEOUT_MS = 10_000;

/**
 * The activation handshake's GET (prelude-api.md §8.2), with the outbound rules of every call to a
 * customer endpoint: no redirects, 64 KiB back, and in `prod` public addresses only.
 */
export function createWebhookActivationClient(deps: {
  clock: Clock;
  outbound: OutboundClient;
}): WebhookActivator {
  return {
    async challenge(app, url, query): Promise<ActivationReply> {
      const checked = checkOutboundUrl(url, app.mode, "url");
      if (!checked.ok) return { ok: false, failure: "refused", detail: checked.message };
      const target = new URL(checked.url);
      target.searchParams.set("event", "activate");
      target.searchParams.set("verification_token", query.verificationToken);
      target.searchParams.set("challenge", String(query.challenge));
      target.searchParams.set("app_id", app.id);
      const got = await deps.outbound.get(
        target,
        { accept: "application/json", "user-agent": "Overture-Webhooks/1.0" },
        {
          peer: "webhook_activation",
          timeoutMs: WEBHOOK_TIMEOUT_MS,
          maxResponseBytes: HOOK_MAX_RESPONSE_BYTES,
          publicOnly: app.mode === "prod",
        },
      );
      if (!got.ok) return got;
      let body: unknown = null;
      try {
        body = JSON.parse(got.body.toString("utf8"));
      } catch {
        // Not JSON: no challenge echoed.
      }
      return { ok: true, status: got.status, body };
    },
  };
}
