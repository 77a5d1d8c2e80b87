import { OAuthAuthorizeRequest, OAuthAuthorizeResponse, OAuthCallbackParams } from "@overture/protocol";
import type { FastifyRequest } from "fastify";
import Type from "typebox";
import { finishOAuthLogin } from "../../domain/oauth/finish-oauth-login.js";
import { OAUTH_STATE_TTL_MS, startOAuthLogin } from "../../domain/oauth/start-oauth-login.js";
import { fail } from "../api-error.js";
import { hostCookie, readCookie } from "../cookies.js";
import { defineRoute, type HandlerContext, type HandlerResult } from "../route-spec.js";
import { externalOrigin, tokenIssuer } from "./client-request.js";

const tag = "Social login";
const ProviderParams = Type.Object({
  provider: Type.String({ maxLength: 32, description: "google, apple, microsoft, github or okta." }),
});

/**
 * Binds an attempt to the browser that started it: set by authorize (a credentialed CORS call),
 * checked by the callback. SameSite=None, because Apple returns with a cross-site form POST, which
 * carries no Lax cookie. One per browser and app, reused, so parallel attempts in two tabs work.
 */
const bindingCookie = (appId: string) => `__Host-oauth-binding_${appId}`;
const browserSecretOf = (request: FastifyRequest, appId: string) =>
  readCookie(request.headers.cookie, bindingCookie(appId))?.slice(0, 64);

export const authorize = defineRoute({
  operationId: "oauthAuthorize",
  summary: "Start a social login",
  description:
    "Answers the provider's authorization URL to send the browser to. The attempt is bound to this " +
    "browser (the `__Host-oauth-binding_{appId}` cookie, so call with credentials) and to " +
    "`code_challenge`: the challenge token the callback hands over is finalized with its verifier.",
  tag,
  params: ProviderParams,
  body: OAuthAuthorizeRequest,
  responses: { 200: OAuthAuthorizeResponse },
  errors: [
    "oauth_provider_not_configured",
    "oauth_provider_disabled",
    "invalid_redirect_uri",
    "rate_limited",
    "oauth_provider_unavailable",
  ],
  handler: async ({ app, body, deps, params, request, reply }) => {
    const started = await startOAuthLogin(deps.domain, app, {
      provider: params.provider,
      redirectUri: body.redirect_uri,
      codeChallenge: body.code_challenge,
      browserSecret: browserSecretOf(request, app.id),
      origin: externalOrigin(request),
      ip: request.ip,
    });
    if (!started.ok) fail(started);
    reply.header(
      "set-cookie",
      hostCookie(bindingCookie(app.id), started.browserSecret, OAUTH_STATE_TTL_MS / 1000, "None"),
    );
    return { status: 200, body: { authorization_url: started.authorizationUrl } };
  },
});

type CallbackContext = HandlerContext<unknown, unknown, typeof ProviderParams>;

async function callback(
  { app, deps, log, params, request }: CallbackContext,
  answer: OAuthCallbackParams,
): Promise<HandlerResult> {
  const finished = await finishOAuthLogin({ ...deps.domain, log }, app, {
    provider: params.provider,
    params: answer,
    browserSecret: browserSecretOf(request, app.id),
    origin: externalOrigin(request),
    issuer: tokenIssuer(request),
  });
  if (!finished.ok) fail(finished);
  // The sign-in's outcome goes back in the redirect, not in the status: the metrics take it here.
  request.overtureOutcome = finished.params.error ?? finished.params.status ?? "ok";
  const location = new URL(finished.redirectUri);
  for (const [name, value] of Object.entries(finished.params)) location.searchParams.set(name, value);
  return {
    status: 302,
    headers: {
      location: location.href,
      "cache-control": "no-store",
      // The redirect carries a challenge token: it must not leak to the next page's requests.
      "referrer-policy": "no-referrer",
    },
  };
}

const callbackDoc = {
  tag,
  login: "oauth",
  params: ProviderParams,
  responses: { 302: null },
  errors: ["invalid_oauth_state"] as "invalid_oauth_state"[],
};
const callbackDescription =
  "Where the provider returns the browser. Answers 302 to the attempt's redirect_uri with " +
  "`challenge_token`, `challenge_token` and `status=otp_required`, or `error` and " +
  "`error_description` (docs/social-login.md). An unknown, used, expired or foreign-browser state " +
  "answers 400 `invalid_oauth_state` instead: nothing says where to send the browser.";

export const callbackGet = defineRoute({
  ...callbackDoc,
  operationId: "oauthCallback",
  summary: "Provider callback",
  description: callbackDescription,
  query: OAuthCallbackParams,
  handler: (ctx) => callback(ctx, ctx.query),
});

export const callbackPost = defineRoute({
  ...callbackDoc,
  operationId: "oauthCallbackFormPost",
  summary: "Provider callback (form_post)",
  description: `${callbackDescription} For providers answering with \`response_mode=form_post\` (Apple): the same parameters, form-encoded.`,
  body: OAuthCallbackParams,
  formBody: true,
  handler: (ctx) => callback(ctx, ctx.body),
});
