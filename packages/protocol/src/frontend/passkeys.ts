import Type from "typebox";

/** Bounds of the WebAuthn JSON Overture accepts (docs/passkeys.md, "Limits"). */
export const WEBAUTHN_LIMITS = {
  credentialIdMax: 1400,
  clientDataMax: 8192,
  attestationObjectMax: 65_536,
  authenticatorDataMax: 8192,
  signatureMax: 2048,
  userHandleMax: 128,
  nicknameMax: 64,
  transportsMax: 8,
} as const;

const base64url = (maxLength: number, description?: string) =>
  Type.String({
    minLength: 1,
    maxLength,
    pattern: "^[A-Za-z0-9_-]+={0,2}$",
    ...(description && { description }),
  });

const Transport = Type.String({ maxLength: 32 });

/**
 * `PublicKeyCredential.toJSON()` of a registration (WebAuthn L3 §5.1, RegistrationResponseJSON).
 * Members a browser adds later are accepted and ignored.
 */
export const RegistrationResponseJson = Type.Object(
  {
    id: base64url(WEBAUTHN_LIMITS.credentialIdMax, "The credential id."),
    rawId: base64url(WEBAUTHN_LIMITS.credentialIdMax),
    type: Type.Literal("public-key"),
    response: Type.Object({
      clientDataJSON: base64url(WEBAUTHN_LIMITS.clientDataMax),
      attestationObject: base64url(WEBAUTHN_LIMITS.attestationObjectMax),
      authenticatorData: Type.Optional(base64url(WEBAUTHN_LIMITS.authenticatorDataMax)),
      transports: Type.Optional(Type.Array(Transport, { maxItems: WEBAUTHN_LIMITS.transportsMax })),
      publicKeyAlgorithm: Type.Optional(Type.Integer()),
      publicKey: Type.Optional(base64url(WEBAUTHN_LIMITS.attestationObjectMax)),
    }),
    authenticatorAttachment: Type.Optional(Type.String({ maxLength: 32 })),
    clientExtensionResults: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { title: "RegistrationResponseJSON" },
);
export type RegistrationResponseJson = Type.Static<typeof RegistrationResponseJson>;

/** `PublicKeyCredential.toJSON()` of an assertion (WebAuthn L3 §5.1, AuthenticationResponseJSON). */
export const AuthenticationResponseJson = Type.Object(
  {
    id: base64url(WEBAUTHN_LIMITS.credentialIdMax, "The credential id."),
    rawId: base64url(WEBAUTHN_LIMITS.credentialIdMax),
    type: Type.Literal("public-key"),
    response: Type.Object({
      clientDataJSON: base64url(WEBAUTHN_LIMITS.clientDataMax),
      authenticatorData: base64url(WEBAUTHN_LIMITS.authenticatorDataMax),
      signature: base64url(WEBAUTHN_LIMITS.signatureMax),
      userHandle: Type.Optional(Type.Union([base64url(WEBAUTHN_LIMITS.userHandleMax), Type.Null()])),
    }),
    authenticatorAttachment: Type.Optional(Type.String({ maxLength: 32 })),
    clientExtensionResults: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { title: "AuthenticationResponseJSON" },
);
export type AuthenticationResponseJson = Type.Static<typeof AuthenticationResponseJson>;

const CredentialDescriptor = Type.Object({
  id: Type.String(),
  type: Type.Literal("public-key"),
  transports: Type.Optional(Type.Array(Type.String())),
});

const UserVerification = Type.Union([
  Type.Literal("required"),
  Type.Literal("preferred"),
  Type.Literal("discouraged"),
]);

/** What `navigator.credentials.create({publicKey})` takes, in its JSON form (WebAuthn L3). */
export const CredentialCreationOptionsJson = Type.Object(
  {
    rp: Type.Object({ id: Type.String(), name: Type.String() }),
    user: Type.Object({ id: Type.String(), name: Type.String(), displayName: Type.String() }),
    challenge: Type.String(),
    pubKeyCredParams: Type.Array(Type.Object({ type: Type.Literal("public-key"), alg: Type.Integer() })),
    timeout: Type.Integer({ description: "Milliseconds." }),
    excludeCredentials: Type.Array(CredentialDescriptor),
    authenticatorSelection: Type.Object({
      residentKey: Type.String(),
      requireResidentKey: Type.Boolean(),
      userVerification: UserVerification,
    }),
    attestation: Type.String(),
    extensions: Type.Optional(Type.Object({ credProps: Type.Optional(Type.Boolean()) })),
  },
  { title: "PublicKeyCredentialCreationOptionsJSON" },
);

/** What `navigator.credentials.get({publicKey})` takes, in its JSON form (WebAuthn L3). */
export const CredentialRequestOptionsJson = Type.Object(
  {
    challenge: Type.String(),
    timeout: Type.Integer({ description: "Milliseconds." }),
    rpId: Type.String(),
    allowCredentials: Type.Array(CredentialDescriptor, {
      description: "Empty for a primary login: the authenticator offers its discoverable credentials.",
    }),
    userVerification: UserVerification,
  },
  { title: "PublicKeyCredentialRequestOptionsJSON" },
);

export const PasskeyRegisterBeginRequest = Type.Object(
  {
    username: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 320,
        description: "The account name the authenticator shows; default the user's first email or phone.",
      }),
    ),
    display_name: Type.Optional(Type.String({ minLength: 1, maxLength: 320 })),
    nickname: Type.Optional(Type.String({ maxLength: WEBAUTHN_LIMITS.nicknameMax })),
  },
  { additionalProperties: false },
);
export type PasskeyRegisterBeginRequest = Type.Static<typeof PasskeyRegisterBeginRequest>;

export const PasskeyRegisterBeginResponse = Type.Object({
  public_key: CredentialCreationOptionsJson,
  registration_token: Type.String({
    description: "Send it back to /register/finish; single-use, valid for the options' timeout.",
  }),
});

export const PasskeyRegisterFinishRequest = Type.Object(
  {
    registration_token: Type.String({ minLength: 1, maxLength: 4096 }),
    attestation: RegistrationResponseJson,
  },
  { additionalProperties: false },
);

/** One of the caller's passkeys (prelude-api.md §4.10): times are Unix seconds. */
export const MyPasskey = Type.Object(
  {
    id: Type.String({ description: "Overture's id of the passkey (`pkc_…`)." }),
    credential_id: Type.String({ description: "The authenticator's credential id, base64url." }),
    nickname: Type.Optional(Type.String()),
    transports: Type.Array(Type.String()),
    backup_eligible: Type.Boolean(),
    backup_state: Type.Boolean(),
    created_at: Type.Integer({ description: "Unix seconds." }),
    last_used_at: Type.Union([Type.Integer({ description: "Unix seconds." }), Type.Null()]),
  },
  { title: "MyPasskey" },
);

export const PasskeyRegisterFinishResponse = Type.Object({
  credential: MyPasskey,
  already_registered: Type.Boolean({
    description: "True when this very credential was already the caller's (a retried finish).",
  }),
});

export const MyPasskeysResponse = Type.Object({ credentials: Type.Array(MyPasskey) });

export const MyPasskeyParams = Type.Object({
  id: Type.String({
    minLength: 1,
    maxLength: WEBAUTHN_LIMITS.credentialIdMax,
    description: "The passkey's `credential_id` as the list shows it, or its `pkc_…` id.",
  }),
});

export const MyPasskeyRename = Type.Object(
  {
    nickname: Type.String({
      maxLength: WEBAUTHN_LIMITS.nicknameMax,
      description: "The empty string clears it.",
    }),
  },
  { additionalProperties: false },
);

export const PasskeyLoginBeginRequest = Type.Object(
  {
    dispatch_id: Type.Optional(Type.String({ maxLength: 64 })),
    code_challenge: Type.Optional(
      Type.String({
        pattern: "^[A-Za-z0-9_-]{43}$",
        description: "S256 PKCE challenge; finalize then needs its verifier.",
      }),
    ),
  },
  { additionalProperties: false },
);

export const PasskeyLoginBeginResponse = Type.Object({
  public_key: CredentialRequestOptionsJson,
  login_token: Type.String({ description: "Send it back to /login/passkey/finish; single-use." }),
});

export const PasskeyLoginFinishRequest = Type.Object(
  {
    login_token: Type.String({ minLength: 1, maxLength: 4096 }),
    assertion: AuthenticationResponseJson,
  },
  { additionalProperties: false },
);
