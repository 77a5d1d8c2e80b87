import Type from "typebox";

/** Limits on a claims mapping and what it resolves to (docs/scopes-and-claims.md). */
export const CLAIMS_LIMITS = {
  /** The mapping document, as compact JSON. */
  mappingBytesMax: 4096,
  /** Claims nest at most this deep, the top level being 1. */
  depthMax: 4,
  /** Keys in the whole mapping, nested ones included. */
  keysMax: 64,
  keyLengthMax: 64,
  /** The claims a mapping adds to one token, as compact JSON (see docs on what happens past it). */
  resolvedBytesMax: 2048,
  /** A `$custom_claim` path: dot-separated profile keys. */
  profilePathSegmentsMax: 5,
} as const;

/** Claims every access token sets itself; a mapping may not write them (RFC 7519 §4.1, RFC 9449). */
export const REGISTERED_CLAIMS = [
  "iss",
  "sub",
  "sid",
  "aud",
  "exp",
  "iat",
  "nbf",
  "jti",
  "scope",
  "external_id",
  "cnf",
  "step_up_grants",
] as const;

export const claimTypes = ["string", "number", "boolean", "string[]"] as const;
export type ClaimType = (typeof claimTypes)[number];

/**
 * The built-in inputs a mapping can read with `{"$input": name, "$type": type}`; `$type` must be the
 * input's type. An input with no value for a token (no external id, no email) leaves its claim out.
 */
export const CLAIM_INPUTS = {
  user_id: { type: "string", description: "The user's id (`usr_…`), as in `sub`." },
  external_id: { type: "string", description: "The user's external id." },
  session_id: { type: "string", description: "The session's id (`ses_…`), as in `sid`." },
  emails: { type: "string[]", description: "The user's email addresses, oldest first." },
  email: { type: "string", description: "The user's oldest email address." },
  phone_numbers: { type: "string[]", description: "The user's phone numbers (E.164), oldest first." },
  phone_number: { type: "string", description: "The user's oldest phone number." },
  groups: { type: "string[]", description: "The names of the session's groups, sorted." },
  login_method: {
    type: "string",
    description: "How the session was started: `otp`, `password`, `sign_up`, `migration`.",
  },
  auth_time: { type: "number", description: "When the session was started, Unix seconds." },
  ip: { type: "string", description: "The client address of the request the token is issued to." },
  locales: {
    type: "string[]",
    description: "The languages of the request's Accept-Language, most preferred first (at most 5).",
  },
  locale: { type: "string", description: "The most preferred language of the request's Accept-Language." },
} as const satisfies Record<string, { type: ClaimType; description: string }>;
export type ClaimInputName = keyof typeof CLAIM_INPUTS;

export const ClaimsMapping = Type.Record(Type.String(), Type.Unknown(), {
  description:
    "Each key is a claim of the access token. A value is a constant (string, number, boolean, or an " +
    'array of them), `{"$input": name, "$type": type}` (a built-in input), `{"$custom_claim": "path"}` ' +
    "(a profile field, `.` between nested keys), or an object of further claims.",
  examples: [
    {
      api_version: 2,
      uid: { $input: "user_id", $type: "string" },
      tier: { $custom_claim: "loyalty_tier" },
      context: { ip: { $input: "ip", $type: "string" } },
    },
  ],
});

export const ClaimsMappingRequest = Type.Object({ mapping: ClaimsMapping }, { additionalProperties: false });
export type ClaimsMappingRequest = Type.Static<typeof ClaimsMappingRequest>;

export const ClaimsConfigResponse = Type.Object({
  config: Type.Object({
    mapping: Type.Record(Type.String(), Type.Unknown()),
    version: Type.Integer({ description: "1 when created, one more at every change." }),
    created_at: Type.String({ format: "date-time" }),
    updated_at: Type.String({ format: "date-time" }),
  }),
});

/** The longest a minted token may live (prelude-api.md §3.2). */
export const MINT_TTL_MAX_SECONDS = 86_400;

export const MintTokenRequest = Type.Object(
  {
    claims: Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), {
      maxProperties: 64,
      description:
        "The token's claims. `iat`, `jti` and `exp` are filled in when absent; registered claims must " +
        "have their registered types.",
      examples: [{ sub: "usr_01jqebhswje1ka1z7ahr9rfsgt", scope: "read write" }],
    }),
    expires_in: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MINT_TTL_MAX_SECONDS,
        description: "Lifetime in seconds (default 86400), when `claims` has no `exp`.",
      }),
    ),
  },
  { additionalProperties: false },
);
export type MintTokenRequest = Type.Static<typeof MintTokenRequest>;

export const MintTokenResponse = Type.Object({
  token: Type.String({ description: "A JWT signed with the app's access-token key (`typ: at+jwt`)." }),
  expires_at: Type.String({ format: "date-time" }),
});

export const ClaimsPreviewRequest = Type.Object(
  {
    user_id: Type.String({ minLength: 1, maxLength: 64, description: "The user whose token to preview." }),
    mapping: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description:
          "A mapping to preview instead of the stored one, checked as a write would check it; nothing is stored.",
      }),
    ),
  },
  { additionalProperties: false },
);
export type ClaimsPreviewRequest = Type.Static<typeof ClaimsPreviewRequest>;

export const ClaimsPreviewResponse = Type.Object({
  claims: Type.Record(Type.String(), Type.Unknown(), {
    description:
      "The token's payload but for `iss`, `iat`, `nbf`, `exp` and `jti`: `sub`, `sid` (`ses_preview`), " +
      "`scope`, `external_id` when set, and the mapped claims.",
  }),
  over_budget: Type.Boolean({
    description:
      "The mapping resolved past its size limit for this user: the token would keep its constants only.",
  }),
  mapping: Type.Union([Type.Literal("given"), Type.Literal("stored"), Type.Literal("none")], {
    description:
      "Which mapping was applied: the request's, the app's stored one, or none (the app has none).",
  }),
});
export type ClaimsPreviewResponse = Type.Static<typeof ClaimsPreviewResponse>;
