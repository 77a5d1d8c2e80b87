import type { OAuthProvider } from "@overture/protocol";
import type { AppRecord } from "../apps/app-repository.js";

/** Who the provider says signed in, after its answer was validated (idp/). */
export interface ProviderIdentity {
  /** The provider's stable user id: the ID token's `sub`, GitHub's numeric `id`. */
  subject: string;
  /** Lower-cased; null when the provider gave none. */
  email: string | null;
  /** Only true when the provider vouches for the email (docs/social-login.md, trust model). */
  emailVerified: boolean;
  givenName?: string;
  familyName?: string;
}

/** One app's provider config, with its secrets opened, as the provider clients need it. */
export interface ProviderClient {
  app: AppRecord;
  provider: OAuthProvider;
  clientId: string;
  /** Absent for Apple, whose client secret is made from `appleKey`. */
  clientSecret: string | null;
  apple?: { teamId: string; keyId: string; p8Key: string };
  okta?: { issuerUrl: string };
  scopes: string[];
  /** The callback URL registered with the provider. */
  callbackUrl: string;
}

export type ProviderFailure = {
  ok: false;
  /**
   * `unavailable`: the provider could not be reached or answered nonsense (`oauth_provider_error`);
   * `rejected`: it refused the code (`oauth_provider_error`); `invalid_identity`: its ID token or
   * user data failed validation (`invalid_id_token`); `not_allowed`: the operator's endpoint
   * override is refused for this app (docs/social-login.md).
   */
  failure: "unavailable" | "rejected" | "invalid_identity" | "not_allowed";
  /** For the operator's log; never shown to the browser. */
  detail: string;
};

/** The provider side of a social login: infrastructure (idp/), behind this domain interface. */
export interface IdentityProviders {
  /** The provider's authorization URL for this attempt. */
  authorizationUrl(
    client: ProviderClient,
    attempt: { state: string; nonce: string; codeChallenge: string },
  ): Promise<{ ok: true; url: string } | ProviderFailure>;
  /** Exchanges the code (with the PKCE verifier), validates what comes back, and says who it is. */
  redeem(
    client: ProviderClient,
    answer: { code: string; codeVerifier: string; nonce: string; appleUser?: string },
  ): Promise<{ ok: true; identity: ProviderIdentity } | ProviderFailure>;
}
