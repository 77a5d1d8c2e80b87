import type { OAuthProvider } from "@overture/protocol";
import type { Config } from "../config/config-schema.js";
import type { ProviderClient } from "../domain/oauth/identity-provider.js";
import { checkOutboundUrl } from "../outbound/outbound-url.js";
import type { IdpTarget } from "./idp-fetch.js";

/** The public providers' issuers (OpenID discovery) and GitHub's hosts. */
const PUBLIC_ISSUERS: Record<"google" | "apple" | "microsoft", string> = {
  google: "https://accounts.google.com",
  apple: "https://appleid.apple.com",
  // The multi-tenant endpoint: its discovery names the issuer `…/{tenantid}/v2.0` (id-token-check.ts).
  microsoft: "https://login.microsoftonline.com/common/v2.0",
};
const GITHUB = { web: "https://github.com", api: "https://api.github.com" };

export type ProviderEndpoints =
  | { kind: "oidc"; discovery: IdpTarget }
  | { kind: "github"; web: IdpTarget; api: IdpTarget };

export type EndpointsResult = { ok: true; endpoints: ProviderEndpoints } | { ok: false; detail: string };

/**
 * Where a provider is for an app: the public endpoints, an operator's override
 * (OVERTURE_OAUTH_ENDPOINTS, refused to `prod` apps unless OVERTURE_OAUTH_ENDPOINTS_IN_PROD), or for
 * Okta the app's own `issuer_url`, under the rules of an app-chosen URL (https; in `dev`, http to
 * loopback; public addresses only in `prod`).
 */
export function providerEndpoints(oauth: Config["oauth"], client: ProviderClient): EndpointsResult {
  const { provider, app } = client;
  if (provider === "okta") {
    const checked = checkOutboundUrl(client.okta?.issuerUrl ?? "", app.mode, "okta.issuer_url");
    if (!checked.ok) return { ok: false, detail: checked.message };
    return { ok: true, endpoints: oidc(client.okta?.issuerUrl ?? "", app.mode === "prod") };
  }
  const override = oauth.endpoints[provider];
  if (override !== undefined && app.mode === "prod" && !oauth.endpointsInProd) {
    return {
      ok: false,
      detail: `${provider}'s endpoints are overridden (OVERTURE_OAUTH_ENDPOINTS) and prod apps may only use them with OVERTURE_OAUTH_ENDPOINTS_IN_PROD=true`,
    };
  }
  if (provider === "github") {
    const web = override ?? GITHUB.web;
    const api = override ? `${override}/api/v3` : GITHUB.api;
    const publicOnly = override === undefined;
    return {
      ok: true,
      endpoints: {
        kind: "github",
        web: { url: new URL(web), publicOnly },
        api: { url: new URL(api), publicOnly },
      },
    };
  }
  return { ok: true, endpoints: oidc(override ?? PUBLIC_ISSUERS[provider], override === undefined) };
}

function oidc(issuer: string, publicOnly: boolean): ProviderEndpoints {
  return {
    kind: "oidc",
    discovery: { url: new URL(`${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`), publicOnly },
  };
}

export const isOidcProvider = (provider: OAuthProvider) => provider !== "github";
