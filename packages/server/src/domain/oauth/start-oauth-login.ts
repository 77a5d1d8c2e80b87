import { randomBytes } from "node:crypto";
import { isAllowedRedirect } from "../apps/allowed-origin.js";
import type { AppRecord } from "../apps/app-repository.js";
import type { DomainDeps } from "../shared/domain-deps.js";
import type { Failure } from "../shared/outcome.js";
import { consumeRateLimit, type RateLimitResult } from "../shared/rate-limit.js";
import { sha256 } from "../shared/sha256.js";
import { attemptSecrets } from "./attempt-secrets.js";
import { isOAuthProvider } from "./oauth-config.js";
import { enabledProvider, providerClient, reportProviderFailure } from "./provider-client.js";

/** A sign-in at the provider must come back within this long. */
export const OAUTH_STATE_TTL_MS = 10 * 60_000;
/** Authorizations per IP and app per minute: each one writes a state. */
export const AUTHORIZE_PER_IP = { limit: 300, ttl: 60_000_000_000 };
const BROWSER_SECRET = /^[A-Za-z0-9_-]{43}$/;

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
  const { nonce, codeChallenge } = attemptSecrets(deps, state);
  const url = await deps.identityProviders.authorizationUrl(client, { state, nonce, codeChallenge });
  if (!url.ok) return reportProviderFailure(deps, app, provider, url);
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
