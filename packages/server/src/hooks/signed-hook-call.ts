import type { AppRecord } from "../domain/apps/app-repository.js";
import type { KeyRing } from "../keys/key-ring.js";
import type { OutboundClient, OutboundPeer, OutboundResult } from "../outbound/outbound-client.js";
import { signedRequestHeaders } from "../outbound/request-signer.js";

/** Both hooks (migration, step-up delegation): 5 s for the whole exchange, 64 KiB back. */
export const HOOK_TIMEOUT_MS = 5_000;
export const HOOK_MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * One call to a hook (or webhook) of the app's backend: a JSON POST signed with the app's hook key, with the
 * hooks' limits, no redirects, and in `prod` only to hosts that resolve to public addresses.
 */
export async function postSignedJson(
  deps: { keys: KeyRing; outbound: OutboundClient },
  app: AppRecord,
  url: URL,
  body: string,
  userAgent: string,
  peer: OutboundPeer,
  timeoutMs = HOOK_TIMEOUT_MS,
): Promise<OutboundResult> {
  return deps.outbound.post(
    url,
    body,
    {
      "content-type": "application/json",
      accept: "application/json",
      "user-agent": userAgent,
      ...(await signedRequestHeaders(deps.keys, app.id, body)),
    },
    {
      peer,
      timeoutMs,
      maxResponseBytes: HOOK_MAX_RESPONSE_BYTES,
      publicOnly: app.mode === "prod",
    },
  );
}
