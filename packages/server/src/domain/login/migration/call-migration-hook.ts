import { constants, sign } from "node:crypto";
import {
  type Identifier,
  type MigrationHookFailure,
  type MigrationHookRequest,
  MigrationHookResponse,
} from "@overture/protocol";
import Ajv from "ajv";
import type { KeyRing } from "../../../keys/key-ring.js";
import { checkOutboundUrl } from "../../../outbound/outbound-url.js";
import { postOutbound } from "../../../outbound/post-outbound.js";
import { VERSION } from "../../../version.js";
import type { AppRecord } from "../../apps/app-repository.js";
import { normalizeIdentifiers } from "../../identity/normalize-identifier.js";
import { checkProfile } from "../../identity/user-profile.js";
import { newId } from "../../shared/new-id.js";

export const HOOK_TIMEOUT_MS = 5_000;
export const HOOK_MAX_RESPONSE_BYTES = 64 * 1024;

export interface HookAnswer {
  externalId: string;
  identifiers: Identifier[];
  profile: Record<string, unknown>;
  scopes: string[];
}

export type HookResult =
  | { ok: true; answer: HookAnswer }
  /** The hook says the legacy session is not valid (401 or 403). */
  | { ok: false; rejected: true }
  | { ok: false; rejected: false; reason: MigrationHookFailure; statusCode: number | null; detail: string };

const validateAnswer = new Ajv.default({ allErrors: false, strict: false }).compile(MigrationHookResponse);

/**
 * Asks the app's session validation hook about a legacy token (the contract is in
 * docs/migration.md): a signed JSON POST, at most 5 s, at most 64 KiB back, no redirects, and in
 * `prod` only to https hosts that resolve to public addresses.
 */
export async function callMigrationHook(
  deps: { keys: KeyRing; clock: { now(): number } },
  app: AppRecord,
  hookUrl: string,
  input: { token: string; dispatchId?: string },
): Promise<HookResult> {
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
  const body = JSON.stringify(request);
  const key = await deps.keys.hookKey(app.id);
  // RSA signing costs about a millisecond: on the thread pool, not the event loop.
  const signature = await new Promise<string>((resolve, reject) =>
    sign(
      "sha256",
      Buffer.from(body),
      {
        key: key.privateKey,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      },
      (error, result) => (error ? reject(error) : resolve(result.toString("base64url"))),
    ),
  );

  const sent = await postOutbound(
    checked.url,
    body,
    {
      "content-type": "application/json",
      accept: "application/json",
      "user-agent": `Overture/${VERSION}`,
      "x-webhook-signature": `rsassa-pss-sha256=${signature}`,
      "x-webhook-signature-key-id": key.kid,
    },
    {
      timeoutMs: HOOK_TIMEOUT_MS,
      maxResponseBytes: HOOK_MAX_RESPONSE_BYTES,
      publicOnly: app.mode === "prod",
    },
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
  const valid = fields as MigrationHookResponse;
  if (valid.scopes?.some((scope) => scope.startsWith("prld:")))
    return failure("invalid_response", "scopes must not use the reserved prld: prefix", 200);
  const normalized = normalizeIdentifiers(valid.identifiers);
  if (!normalized.ok)
    return failure("invalid_response", `identifiers[${normalized.index}] is not valid`, 200);
  const profile = valid.profile ?? {};
  const profileCheck = checkProfile(profile);
  if (!profileCheck.ok) return failure("invalid_response", profileCheck.message, 200);
  return {
    ok: true,
    answer: {
      externalId: valid.external_id,
      identifiers: normalized.identifiers,
      profile,
      scopes: [...new Set(valid.scopes ?? [])],
    },
  };
}
