import {
  ChallengeTokenResponse,
  PasswordCompliancy,
  PasswordLoginRequest,
  PasswordResetRequest,
} from "@overture/protocol";
import {
  loginWithPassword,
  resetOwnPassword,
  signUpWithPassword,
} from "../../domain/login/password/password-login.js";
import { passwordRules } from "../../domain/passwords/password-config.js";
import { fail } from "../api-error.js";
import { defineRoute, type RouteSpec } from "../route-spec.js";
import { requireBearer } from "./bearer-auth.js";
import { tokenIssuer } from "./client-request.js";

const tag = "Password";
const attemptErrors = ["bad_request", "forbidden", "rate_limited"] as const;

/** Login and sign-up take the same body and answer the same way; only the domain step differs. */
const attempt = (run: typeof loginWithPassword) =>
  (async ({ app, body, deps, request }) => {
    const result = await run(deps.domain, app, {
      email: body.identifier,
      password: body.password,
      ip: request.ip,
      issuer: tokenIssuer(request),
    });
    if (!result.ok) fail(result);
    return { status: 200, body: { challenge_token: result.challengeToken } };
  }) satisfies RouteSpec<typeof PasswordLoginRequest>["handler"];

export const login = defineRoute({
  operationId: "loginEmailPassword",
  summary: "Sign in with email and password",
  description:
    "Returns a challenge token to finalize. A wrong password, an unknown email and an account without " +
    "a password all answer `unauthorized`, in the same time.",
  tag,
  body: PasswordLoginRequest,
  responses: { 200: ChallengeTokenResponse },
  errors: [...attemptErrors, "unauthorized", "suspended_account"],
  login: "password",
  handler: attempt(loginWithPassword),
});

export const signUp = defineRoute({
  operationId: "signUpEmailPassword",
  summary: "Create an account with email and password",
  description: "Returns a challenge token to finalize. An email that already has an account is a 409.",
  tag,
  body: PasswordLoginRequest,
  responses: { 200: ChallengeTokenResponse },
  errors: [...attemptErrors, "invalid_password", "identifier_already_exists"],
  login: "sign_up",
  handler: attempt(signUpWithPassword),
});

export const compliancy = defineRoute({
  operationId: "getPasswordCompliancy",
  summary: "The password rules",
  description:
    "Minimum counts per character class; `max_length` 0 means no bound. The SDK validates locally with these.",
  tag,
  responses: { 200: PasswordCompliancy },
  errors: [],
  handler: async ({ app, deps }) => ({ status: 200, body: await passwordRules(deps.domain, app.id) }),
});

export const reset = defineRoute({
  operationId: "resetPassword",
  summary: "Set a new password for the signed-in user",
  description:
    "Needs `prld:pwd:write` on the session (from a login config or step-up); using it consumes it. " +
    "The user's other sessions end unless `revoke_sessions` is false.",
  tag,
  body: PasswordResetRequest,
  responses: { 204: null },
  errors: ["unauthorized", "insufficient_scope", "invalid_password"],
  handler: async ({ app, body, deps, request }) => {
    const claims = await requireBearer(deps, app, request);
    const result = await resetOwnPassword(deps.domain, app, {
      userId: claims.userId,
      sessionId: claims.sessionId,
      password: body.password,
      ...(body.revoke_sessions !== undefined && { revokeSessions: body.revoke_sessions }),
    });
    if (!result.ok) fail(result);
    return { status: 204 };
  },
});
