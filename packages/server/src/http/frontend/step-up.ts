import {
  StepUpContinueRequest,
  StepUpContinueResponse,
  StepUpRequest,
  StepUpResponse,
} from "@overture/protocol";
import type { FastifyRequest } from "fastify";
import type { CompletedStep } from "../../domain/step-up/complete-step.js";
import { continueStepUp } from "../../domain/step-up/continue-step-up.js";
import { requestStepUp } from "../../domain/step-up/request-step-up.js";
import { ApiError, fail } from "../api-error.js";
import { defineRoute } from "../route-spec.js";
import { requireBearer } from "./bearer-auth.js";
import { clientContext, externalUrl, requireDpop, tokenIssuer } from "./client-request.js";

const tag = "Step-up";

export const request = defineRoute({
  operationId: "requestStepUp",
  summary: "Ask for a scope mid-session",
  description:
    "Bearer access token; a session DPoP proof is checked when sent (the web SDK sends none here — the " +
    "proof by the session's key comes on `/otp/check`, `/stepup/continue` and `/refresh`). `continue` " +
    "answers a token already completed, to spend on `/refresh` as `step_up_token`; `review` a token at " +
    "its first step; `block` no token (docs/step-up.md). When the token's step is `verify_passkey`, " +
    "`public_key_credential_request_options` are the options for `navigator.credentials.get`.",
  tag,
  body: StepUpRequest,
  responses: { 200: StepUpResponse },
  dpop: true,
  errors: [
    "unauthorized",
    "bad_request",
    "not_configured",
    "scope_not_allowed",
    "invalid_metadata",
    "identifier_already_exists",
    "rate_limited",
    "step_up_hook_failed",
    "invalid_dpop_proof",
    "use_dpop_nonce",
    "dpop_key_mismatch",
  ],
  handler: async ({ app, body, deps, log, request }) => {
    const caller = await requireBearer(deps, app, request);
    if (request.headers.dpop !== undefined) {
      const proof = await requireDpop(deps, app, request);
      if (proof.jkt !== caller.jkt) fail({ ok: false, reason: "dpop_key_mismatch" });
    }
    const result = await requestStepUp(
      { ...deps.domain, log },
      app,
      { userId: caller.userId, sessionId: caller.sessionId, scope: body.scope, metadata: body.metadata },
      clientContext(request),
    );
    if (!result.ok) fail(result);
    return {
      status: 200,
      body: {
        status: result.status,
        ...(result.challengeToken && { challenge_token: result.challengeToken }),
        ...(result.passkeyOptions && { public_key_credential_request_options: result.passkeyOptions }),
      },
    };
  },
});

export const continueRoute = defineRoute({
  operationId: "stepUpContinue",
  summary: "Complete a custom or passkey step",
  description:
    "Bearer access token and a challenge DPoP proof (its `jti` is the challenge token's, no nonce). " +
    "Exactly one of: `verification_token`, an RS256 JWT from your backend for a custom step, verified " +
    "with the config's `jwks_url` (`sub`, `challenge_id`, `key` — the current step —, `status: completed`, " +
    "`exp`, a `jti` used once); or `passkey_assertion` for a `verify_passkey` step, the answer of " +
    "`navigator.credentials.get` to the options this token came with. Answers the next challenge token, " +
    "or the completed one, with the next options when the next step is `verify_passkey` " +
    "(docs/step-up.md, docs/passkeys.md).",
  tag,
  body: StepUpContinueRequest,
  responses: { 200: StepUpContinueResponse },
  errors: [
    "unauthorized",
    "bad_request",
    "invalid_challenge_token",
    "expired_challenge_token",
    "invalid_verification_token",
    "invalid_passkey",
    "passkey_clone_detected",
    "not_configured",
    "rate_limited",
    "token_mismatch",
    "token_reused",
    "step_not_completed",
    "step_not_found",
    "step_bypassed",
    "missing_dpop_proof",
    "invalid_dpop_proof",
    "dpop_key_mismatch",
  ],
  handler: async ({ app, body, deps, log, request }) => {
    const caller = await requireBearer(deps, app, request);
    const common = { challengeToken: body.challenge_token, caller, proof: dpopOf(request) };
    const proof =
      body.verification_token !== undefined && body.passkey_assertion === undefined
        ? { ...common, verificationToken: body.verification_token }
        : body.passkey_assertion !== undefined && body.verification_token === undefined
          ? { ...common, passkeyAssertion: body.passkey_assertion }
          : null;
    if (!proof)
      throw new ApiError("bad_request", "Send exactly one of verification_token and passkey_assertion.");
    const result = await continueStepUp({ ...deps.domain, log }, app, proof, tokenIssuer(request));
    if (!result.ok) fail(result);
    return { status: 200, body: stepAnswer(result) };
  },
});

/** A completed step as the API answers it: the next token, and the options of a passkey step. */
export function stepAnswer(step: CompletedStep) {
  return {
    challenge_token: step.challengeToken,
    ...(step.passkeyOptions && { public_key_credential_request_options: step.passkeyOptions }),
  };
}

/** The request's DPoP proof as the challenge flavour checks it. */
export function dpopOf(request: FastifyRequest) {
  const header = request.headers.dpop;
  return {
    proof: typeof header === "string" ? header : undefined,
    method: request.method,
    url: externalUrl(request),
  };
}
