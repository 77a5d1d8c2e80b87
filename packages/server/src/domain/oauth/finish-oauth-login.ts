import { timingSafeEqual } from "node:crypto";
import type { OAuthCallbackError, OAuthCallbackParams } from "@overture/protocol";
import type { AppRecord } from "../apps/app-repository.js";
import { issueChallengeToken } from "../sessions/challenge-token.js";
import type { DomainDeps } from "../shared/domain-deps.js";
import type { Failure } from "../shared/outcome.js";
import { sha256 } from "../shared/sha256.js";
import { attemptSecrets } from "./attempt-secrets.js";
import { isOAuthProvider } from "./oauth-config.js";
import { issueEmailLinkToken } from "./oauth-email-link.js";
import { enabledProvider, providerClient, reportProviderFailure } from "./provider-client.js";
import { resolveOAuthAccount } from "./resolve-oauth-account.js";

/** Where the callback sends the browser: the client's redirect_uri with these query parameters. */
export interface CallbackRedirect {
  ok: true;
  redirectUri: string;
  params: Record<string, string>;
}

const sendBack = (redirectUri: string, params: Record<string, string>): CallbackRedirect => ({
  ok: true,
  redirectUri,
  params,
});

const callbackError = (redirectUri: string, error: OAuthCallbackError, description: string) =>
  sendBack(redirectUri, { error, error_description: description });

/**
 * The provider's return (`GET`/`POST …/callback`). A state that is unknown, used, expired, of
 * another provider or of another browser is answered here, without a redirect: nothing says where
 * to send the browser. Every later outcome goes back to the attempt's redirect_uri: a
 * `challenge_token` bound to the client's PKCE challenge, the `otp_required` token, or an `error`.
 */
export async function finishOAuthLogin(
  deps: DomainDeps,
  app: AppRecord,
  input: {
    provider: string;
    params: OAuthCallbackParams;
    browserSecret: string | undefined;
    /** The Frontend origin the browser called, as at authorize. */
    origin: string;
    /** The challenge tokens' `iss`, as every login method's. */
    issuer: string;
  },
): Promise<CallbackRedirect | Failure<"oauth_state_invalid" | "oauth_provider_unknown">> {
  if (!isOAuthProvider(input.provider)) return { ok: false, reason: "oauth_provider_unknown" };
  const provider = input.provider;
  const invalid = (message: string) => ({ ok: false, reason: "oauth_state_invalid", message }) as const;
  const { state } = input.params;
  if (!state) return invalid("The provider sent no state; start the sign-in again.");
  // In a transaction, so that on SQLite the delete commits with others of its turn (group-commit.ts).
  const attempt = await deps.store.transaction((tx) => tx.oauthStates.take(app.id, sha256(state)));
  if (!attempt || attempt.provider !== provider)
    return invalid("This sign-in attempt is unknown or was already used; start the sign-in again.");
  const now = deps.clock.now();
  if (attempt.expiresAt <= now) return invalid("This sign-in attempt has expired; start the sign-in again.");
  if (!input.browserSecret || !sameHash(sha256(input.browserSecret), attempt.browserHash))
    return invalid("This sign-in was started in another browser; start the sign-in again.");

  const back = attempt.redirectUri;
  if (input.params.error !== undefined) {
    return input.params.error === "access_denied"
      ? callbackError(back, "access_denied", "The sign-in was cancelled at the provider.")
      : callbackError(
          back,
          "oauth_provider_error",
          // Only a code-shaped value is repeated to the app's page; anything else is not echoed.
          /^[\w.-]{1,64}$/.test(input.params.error)
            ? `The provider answered ${input.params.error}.`
            : "The provider answered an error.",
        );
  }
  if (!input.params.code) return callbackError(back, "oauth_provider_error", "The provider sent no code.");
  const enabled = await enabledProvider(deps, app, provider);
  if (!enabled.ok)
    return callbackError(
      back,
      enabled.reason === "provider_disabled" ? "oauth_provider_disabled" : "oauth_provider_not_configured",
      enabled.message ?? "",
    );
  const { config } = enabled;
  const { codeVerifier, nonce } = attemptSecrets(deps, state);
  const redeemed = await deps.identityProviders.redeem(
    providerClient(deps, app, provider, config, input.origin),
    {
      code: input.params.code,
      codeVerifier,
      nonce,
      ...(input.params.user !== undefined && { appleUser: input.params.user }),
    },
  );
  if (!redeemed.ok) {
    reportProviderFailure(deps, app, provider, redeemed);
    return redeemed.failure === "invalid_identity"
      ? callbackError(back, "invalid_id_token", "The provider's answer did not pass validation.")
      : callbackError(back, "oauth_provider_error", "The provider could not complete the sign-in.");
  }
  const resolved = await resolveOAuthAccount(deps, app, provider, config, redeemed.identity);
  if (resolved.ok === "verify_email") {
    const token = await issueEmailLinkToken(deps, app, input.issuer, {
      provider,
      identity: redeemed.identity,
      email: resolved.email,
      codeChallenge: attempt.codeChallenge,
    });
    return sendBack(back, { challenge_token: token, status: "otp_required" });
  }
  if (!resolved.ok)
    return resolved.reason === "email_in_use"
      ? callbackError(back, "email_already_in_use", resolved.message ?? "")
      : resolved.reason === "account_disabled"
        ? callbackError(back, "suspended_account", "This account is disabled.")
        : callbackError(back, "invalid_id_token", resolved.message ?? "");
  const challengeToken = await issueChallengeToken(
    deps.keys,
    app,
    input.issuer,
    {
      userId: resolved.user.id,
      method: "oauth",
      identifier: resolved.identifier,
      scopes: config.granted_scopes,
      codeChallenge: attempt.codeChallenge,
    },
    deps.clock.now(),
  );
  return sendBack(back, { challenge_token: challengeToken });
}

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === y.length && timingSafeEqual(x, y);
}
