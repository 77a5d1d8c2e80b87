import type { AppRecord } from "../apps/app-repository.js";

/** What the endpoint answered to the handshake, as hooks/webhook-activation-client.ts reads it. */
export type ActivationReply =
  | { ok: true; status: number; body: unknown }
  | { ok: false; failure: "refused" | "failed" | "timeout" | "too_large"; detail: string };

/**
 * The activation handshake (prelude-api.md §8.2): `GET <url>?event=activate&verification_token=…
 * &challenge=…&app_id=…`, under the webhook delivery limits.
 */
export interface WebhookActivator {
  challenge(
    app: AppRecord,
    url: string,
    query: { verificationToken: string; challenge: number },
  ): Promise<ActivationReply>;
}
