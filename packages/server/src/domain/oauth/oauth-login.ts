import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { OAuthCallbackError, OAuthCallbackParams, OAuthProvider } from "@overture/protocol";
import { isAllowedRedirect } from "../apps/allowed-origin.js";
import type { AppRecord } from "../apps/app-repository.js";
import { issueChallengeToken } from "../sessions/challenge-token.js";
import type { DomainDeps } from "../shared/domain-deps.js";
import type { Failure } from "../shared/outcome.js";
import { consumeRateLimit, type RateLimitResult } from "../shared/rate-limit.js";
import { sha256 } from "../shared/sha256.js";
import type { ProviderFailure } from "./identity-provider.js";
import { isOAuthProvider } from "./oauth-config.js";
import { issueEmailLinkToken } from "./oauth-email-link.js";
import { enabledProvider, providerClient } from "./provider-client.js";
import { resolveOAuthAccount } from "./resolve-oauth-account.js";

/** A sign-in at the provider must come back within this long. */
export const OAUTH_STATE_TTL_MS = 10 * 60_000;
/** Authorizations per IP and app per minute: each one writes a state. */
export const AUTHORIZE_PER_IP = { limit: 300, ttl: 60_000_000_000 };
const BROWSER_SECRET = /^[A-Za-z0-9_-]{43}$/;

/**
 * The PKCE verifier and the nonce Overture sends the provider are derived from the state with a
 * server key, so the state row holds neither, and neither can be guessed from the state.
 */
function derived(deps: Pick<DomainDeps, "secrets">, purpose: "pkce" | "nonce", state: string): string {
  return createHmac("sha256", deps.secrets.oauthState).update(`${purpose}\0${state}`).digest("base64url");
}

const s256 = (verifier: string) => createHash("sha256").update(verifier).digest("base64url");

export interface AuthorizeInput {
  provider: string;
  redirectUri: string;
  codeChallenge: string;
  /** The browser-binding cookie, when the browser already has one. */
  browserSecret: string | undefined;
  /** The Frontend origin the browser called: the callback is registered on it (and its cookie lives there). */
  origin: string;
  ip: string;
}

/**
 * `POST /login/oauth/{provider}/authorize`: checks the provider and the redirect_uri, writes a
 * single-use state bound to this browser (the cookie's hash) and to the client's PKCE challenge,
 * and answers the provider's authorization URL (docs/social-login.md).
 */
export async function startOAuthLogin(
  deps: DomainDeps,
  app: AppRecord,
  input: AuthorizeInput,
): Promise<
  | { ok: true; authorizationUrl: string; browserSecret: string }
  | Failure<
      | "oauth_provider_unknown"
      | "provider_not_configured"
      | "provider_disabled"
      | "redirect_not_allowed"
      | "provider_unavailable"
      | "rate_limited"
    >
> {
  if (!isOAuthProvider(input.provider)) return { ok: false, reason: "oauth_provider_unknown" };
  const provider = input.provider;
  const enabled = await enabledProvider(deps, app, provider);
  if (!enabled.ok) return enabled;
  if (!isAllowedRedirect(app, input.redirectUri, await deps.directory.sitesOf(app)))
    return {
      ok: false,
      reason: "redirect_not_allowed",
      message:
        "redirect_uri must be an https URL on the site of one of the app's verified domains (in dev mode also on localhost), without a fragment.",
    };
  const state = randomBytes(32).toString("base64url");
  const browserSecret =
    input.browserSecret && BROWSER_SECRET.test(input.browserSecret)
      ? input.browserSecret
      : randomBytes(32).toString("base64url");
  // No secrets to open: the authorization URL carries only the client id.
  const client = providerClient(deps, app, provider, enabled.config, input.origin, { secrets: false });
  const url = await deps.identityProviders.authorizationUrl(client, {
    state,
    nonce: derived(deps, "nonce", state),
    codeChallenge: s256(derived(deps, "pkce", state)),
  });
  if (!url.ok) return providerFailure(deps, app, provider, url);
  const now = deps.clock.now();
  // The IP's count and the state in one transaction: one commit (a group commit on SQLite).
  const written = await deps.store.transaction<RateLimitResult>(async (tx, rollback) => {
    const limited = await consumeRateLimit(
      tx,
      { operation: "oauth", appId: app.id, dimension: "ip", value: input.ip },
      AUTHORIZE_PER_IP,
      now,
    );
    if (!limited.ok) return rollback(limited);
    await tx.oauthStates.create({
      stateHash: sha256(state),
      appId: app.id,
      provider,
      browserHash: sha256(browserSecret),
      redirectUri: input.redirectUri,
      codeChallenge: input.codeChallenge,
      expiresAt: now + OAUTH_STATE_TTL_MS,
      createdAt: now,
    });
    return limited;
  });
  if (!written.ok) return written;
  return { ok: true, authorizationUrl: url.url, browserSecret };
}

function providerFailure(
  deps: DomainDeps,
  app: AppRecord,
  provider: OAuthProvider,
  failure: ProviderFailure,
): Failure<"provider_not_configured" | "provider_unavailable"> {
  deps.log?.warn(
    { app_id: app.id, provider, failure: failure.failure, detail: failure.detail },
    "OAuth provider call failed",
  );
  return failure.failure === "not_allowed"
    ? {
        ok: false,
        reason: "provider_not_configured",
        message: `Sign-in with ${provider} is not available to this app; the server log says why.`,
      }
    : { ok: false, reason: "provider_unavailable" };
}

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
  const redeemed = await deps.identityProviders.redeem(
    providerClient(deps, app, provider, config, input.origin),
    {
      code: input.params.code,
      codeVerifier: derived(deps, "pkce", state),
      nonce: derived(deps, "nonce", state),
      ...(input.params.user !== undefined && { appleUser: input.params.user }),
    },
  );
  if (!redeemed.ok) {
    providerFailure(deps, app, provider, redeemed);
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
