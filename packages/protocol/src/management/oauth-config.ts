import Type from "typebox";
import { ScopeName } from "./scopes.js";

/** The social login providers (prelude-api.md §3.12, docs/social-login.md). */
export const OAUTH_PROVIDERS = ["google", "apple", "microsoft", "github", "okta"] as const;
export type OAuthProvider = (typeof OAUTH_PROVIDERS)[number];

export const OAUTH_CONFIG_LIMITS = { scopesMax: 20, grantedScopesMax: 50 } as const;

/** What each provider is asked for when a config names no `scopes`. */
export const OAUTH_DEFAULT_SCOPES: Record<OAuthProvider, string[]> = {
  google: ["openid", "email", "profile"],
  apple: ["name", "email"],
  microsoft: ["openid", "email", "profile"],
  github: ["read:user", "user:email"],
  okta: ["openid", "email", "profile"],
};

const IdpScope = Type.String({ minLength: 1, maxLength: 128, pattern: "^[\\x21-\\x7e]+$" });

export const OAuthOptions = Type.Object(
  {
    use_email_as_identifier: Type.Optional(
      Type.Boolean({
        description: "Give new users the provider's email as an identifier, when it is verified.",
      }),
    ),
    allow_email_account_merge: Type.Optional(
      Type.Boolean({
        description: "Sign in the existing user whose verified email the provider's verified email is.",
      }),
    ),
    verify_email: Type.Optional(
      Type.Boolean({
        description:
          "An email the provider does not vouch for is verified by an email OTP (`status=otp_required`). Needs `use_email_as_identifier` and an email OTP config.",
      }),
    ),
  },
  { additionalProperties: false },
);

export const OAuthConfigRequest = Type.Object(
  {
    client_id: Type.String({ minLength: 1, maxLength: 512 }),
    client_secret: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 2048,
        description:
          "Required on create, except for Apple (its secret is made from `apple.p8_key`). Sealed at rest, never returned; left out of a PUT, the stored one is kept.",
      }),
    ),
    enabled: Type.Optional(Type.Boolean({ description: "Default true." })),
    scopes: Type.Optional(
      Type.Array(IdpScope, {
        maxItems: OAUTH_CONFIG_LIMITS.scopesMax,
        description: "Scopes asked of the provider; default per provider (docs/social-login.md).",
      }),
    ),
    granted_scopes: Type.Optional(
      Type.Array(ScopeName, {
        maxItems: OAUTH_CONFIG_LIMITS.grantedScopesMax,
        description: "Allowed scopes this login grants the session.",
      }),
    ),
    options: Type.Optional(OAuthOptions),
    apple: Type.Optional(
      Type.Object(
        {
          team_id: Type.String({ pattern: "^[A-Z0-9]{10}$" }),
          key_id: Type.String({ pattern: "^[A-Z0-9]{10}$" }),
          p8_key: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 4096,
              description: "The .p8 key (PEM, EC P-256). Required on create; sealed, never returned.",
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    okta: Type.Optional(
      Type.Object(
        { issuer_url: Type.String({ format: "uri", minLength: 1, maxLength: 2048 }) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type OAuthConfigRequest = Type.Static<typeof OAuthConfigRequest>;

export const OAuthConfig = Type.Object({
  provider_id: Type.Union(OAUTH_PROVIDERS.map((p) => Type.Literal(p))),
  client_id: Type.String(),
  enabled: Type.Boolean(),
  scopes: Type.Array(Type.String()),
  granted_scopes: Type.Array(Type.String()),
  options: Type.Object({
    use_email_as_identifier: Type.Boolean(),
    allow_email_account_merge: Type.Boolean(),
    verify_email: Type.Boolean(),
  }),
  apple: Type.Optional(Type.Object({ team_id: Type.String(), key_id: Type.String() })),
  okta: Type.Optional(Type.Object({ issuer_url: Type.String() })),
  created_at: Type.String({ format: "date-time" }),
  updated_at: Type.String({ format: "date-time" }),
});

export const OAuthConfigResponse = Type.Object({ config: OAuthConfig });
export const OAuthConfigListResponse = Type.Object({ configs: Type.Array(OAuthConfig) });
export const OAuthProviderParams = Type.Object({
  appID: Type.String({ maxLength: 64 }),
  provider: Type.String({ maxLength: 32 }),
});
