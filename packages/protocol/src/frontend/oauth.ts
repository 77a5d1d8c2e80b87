import Type from "typebox";

/** `POST /v1/session/login/oauth/{provider}/authorize` (prelude-api.md §4.3, client-protocol.md §5.3). */
export const OAuthAuthorizeRequest = Type.Object(
  {
    redirect_uri: Type.String({
      minLength: 1,
      maxLength: 2048,
      description:
        "Where the browser returns after the provider, with `challenge_token` (or `error`) in the query. " +
        "An https URL on the site of one of the app's usable custom domains; in dev mode also http(s) on a loopback host.",
    }),
    code_challenge: Type.String({
      pattern: "^[A-Za-z0-9_-]{43}$",
      description: "PKCE S256 challenge; finalize then needs its verifier.",
    }),
    code_challenge_method: Type.Optional(Type.Literal("S256")),
    dispatch_id: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
export type OAuthAuthorizeRequest = Type.Static<typeof OAuthAuthorizeRequest>;

export const OAuthAuthorizeResponse = Type.Object({
  authorization_url: Type.String({ description: "Send the browser here." }),
});

const param = (description: string, maxLength = 2048) =>
  Type.Optional(Type.String({ maxLength, description }));

/**
 * What the provider sends back, in the query (GET) or as a form (POST, Apple's `form_post`).
 * Providers add parameters of their own (`scope`, `authuser`, `iss`, `session_state`); they are
 * accepted and ignored.
 */
export const OAuthCallbackParams = Type.Object({
  state: param("Overture's state for this attempt.", 128),
  code: param("The authorization code."),
  error: param("The provider's error code, e.g. `access_denied`.", 256),
  error_description: param("The provider's explanation.", 2048),
  user: param("Apple only: the user's name as JSON, on the first sign-in.", 4096),
});
export type OAuthCallbackParams = Type.Static<typeof OAuthCallbackParams>;

/**
 * The `error` codes a callback appends to the client's redirect_uri (docs/social-login.md). The
 * description that comes with one is for developers, never shown to users as is.
 */
export const OAUTH_CALLBACK_ERRORS = [
  /** The user declined at the provider. */
  "access_denied",
  /** The provider answered another error, or an answer Overture could not use. */
  "oauth_provider_error",
  /** The provider's ID token or user data did not pass validation. */
  "invalid_id_token",
  /** A verified email of the provider's account belongs to another user and merging is off. */
  "email_already_in_use",
  "suspended_account",
  "oauth_provider_disabled",
  "oauth_provider_not_configured",
  "rate_limited",
] as const;
export type OAuthCallbackError = (typeof OAUTH_CALLBACK_ERRORS)[number];
