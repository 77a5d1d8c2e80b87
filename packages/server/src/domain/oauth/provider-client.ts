import type { OAuthProvider } from "@overture/protocol";
import { decryptSecret } from "../../keys/key-encryption.js";
import type { AppRecord } from "../apps/app-repository.js";
import type { DomainDeps } from "../shared/domain-deps.js";
import type { Failure } from "../shared/outcome.js";
import type { ProviderClient, ProviderFailure } from "./identity-provider.js";
import { type OAuthConfigValue, oauthConfigKind, oauthSecretContext } from "./oauth-config.js";

/** The callback URL registered with the provider: on the Frontend host the browser is using. */
export const callbackUrlOf = (origin: string, provider: OAuthProvider) =>
  `${origin}/v1/session/login/oauth/${provider}/callback`;

/** The app's config of a provider, if it has one and it is turned on. */
export async function enabledProvider(
  deps: Pick<DomainDeps, "store">,
  app: AppRecord,
  provider: OAuthProvider,
): Promise<
  { ok: true; config: OAuthConfigValue } | Failure<"provider_not_configured" | "provider_disabled">
> {
  const record = await deps.store.configs.get<OAuthConfigValue>(app.id, oauthConfigKind(provider));
  if (!record)
    return {
      ok: false,
      reason: "provider_not_configured",
      message: `Sign-in with ${provider} is not configured for this app.`,
    };
  if (!record.value.enabled)
    return { ok: false, reason: "provider_disabled", message: `Sign-in with ${provider} is turned off.` };
  return { ok: true, config: record.value };
}

/**
 * The config for the provider clients (idp/), with its secrets opened unless `secrets` is false
 * (an authorization URL needs none); they are never stored or logged.
 */
export function providerClient(
  deps: Pick<DomainDeps, "secrets">,
  app: AppRecord,
  provider: OAuthProvider,
  config: OAuthConfigValue,
  origin: string,
  options: { secrets: boolean } = { secrets: true },
): ProviderClient {
  const open = (sealed: string, field: "client_secret" | "p8_key") =>
    options.secrets
      ? decryptSecret(deps.secrets.configSecrets, sealed, oauthSecretContext(app.id, provider, field))
      : "";
  return {
    app,
    provider,
    clientId: config.client_id,
    clientSecret: config.client_secret_sealed ? open(config.client_secret_sealed, "client_secret") : null,
    ...(config.apple && {
      apple: {
        teamId: config.apple.team_id,
        keyId: config.apple.key_id,
        p8Key: open(config.apple.p8_key_sealed, "p8_key"),
      },
    }),
    ...(config.okta && { okta: { issuerUrl: config.okta.issuer_url } }),
    scopes: config.scopes,
    callbackUrl: callbackUrlOf(origin, provider),
  };
}

/**
 * Logs why a provider call failed, for the operator (never the browser), and names the outcome:
 * an endpoint override refused to this app reads as a provider it cannot use.
 */
export function reportProviderFailure(
  deps: DomainDeps,
  app: AppRecord,
  provider: OAuthProvider,
  failure: ProviderFailure,
): Failure<"provider_not_configured" | "provider_unavailable"> {
  deps.log.warn(
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
