import {
  OtpCheckRequest,
  OtpLoginStartRequest,
  OtpStartRequest,
  StepUpContinueResponse,
  TokenResponse,
} from "@overture/protocol";
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from "fastify";
import { checkOtp, OTP_TTL_MS, retryOtp, startOtp } from "../../domain/login/otp/otp-login.js";
import type { OtpFlow } from "../../domain/login/otp/otp-repository.js";
import {
  checkEmailLinkOtp,
  isEmailLinkToken,
  startEmailLinkOtp,
} from "../../domain/oauth/oauth-email-link.js";
import { issueChallengeToken } from "../../domain/sessions/challenge-token.js";
import { startSession } from "../../domain/sessions/sessions.js";
import type { Failure } from "../../domain/shared/outcome.js";
import { checkStepOtp, startStepOtp } from "../../domain/step-up/otp-step.js";
import { ApiError, fail } from "../api-error.js";
import { hostCookie, readCookie } from "../cookies.js";
import { defineRoute } from "../route-spec.js";
import { clientContext, requireDpop, tokenIssuer } from "./client-request.js";
import { handOver } from "./session-tokens.js";
import { dpopOf, stepAnswer } from "./step-up.js";

const tag = "OTP";
const verificationCookie = (appId: string) => `__Host-verification-login_${appId}`;

/** The pending verification: `X-Verification-Token` (native) or the verification cookie (web). */
function verificationToken(request: FastifyRequest, appId: string): string | undefined {
  const header = request.headers["x-verification-token"];
  if (typeof header === "string" && header) return header.slice(0, 256);
  return readCookie(request.headers.cookie, verificationCookie(appId))?.slice(0, 256);
}

function handOverVerification(reply: FastifyReply, appId: string, token: string) {
  reply.header("x-verification-token", token);
  reply.header("set-cookie", hostCookie(verificationCookie(appId), token, OTP_TTL_MS / 1000));
}

function clearVerification(reply: FastifyReply, appId: string) {
  reply.header("set-cookie", hostCookie(verificationCookie(appId), "", 0));
}

/**
 * Fails a start or resend. A failed delivery's detail (the gateway's status, a socket error) is
 * logged with the request id for the operator and recorded for the app, but the anonymous caller
 * only learns that the code could not be sent.
 */
function failSend(log: FastifyBaseLogger, result: Failure & { detail?: string }): never {
  if (result.reason === "delivery_failed") log.warn({ detail: result.detail }, "OTP delivery failed");
  return fail({
    ok: false,
    reason: result.reason,
    ...(result.reason !== "delivery_failed" && result.message !== undefined && { message: result.message }),
    ...(result.retryAfterSeconds !== undefined && { retryAfterSeconds: result.retryAfterSeconds }),
  });
}

const startErrors = [
  "bad_request",
  "invalid_identifier",
  "forbidden",
  "rate_limited",
  "delivery_failed",
] as const;

export const startLoginOtp = defineRoute({
  operationId: "startLoginOtp",
  summary: "Send a sign-in code (web)",
  description:
    "Always 204, whether or not an account exists. The pending verification is carried by the " +
    "`__Host-verification-login_{appId}` cookie (and `X-Verification-Token`).",
  tag,
  body: OtpLoginStartRequest,
  responses: { 204: null },
  errors: [...startErrors],
  handler: async ({ app, body, deps, log, request, reply }) => {
    const result = await startOtp(deps.domain, app, {
      flow: "web",
      identifier: body.identifier,
      ...(body.login_config_id !== undefined && { loginConfigId: body.login_config_id }),
      ip: request.ip,
    });
    if (!result.ok) failSend(log, result);
    handOverVerification(reply, app.id, result.verificationToken);
    return { status: 204 };
  },
});

export const checkLoginOtp = defineRoute({
  operationId: "checkLoginOtp",
  summary: "Check the code and sign in (web)",
  description:
    "Session DPoP, like finalize: the right code starts a session bound to the proof key and answers " +
    "the tokens directly. A first successful check of a new identifier creates the user.",
  tag,
  body: OtpCheckRequest,
  responses: { 200: TokenResponse },
  dpop: true,
  login: "otp",
  errors: [
    "bad_request",
    "bad_check_code",
    "unauthorized",
    "suspended_account",
    "missing_dpop_proof",
    "invalid_dpop_proof",
    "use_dpop_nonce",
  ],
  handler: async ({ app, body, deps, log, request, reply }) => {
    const proof = await requireDpop(deps, app, request);
    const checked = await checkOtp(deps.domain, app, {
      flow: "web",
      verificationToken: verificationToken(request, app.id),
      code: body.code,
    });
    if (!checked.ok) fail(checked);
    const started = await startSession(
      { ...deps.domain, log },
      app,
      {
        userId: checked.user.id,
        method: "otp",
        scopes: checked.scopes,
        identifier: checked.identifier,
        jkt: proof.jkt,
      },
      clientContext(request),
    );
    if (!started.ok) fail(started);
    const answer = handOver(reply, app.id, started, deps.domain.clock.now());
    clearVerification(reply, app.id);
    return answer;
  },
});

const retryRoute = (operationId: string, summary: string, flows: readonly OtpFlow[]) =>
  defineRoute({
    operationId,
    summary,
    description:
      "Sends a new code for the pending verification: at most once per 30 s, five codes in all. The " +
      "new code has the checks the verification has left; one that used all five is dead (401).",
    tag,
    bodyOptional: true,
    responses: { 204: null },
    errors: ["unauthorized", "rate_limited", "delivery_failed"],
    handler: async ({ app, deps, log, request }) => {
      const result = await retryOtp(deps.domain, app, {
        flows,
        ip: request.ip,
        verificationToken: verificationToken(request, app.id),
      });
      if (!result.ok) failSend(log, result);
      return { status: 204 };
    },
  });

export const retryLoginOtp = retryRoute("retryLoginOtp", "Send the sign-in code again (web)", ["web"]);
export const retryOtpRoute = retryRoute("otpRetry", "Send the code again", ["native", "stepup"]);

export const start = defineRoute({
  operationId: "startOtp",
  summary: "Send a sign-in code",
  description:
    "With `identifier`: a sign-in code (204, `X-Verification-Token`). An optional `code_challenge` binds " +
    "the resulting challenge token to PKCE. With `challenge_token` instead: the code for the step-up " +
    "challenge's current `verify_email`/`verify_sms` step, sent to the user's identifier of that type " +
    "(docs/step-up.md).",
  tag,
  body: OtpStartRequest,
  responses: { 204: null },
  errors: [
    ...startErrors,
    "invalid_challenge_token",
    "expired_challenge_token",
    "token_reused",
    "step_not_found",
    "step_bypassed",
  ],
  handler: async ({ app, body, deps, log, request, reply }) => {
    if (body.challenge_token !== undefined) {
      if (body.identifier || body.code_challenge !== undefined || body.login_config_id !== undefined)
        throw new ApiError(
          "bad_request",
          "With challenge_token, send no identifier, code_challenge or login_config_id: the step names them.",
        );
      const start = isEmailLinkToken(body.challenge_token) ? startEmailLinkOtp : startStepOtp;
      const sent = await start({ ...deps.domain, log }, app, {
        challengeToken: body.challenge_token,
        ip: request.ip,
      });
      if (!sent.ok) failSend(log, sent);
      handOverVerification(reply, app.id, sent.verificationToken);
      return { status: 204 };
    }
    if (!body.identifier)
      throw new ApiError("bad_request", "Send identifier (or challenge_token for step-up).");
    const result = await startOtp(deps.domain, app, {
      flow: "native",
      identifier: body.identifier,
      ...(body.login_config_id !== undefined && { loginConfigId: body.login_config_id }),
      ...(body.code_challenge !== undefined && { codeChallenge: body.code_challenge }),
      ip: request.ip,
    });
    if (!result.ok) failSend(log, result);
    handOverVerification(reply, app.id, result.verificationToken);
    return { status: 204 };
  },
});

export const check = defineRoute({
  operationId: "otpCheck",
  summary: "Check a sign-in code",
  description:
    "The right code answers a `session-start` challenge token to finalize (with the PKCE verifier if one was bound). " +
    "With `challenge_token` (step-up): a challenge DPoP proof is required — by the session's key, its `jti` " +
    "the challenge token's, no nonce — and the answer is the challenge's next token, or its completed one " +
    "(with `public_key_credential_request_options` when the next step is `verify_passkey`).",
  tag,
  body: OtpCheckRequest,
  responses: { 200: StepUpContinueResponse },
  errors: [
    "bad_request",
    "bad_check_code",
    "unauthorized",
    "suspended_account",
    "invalid_challenge_token",
    "expired_challenge_token",
    "token_reused",
    "step_not_found",
    "step_bypassed",
    "identifier_already_exists",
    "missing_dpop_proof",
    "invalid_dpop_proof",
    "dpop_key_mismatch",
  ],
  handler: async ({ app, body, deps, log, request, reply }) => {
    if (body.challenge_token !== undefined && isEmailLinkToken(body.challenge_token)) {
      const linked = await checkEmailLinkOtp(
        { ...deps.domain, log },
        app,
        { challengeToken: body.challenge_token, code: body.code },
        tokenIssuer(request),
      );
      if (!linked.ok) fail(linked);
      clearVerification(reply, app.id);
      return { status: 200, body: { challenge_token: linked.challengeToken } };
    }
    if (body.challenge_token !== undefined) {
      const stepped = await checkStepOtp(
        { ...deps.domain, log },
        app,
        { challengeToken: body.challenge_token, code: body.code, proof: dpopOf(request) },
        tokenIssuer(request),
      );
      if (!stepped.ok) fail(stepped);
      clearVerification(reply, app.id);
      return { status: 200, body: stepAnswer(stepped) };
    }
    const checked = await checkOtp(deps.domain, app, {
      flow: "native",
      verificationToken: verificationToken(request, app.id),
      code: body.code,
    });
    if (!checked.ok) fail(checked);
    const challengeToken = await issueChallengeToken(
      deps.domain.keys,
      app,
      tokenIssuer(request),
      {
        userId: checked.user.id,
        method: "otp",
        scopes: checked.scopes,
        identifier: checked.identifier,
        ...(checked.codeChallenge !== null && { codeChallenge: checked.codeChallenge }),
      },
      deps.domain.clock.now(),
    );
    clearVerification(reply, app.id);
    return { status: 200, body: { challenge_token: challengeToken } };
  },
});
