import {
  ChallengeTokenResponse,
  StepUpContinueRequest,
  StepUpRequest,
  StepUpResponse,
} from "@overture/protocol";
import type { FastifyRequest } from "fastify";
import { continueStepUp } from "../../domain/step-up/continue-step-up.js";
import { requestStepUp } from "../../domain/step-up/request-step-up.js";
import { fail } from "../api-error.js";
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
    "its first step; `block` no token (docs/step-up.md).",
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
      },
    };
  },
});

export const continueRoute = defineRoute({
  operationId: "stepUpContinue",
  summary: "Complete a custom step",
  description:
    "Bearer access token and a challenge DPoP proof (its `jti` is the challenge token's, no nonce). " +
    "`verification_token` is an RS256 JWT from your backend, verified with the config's `jwks_url`: " +
    "`sub`, `challenge_id`, `key` (the current step), `status: completed`, `exp`, a `jti` used once. " +
    "Answers the next challenge token, or the completed one (docs/step-up.md).",
  tag,
  body: StepUpContinueRequest,
  responses: { 200: ChallengeTokenResponse },
  errors: [
    "unauthorized",
    "bad_request",
    "invalid_challenge_token",
    "expired_challenge_token",
    "invalid_verification_token",
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
    const result = await continueStepUp(
      { ...deps.domain, log },
      app,
      {
        challengeToken: body.challenge_token,
        verificationToken: body.verification_token,
        caller,
        proof: dpopOf(request),
      },
      tokenIssuer(request),
    );
    if (!result.ok) fail(result);
    return { status: 200, body: { challenge_token: result.challengeToken } };
  },
});

/** The request's DPoP proof as the challenge flavour checks it. */
export function dpopOf(request: FastifyRequest) {
  const header = request.headers.dpop;
  return {
    proof: typeof header === "string" ? header : undefined,
    method: request.method,
    url: externalUrl(request),
  };
}
