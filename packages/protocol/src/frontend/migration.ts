import Type from "typebox";

/** `POST /v1/session/migration` (seed 001): unauthenticated; no DPoP, no Bearer. */
export const MigrationRequest = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 8192, description: "The legacy session token." }),
    code_challenge: Type.String({
      pattern: "^[A-Za-z0-9_-]{43}$",
      description: "S256 PKCE challenge; finalize then requires its verifier.",
    }),
    dispatch_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  },
  { additionalProperties: false },
);
export type MigrationRequest = Type.Static<typeof MigrationRequest>;
