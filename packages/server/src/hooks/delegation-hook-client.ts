import type { DelegationHookRequest } from "@overture/protocol";
import type { AppRecord } from "../domain/apps/app-repository.js";
import type { Clock } from "../domain/shared/clock.js";
import { newId } from "../domain/shared/new-id.js";
import type { DelegationHook, DelegationReply } from "../domain/step-up/delegation-hook.js";
import type { KeyRing } from "../keys/key-ring.js";
import type { OutboundClient } from "../outbound/outbound-client.js";
import { checkOutboundUrl } from "../outbound/outbound-url.js";
import { postSignedJson } from "./signed-hook-call.js";

/**
 * Calls an app's step-up delegation hook (prelude-api.md §7.1, docs/step-up.md) exactly as the
 * migration hook is called: a JSON POST signed with the app's hook key, at most 5 s, at most 64 KiB
 * back, no redirects, and in `prod` only to https hosts that resolve to public addresses. Reports
 * the transport failures of §7.1; what the answer says is the domain's to judge.
 */
export function createDelegationHookClient(deps: {
  keys: KeyRing;
  clock: Clock;
  outbound: OutboundClient;
}): DelegationHook {
  return {
    async decide(app: AppRecord, hookUrl: string, input): Promise<DelegationReply> {
      const failure = (
        reason: "request_failed" | "invalid_status_code" | "response_decode_failed" | "invalid_response",
        detail: string,
        statusCode: number | null = null,
      ) => ({ ok: false, reason, statusCode, detail }) as const;
      const checked = checkOutboundUrl(hookUrl, app.mode, "delegation_hook");
      if (!checked.ok) return failure("request_failed", checked.message);

      const now = deps.clock.now();
      const request: DelegationHookRequest = {
        scope_requested: input.scope,
        user_id: input.userId,
        identifiers: input.identifiers,
        signals: input.signals,
        metadata: input.metadata,
        app_id: app.id,
        request_id: newId("shr", now),
        sent_at: Math.floor(now / 1000),
      };
      const sent = await postSignedJson(
        deps,
        app,
        checked.url,
        JSON.stringify(request),
        "Prelude-SessionStepUpHook/1.0",
        "delegation_hook",
      );
      if (!sent.ok)
        return sent.failure === "too_large"
          ? failure("response_decode_failed", `response too large (${sent.detail})`)
          : failure("request_failed", `${sent.failure}: ${sent.detail}`);
      if (sent.status < 200 || sent.status > 299)
        return failure("invalid_status_code", `status ${sent.status}`, sent.status);
      const type = String(sent.headers["content-type"] ?? "");
      if (!/^application\/([a-z.+-]*\+)?json\b/i.test(type))
        return failure("response_decode_failed", `content-type ${type || "missing"}`, sent.status);
      let answer: unknown;
      try {
        answer = JSON.parse(sent.body.toString("utf8"));
      } catch {
        return failure("response_decode_failed", "the body is not JSON", sent.status);
      }
      if (typeof answer !== "object" || answer === null || Array.isArray(answer))
        return failure("invalid_response", "the body is not a JSON object", sent.status);
      return { ok: true, answer: answer as Record<string, unknown> };
    },
  };
}
