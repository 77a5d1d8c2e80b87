import Type from "typebox";

export const PasswordLoginRequest = Type.Object(
  {
    identifier: Type.String({ minLength: 1, maxLength: 320, description: "The email address." }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    dispatch_id: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
export type PasswordLoginRequest = Type.Static<typeof PasswordLoginRequest>;

export const ChallengeTokenResponse = Type.Object({ challenge_token: Type.String() });

export const PasswordResetRequest = Type.Object(
  {
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    revoke_sessions: Type.Optional(
      Type.Boolean({
        description: "End the user's other sessions (default true); this session stays signed in.",
      }),
    ),
  },
  { additionalProperties: false },
);
