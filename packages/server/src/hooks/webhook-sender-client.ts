import type { Clock } from "../domain/shared/clock.js";
import type { SendResult, WebhookSender } from "../domain/webhooks/webhook-sender.js";
import type { KeyRing } from "../keys/key-ring.js";
import type { OutboundClient } from "../outbound/outbound-client.js";
import { checkOutboundUrl } from "../outbound/outbound-url.js";
import { postSignedJson } from "./signed-hook-call.js";
import { WEBHOOK_TIMEOUT_MS } from "./webhook-activation-client.js";

/**
 * Sends webhook batches (docs/webhooks.md) as the hooks are called: signed with the app's hook key
 * (`X-Webhook-Signature: rsassa-pss-sha256=…`, `X-Webhook-Signature-Key-Id`), 10 s, no redirects,
 * and in `prod` only to public addresses. The answer's body is not read past 64 KiB.
 */
export function createWebhookSenderClient(deps: {
  keys: KeyRing;
  clock: Clock;
  outbound: OutboundClient;
}): WebhookSender {
  return {
    async send(app, url, body): Promise<SendResult> {
      const started = deps.clock.now();
      const checked = checkOutboundUrl(url, app.mode, "url");
      if (!checked.ok) return { status: null, latencyMs: 0, error: checked.message };
      const sent = await postSignedJson(
        deps,
        app,
        checked.url,
        body,
        "Overture-Webhooks/1.0",
        "webhook",
        WEBHOOK_TIMEOUT_MS,
      );
      const latencyMs = Math.max(0, deps.clock.now() - started);
      if (!sent.ok)
        return sent.failure === "too_large"
          ? { status: null, latencyMs, error: "the answer was over 64 KiB" }
          : { status: null, latencyMs, error: `${sent.failure}: ${sent.detail}` };
      return { status: sent.status, latencyMs, error: null };
    },
  };
}
