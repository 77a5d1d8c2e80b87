import {
  type MigrationHookFailure,
  type MigrationHookRequest,
  MigrationHookResponse,
} from "@overture/protocol";
import type { AppRecord } from "../domain/apps/app-repository.js";
import type { HookReply, MigrationHook } from "../domain/login/migration/migration-hook.js";
import type { Clock } from "../domain/shared/clock.js";
import { newId } from "../domain/shared/new-id.js";
import type { KeyRing } from "../keys/key-ring.js";
import type { OutboundClient } from "../outbound/outbound-client.js";
import { checkOutboundUrl } from "../outbound/outbound-url.js";
import type { SchemaCompiler } from "../validation/schema-compiler.js";
import { VERSION } from "../version.js";
import { postSignedJson } from "./signed-hook-call.js";

/**
 * Calls an app's session validation hook about a legacy token (the contract is in
 * docs/migration.md): a signed JSON POST, at most 5 s, at most 64 KiB back, no redirects, and in
 * `prod` only to https hosts that resolve to public addresses. Answers the reply in the shape the
 * contract fixes; what the answer means is the migration's to judge (readHookAnswer).
 */
export function createMigrationHookClient(deps: {
  keys: KeyRing;
  clock: Clock;
  outbound: OutboundClient;
  schemas: SchemaCompiler;
}): MigrationHook {
  const validateAnswer = deps.schemas.exact(MigrationHookResponse);
  return {
    async validate(app: AppRecord, hookUrl: string, input): Promise<HookReply> {
      const failure = (reason: MigrationHookFailure, detail: string, statusCode: number | null = null) =>
        ({ ok: false, rejected: false, reason, statusCode, detail }) as const;

      // Checked again at call time: the app may have switched to prod since the URL was saved.
      const checked = checkOutboundUrl(hookUrl, app.mode, "session_validation_url");
      if (!checked.ok) return failure("request_failed", checked.message);

      const now = deps.clock.now();
      const request: MigrationHookRequest = {
        type: "session.validate",
        request_id: newId("mhr", now),
        app_id: app.id,
        token: input.token,
        ...(input.dispatchId !== undefined && { dispatch_id: input.dispatchId }),
        sent_at: Math.floor(now / 1000),
      };
      const sent = await postSignedJson(
        deps,
        app,
        checked.url,
        JSON.stringify(request),
        `Overture/${VERSION}`,
        "migration_hook",
      );
      if (!sent.ok) {
        return sent.failure === "too_large"
          ? failure("response_decode_failed", `response too large (${sent.detail})`)
          : failure("request_failed", `${sent.failure}: ${sent.detail}`);
      }
      if (sent.status === 401 || sent.status === 403) return { ok: false, rejected: true };
      if (sent.status !== 200) return failure("invalid_status_code", `status ${sent.status}`, sent.status);

      let answer: unknown;
      try {
        answer = JSON.parse(sent.body.toString("utf8"));
      } catch {
        return failure("response_decode_failed", "the body is not JSON", 200);
      }
      if (typeof answer !== "object" || answer === null || Array.isArray(answer))
        return failure("invalid_response", "the body is not a JSON object", 200);
      const fields = answer as Record<string, unknown>;
      if (fields.external_id === undefined || fields.external_id === null || fields.external_id === "")
        return failure("missing_external_id", "no external_id", 200);
      if (!Array.isArray(fields.identifiers) || fields.identifiers.length === 0)
        return failure("missing_identifiers", "no identifiers", 200);
      if (!validateAnswer(fields)) {
        const first = validateAnswer.errors?.[0];
        return failure(
          "invalid_response",
          `${first?.instancePath || "/"} ${first?.message ?? "is invalid"}`,
          200,
        );
      }
      return { ok: true, answer: fields as MigrationHookResponse };
    },
  };
}
