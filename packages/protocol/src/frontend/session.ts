import Type from "typebox";

export const FinalizeLoginRequest = Type.Object(
  {
    challenge_token: Type.String({ minLength: 1, maxLength: 8192 }),
    code_verifier: Type.Optional(
      Type.String({ minLength: 43, maxLength: 128, pattern: "^[A-Za-z0-9._~-]+$" }),
    ),
  },
  { additionalProperties: false },
);
export type FinalizeLoginRequest = Type.Static<typeof FinalizeLoginRequest>;

export const RefreshRequest = Type.Object(
  { step_up_token: Type.Optional(Type.String({ minLength: 1, maxLength: 8192 })) },
  { additionalProperties: false, description: "May be omitted entirely (the web SDK sends no body)." },
);
export type RefreshRequest = Type.Static<typeof RefreshRequest>;

export const TokenResponse = Type.Object({
  access_token: Type.String(),
  expires_at: Type.Integer({ description: "Unix seconds." }),
});
export type TokenResponse = Type.Static<typeof TokenResponse>;
