import type { AppRecord } from "../apps/app-repository.js";

/** What one POST of a batch came to. */
export interface SendResult {
  /** The HTTP status, or null when no answer came (refused, timeout, too large). */
  status: number | null;
  latencyMs: number;
  /** Why there was no answer, for the delivery log; never a secret. */
  error: string | null;
}

/** POSTs a signed batch to a webhook (hooks/webhook-sender-client.ts). */
export interface WebhookSender {
  send(app: AppRecord, url: string, body: string): Promise<SendResult>;
}
