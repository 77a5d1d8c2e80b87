import Type from "typebox";
import { ScopeName } from "./scopes.js";

/** Limits of a passkey config's lists (docs/passkeys.md). */
export const PASSKEY_CONFIG_LIMITS = { originsMax: 20, grantedScopesMax: 50, aaguidsMax: 100 } as const;

const UserVerification = Type.Union(
  [Type.Literal("required"), Type.Literal("preferred"), Type.Literal("discouraged")],
  { description: "WebAuthn user verification asked of the authenticator; default `required`." },
);

const AttestationPreference = Type.Union(
  [Type.Literal("none"), Type.Literal("indirect"), Type.Literal("direct"), Type.Literal("enterprise")],
  { description: "Attestation asked for at registration; default `none`." },
);

/** The app as a WebAuthn relying party (prelude-api.md §3.15). */
export const PasskeyConfigRequest = Type.Object(
  {
    rp_id: Type.String({
      minLength: 1,
      maxLength: 253,
      description:
        "The relying party ID: a host name without scheme or port (`example.com`). Credentials are bound to it.",
      examples: ["example.com"],
    }),
    rp_name: Type.String({
      minLength: 1,
      maxLength: 100,
      description: "Shown by authenticators.",
      examples: ["Example"],
    }),
    allowed_origins: Type.Array(Type.String({ minLength: 1, maxLength: 300 }), {
      minItems: 1,
      maxItems: PASSKEY_CONFIG_LIMITS.originsMax,
      description:
        "Origins whose pages may use the app's passkeys: `https://` on the RP ID or a subdomain of it; `http://localhost:<port>` when the RP ID is `localhost`.",
      examples: [["https://example.com", "https://app.example.com"]],
    }),
    user_verification: Type.Optional(UserVerification),
    attestation_preference: Type.Optional(AttestationPreference),
    login_enabled: Type.Optional(
      Type.Boolean({ description: "Passkeys as a primary login (`/login/passkey/begin`); default false." }),
    ),
    granted_scopes: Type.Optional(
      Type.Array(ScopeName, {
        maxItems: PASSKEY_CONFIG_LIMITS.grantedScopesMax,
        description: "Allowed scopes a primary passkey login grants the session.",
      }),
    ),
    aaguid_allowlist: Type.Optional(
      Type.Array(
        Type.String({
          pattern: "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
        }),
        {
          maxItems: PASSKEY_CONFIG_LIMITS.aaguidsMax,
          description:
            "Authenticator models (AAGUIDs) allowed to register; needs `direct` or `enterprise` attestation.",
        },
      ),
    ),
  },
  { additionalProperties: false },
);
export type PasskeyConfigRequest = Type.Static<typeof PasskeyConfigRequest>;

export const PasskeyConfigQuery = Type.Object(
  {
    force: Type.Optional(
      Type.Union([Type.Literal("true"), Type.Literal("false")], {
        description:
          "`true`: change `rp_id` even though passkeys registered under the old one then stop working.",
      }),
    ),
  },
  { additionalProperties: false },
);

export const PasskeyConfig = Type.Object({
  rp_id: Type.String(),
  rp_name: Type.String(),
  allowed_origins: Type.Array(Type.String()),
  user_verification: UserVerification,
  attestation_preference: AttestationPreference,
  login_enabled: Type.Boolean(),
  granted_scopes: Type.Array(Type.String()),
  aaguid_allowlist: Type.Array(Type.String()),
  created_at: Type.String({ format: "date-time" }),
  updated_at: Type.String({ format: "date-time" }),
});
export type PasskeyConfig = Type.Static<typeof PasskeyConfig>;

export const PasskeyConfigResponse = Type.Object({ config: PasskeyConfig });

/** A user's passkey as the Management API shows it (docs/passkeys.md); no key material. */
export const PasskeyCredential = Type.Object(
  {
    id: Type.String({ description: "Overture's id of the passkey (`pkc_…`)." }),
    credential_id: Type.String({ description: "The authenticator's credential id, base64url." }),
    nickname: Type.Union([Type.String(), Type.Null()]),
    transports: Type.Array(Type.String()),
    backup_eligible: Type.Boolean(),
    backup_state: Type.Boolean(),
    aaguid: Type.String({ description: "The authenticator model." }),
    rp_id: Type.String({ description: "The RP ID it was registered under; it works under that one only." }),
    created_at: Type.String({ format: "date-time" }),
    last_used_at: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
  },
  { title: "PasskeyCredential" },
);

export const PasskeyListResponse = Type.Object({ credentials: Type.Array(PasskeyCredential) });

export const UserPasskeyParams = Type.Object({
  userID: Type.String({ minLength: 1, maxLength: 64 }),
  passkeyID: Type.String({ minLength: 1, maxLength: 64 }),
});
