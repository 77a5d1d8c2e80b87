import type { Config } from "../config/config-schema.js";
import type {
  IdentityProviders,
  ProviderClient,
  ProviderFailure,
  ProviderIdentity,
} from "../domain/oauth/identity-provider.js";
import type { Clock } from "../domain/shared/clock.js";
import type { OutboundClient } from "../outbound/outbound-client.js";
import { appleClientSecret } from "./apple-client-secret.js";
import { githubAuthorizationUrl, githubIdentity } from "./github-identity.js";
import { checkIdToken, identityOf } from "./id-token-check.js";
import { providerEndpoints } from "./idp-endpoints.js";
import { getJson, postForm } from "./idp-fetch.js";
import { createIdpJwksCache } from "./idp-jwks.js";
import { createOidcMetadataCache, type OidcMetadata } from "./oidc-metadata.js";

/**
 * The provider side of social login: OpenID Connect's authorization code flow with PKCE and a
 * nonce for Google, Apple, Microsoft and Okta (discovery, JWKS, ID token), and GitHub's OAuth 2
 * plus REST API. Every call goes through the guarded outbound client (idp-fetch.ts).
 */
export function createIdentityProvidersClient(deps: {
  clock: Clock;
  outbound: OutboundClient;
  oauth: Config["oauth"];
}): IdentityProviders {
  const metadataCache = createOidcMetadataCache(deps);
  const jwks = createIdpJwksCache(deps);

  async function metadataOf(client: ProviderClient) {
    const resolved = providerEndpoints(deps.oauth, client);
    if (!resolved.ok) return { ok: false, failure: "not_allowed", detail: resolved.detail } as const;
    return resolved;
  }

  return {
    async authorizationUrl(client, attempt) {
      const resolved = await metadataOf(client);
      if (!resolved.ok) return resolved;
      const { endpoints } = resolved;
      if (endpoints.kind === "github")
        return { ok: true, url: githubAuthorizationUrl(endpoints.web, client, attempt) };
      const found = await metadataCache.get(endpoints.discovery);
      if (!found.ok) return { ok: false, failure: "unavailable", detail: found.detail };
      const scopes = client.scopes.includes("openid") ? client.scopes : ["openid", ...client.scopes];
      const url = new URL(found.metadata.authorization);
      const params = new URLSearchParams(url.search);
      for (const [name, value] of Object.entries({
        response_type: "code",
        client_id: client.clientId,
        redirect_uri: client.callbackUrl,
        scope: scopes.join(" "),
        state: attempt.state,
        nonce: attempt.nonce,
        code_challenge: attempt.codeChallenge,
        code_challenge_method: "S256",
        // Apple answers with a form POST whenever names or emails are asked for.
        ...(client.provider === "apple" && { response_mode: "form_post" }),
      }))
        params.set(name, value);
      url.search = params.toString();
      return { ok: true, url: url.href };
    },

    async redeem(client, answer) {
      const resolved = await metadataOf(client);
      if (!resolved.ok) return resolved;
      const { endpoints } = resolved;
      if (endpoints.kind === "github") return githubIdentity(deps.outbound, endpoints, client, answer);
      const found = await metadataCache.get(endpoints.discovery);
      if (!found.ok) return { ok: false, failure: "unavailable", detail: found.detail };
      return redeemOidc(found.metadata, client, answer);
    },
  };

  async function redeemOidc(
    metadata: OidcMetadata,
    client: ProviderClient,
    answer: { code: string; codeVerifier: string; nonce: string; appleUser?: string },
  ): Promise<{ ok: true; identity: ProviderIdentity } | ProviderFailure> {
    const now = deps.clock.now();
    const secret = client.apple
      ? await appleClientSecret(client.apple, client.clientId, metadata.issuer, now)
      : (client.clientSecret ?? "");
    const inForm = metadata.secretInForm || client.provider === "apple";
    const form: Record<string, string> = {
      grant_type: "authorization_code",
      code: answer.code,
      redirect_uri: client.callbackUrl,
      code_verifier: answer.codeVerifier,
      client_id: client.clientId,
      ...(inForm && { client_secret: secret }),
    };
    const basic = `${encodeURIComponent(client.clientId)}:${encodeURIComponent(secret)}`;
    const token = await postForm(
      deps.outbound,
      metadata.token,
      form,
      inForm ? {} : { authorization: `Basic ${Buffer.from(basic).toString("base64")}` },
    );
    if (!token.ok) return { ok: false, failure: "unavailable", detail: token.detail };
    const body = token.json as Record<string, unknown> | null;
    if (token.status !== 200 || typeof body?.id_token !== "string")
      return {
        ok: false,
        failure: "rejected",
        detail: `token endpoint: ${token.status} ${typeof body?.error === "string" ? body.error : "without id_token"}`,
      };
    const checked = await checkIdToken(body.id_token, {
      provider: client.provider,
      issuer: metadata.issuer,
      clientId: client.clientId,
      nonce: answer.nonce,
      nowMs: now,
      keyFor: (kid) => jwks.key(metadata.jwks, kid),
    });
    if (!checked.ok) return { ok: false, failure: "invalid_identity", detail: checked.detail };
    let identity = checked.identity;
    // Some servers (Okta's, by default) put profile claims only in userinfo (OpenID Core §5.3).
    if (identity.email === null && metadata.userinfo && typeof body.access_token === "string") {
      const info = await getJson(deps.outbound, metadata.userinfo, {
        authorization: `Bearer ${body.access_token}`,
      });
      const claims = info.ok && info.status === 200 ? (info.json as Record<string, unknown> | null) : null;
      if (claims && typeof claims === "object") {
        // §5.3.2: userinfo of another subject is not this user's.
        if (claims.sub !== identity.subject)
          return { ok: false, failure: "invalid_identity", detail: "userinfo names another subject" };
        identity = identityOf(client.provider, { ...checked.claims, ...claims, sub: identity.subject });
      }
    }
    return { ok: true, identity: withAppleName(identity, answer.appleUser) };
  }
}

/** Apple sends the name once, outside the ID token, in the callback's `user` form field. */
function withAppleName(identity: ProviderIdentity, user: string | undefined): ProviderIdentity {
  if (!user || identity.givenName) return identity;
  try {
    const name = (JSON.parse(user) as { name?: { firstName?: unknown; lastName?: unknown } })?.name;
    return {
      ...identity,
      ...(typeof name?.firstName === "string" && { givenName: name.firstName.slice(0, 256) }),
      ...(typeof name?.lastName === "string" && { familyName: name.lastName.slice(0, 256) }),
    };
  } catch {
    return identity;
  }
}
