import { FinalizeLoginRequest, RefreshRequest, TokenResponse } from "@overture/protocol";
import type { FastifyReply } from "fastify";
import { refreshSession } from "../../domain/sessions/refresh-session.js";
import { finalizeLogin, type IssuedSession, revokeByRefreshToken } from "../../domain/sessions/sessions.js";
import { fail } from "../api-error.js";
import { defineRoute } from "../route-spec.js";
import {
  clearRefreshCookie,
  clientContext,
  presentedRefreshToken,
  requireDpop,
  sendRefreshToken,
} from "./client-request.js";

const tag = "Sessions";

/** A session's tokens to the client: refresh token in headers and cookie, access token in the body. */
export function handOver(reply: FastifyReply, appId: string, issued: IssuedSession, now: number) {
  sendRefreshToken(reply, appId, issued.refreshToken, issued.refreshExpiresAt, now);
  return { status: 200, body: { access_token: issued.accessToken, expires_at: issued.expiresAt } };
}

export const finalize = defineRoute({
  operationId: "finalizeLogin",
  summary: "Exchange a challenge token for a session",
  description:
    "Requires a DPoP proof (with a server nonce; a first call without one answers `use_dpop_nonce` and " +
    "the `DPoP-Nonce` to retry with). The session is bound to the proof's key. A challenge issued with a " +
    "`code_challenge` needs its `code_verifier` (S256). The refresh token comes back in " +
    "`X-Refresh-Token` and `X-Refresh-Token-Expires-At`, and as the `__Host-refresh_{appId}` cookie.",
  tag,
  body: FinalizeLoginRequest,
  responses: { 200: TokenResponse },
  dpop: true,
  login: "finalize",
  errors: [
    "bad_request",
    "missing_dpop_proof",
    "invalid_dpop_proof",
    "use_dpop_nonce",
    "invalid_challenge_token",
    "expired_challenge_token",
    "token_mismatch",
    "token_reused",
    "suspended_account",
  ],
  handler: async ({ app, body, deps, log, request, reply }) => {
    const proof = await requireDpop(deps, app, request, { deferReplayMark: true });
    const result = await finalizeLogin(
      { ...deps.domain, log },
      app,
      {
        challengeToken: body.challenge_token,
        ...(body.code_verifier !== undefined && { codeVerifier: body.code_verifier }),
        jkt: proof.jkt,
        replayMark: proof.replayMark,
      },
      clientContext(request),
    );
    if (!result.ok) fail(result);
    return handOver(reply, app.id, result, deps.domain.clock.now());
  },
});

export const refresh = defineRoute({
  operationId: "refreshSession",
  summary: "Rotate the refresh token and get a new access token",
  description:
    "Send the refresh token in `X-Refresh-Token` (or the cookie) with a DPoP proof by the session's key. " +
    "Each refresh token works once. Presenting a spent one revokes the session (`token_reused`), except " +
    "a retry of the immediately previous token, by the same key, within 60 s, which gets the same new " +
    "tokens again (docs/sessions.md). With `step_up_token`, a completed step-up challenge of this " +
    "session is spent and its scope granted as its grant mode says (docs/step-up.md).",
  tag,
  body: RefreshRequest,
  bodyOptional: true,
  responses: { 200: TokenResponse },
  dpop: true,
  refresh: true,
  errors: [
    "bad_request",
    "missing_dpop_proof",
    "invalid_dpop_proof",
    "use_dpop_nonce",
    "dpop_key_mismatch",
    "unauthorized",
    "token_reused",
    "invalid_challenge_token",
    "expired_challenge_token",
    "token_mismatch",
    "step_not_completed",
  ],
  handler: async ({ app, body, deps, log, request, reply }) => {
    const proof = await requireDpop(deps, app, request, { deferReplayMark: true });
    const result = await refreshSession(
      { ...deps.domain, log },
      app,
      {
        refreshToken: presentedRefreshToken(request, app.id),
        jkt: proof.jkt,
        replayMark: proof.replayMark,
        ...(body.step_up_token !== undefined && { stepUpToken: body.step_up_token }),
      },
      clientContext(request),
    );
    if (!result.ok) fail(result);
    if (result.retried) request.overtureOutcome = "grace_retry";
    return handOver(reply, app.id, result, deps.domain.clock.now());
  },
});

export const revoke = defineRoute({
  operationId: "revokeSession",
  summary: "Log out: end the session of this refresh token",
  description:
    "The refresh token comes in `X-Refresh-Token` or the cookie, with a DPoP proof by the session's key, " +
    "as for refresh. A spent token is reuse, as on refresh: the session is revoked and the answer is " +
    "`token_reused`, except a retry of the last rotation within 60 s, which logs out.",
  tag,
  body: RefreshRequest,
  bodyOptional: true,
  responses: { 204: null },
  dpop: true,
  errors: [
    "bad_request",
    "missing_dpop_proof",
    "invalid_dpop_proof",
    "use_dpop_nonce",
    "dpop_key_mismatch",
    "unauthorized",
    "token_reused",
  ],
  handler: async ({ app, deps, request, reply }) => {
    const proof = request.headers.dpop === undefined ? null : await requireDpop(deps, app, request);
    const result = await revokeByRefreshToken(deps.domain, app, {
      refreshToken: presentedRefreshToken(request, app.id),
      jkt: proof?.jkt ?? null,
    });
    if (!result.ok) fail(result);
    clearRefreshCookie(reply, app.id);
    return { status: 204 };
  },
});
