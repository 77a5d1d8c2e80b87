import * as jwks from "./frontend/jwks.js";
import * as me from "./frontend/me.js";
import * as migration from "./frontend/migration.js";
import * as oauth from "./frontend/oauth.js";
import * as otp from "./frontend/otp.js";
import * as passkeys from "./frontend/passkeys.js";
import * as password from "./frontend/password.js";
import * as tokens from "./frontend/session-tokens.js";
import * as stepUp from "./frontend/step-up.js";
import type { RouteTable } from "./route-spec.js";

/** The Frontend API: the app comes from the Host header; browsers call it cross-origin (CORS). */
export const frontendRoutes: RouteTable = [
  ["GET", "/.well-known/jwks.json", jwks.getJwks],

  ["POST", "/v1/session/login/otp", otp.startLoginOtp],
  ["POST", "/v1/session/login/otp/check", otp.checkLoginOtp],
  ["POST", "/v1/session/login/otp/retry", otp.retryLoginOtp],
  ["POST", "/v1/session/otp", otp.start],
  ["POST", "/v1/session/otp/check", otp.check],
  ["POST", "/v1/session/otp/retry", otp.retryOtpRoute],

  ["POST", "/v1/session/login/email/password", password.login],
  ["POST", "/v1/session/login/email/sign-up", password.signUp],
  ["GET", "/v1/session/password/compliancy", password.compliancy],
  ["POST", "/v1/session/me/password/reset", password.reset],

  ["POST", "/v1/session/login/oauth/:provider/authorize", oauth.authorize],
  ["GET", "/v1/session/login/oauth/:provider/callback", oauth.callbackGet],
  ["POST", "/v1/session/login/oauth/:provider/callback", oauth.callbackPost],

  ["POST", "/v1/session/login/passkey/begin", passkeys.loginBegin],
  ["POST", "/v1/session/login/passkey/finish", passkeys.loginFinish],

  ["POST", "/v1/session/migration", migration.migrate],

  ["POST", "/v1/session/login/finalize", tokens.finalize],
  ["POST", "/v1/session/refresh", tokens.refresh],
  ["POST", "/v1/session/revoke", tokens.revoke],

  ["POST", "/v1/session/stepup/request", stepUp.request],
  ["POST", "/v1/session/stepup/continue", stepUp.continueRoute],

  ["GET", "/v1/session/me/list", me.listMySessions],
  ["POST", "/v1/session/me/revoke", me.revokeMySessions],
  ["GET", "/v1/session/me/identifiers", me.listMyIdentifiers],

  ["POST", "/v1/session/me/passkeys/register/begin", passkeys.registerBegin],
  ["POST", "/v1/session/me/passkeys/register/finish", passkeys.registerFinish],
  ["GET", "/v1/session/me/passkeys", passkeys.list],
  ["PATCH", "/v1/session/me/passkeys/:id", passkeys.rename],
  ["DELETE", "/v1/session/me/passkeys/:id", passkeys.remove],
] as const;
