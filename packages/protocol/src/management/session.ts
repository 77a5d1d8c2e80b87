import Type from "typebox";

export const ManagedSession = Type.Object({
  id: Type.String({ examples: ["ses_01jr0z5w2seq998trz7ftbb9rj"] }),
  created_at: Type.String({ format: "date-time" }),
  last_seen_at: Type.String({ format: "date-time" }),
  expires_at: Type.String({ format: "date-time" }),
  method: Type.String({ description: "How the user signed in (password, otp, migration, …)." }),
  user_agent: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
});

export const ListSessionsResponse = Type.Object({ sessions: Type.Array(ManagedSession) });

export const SessionParams = Type.Object({
  appID: Type.String({ maxLength: 64 }),
  userID: Type.String({ maxLength: 64 }),
  sessionID: Type.String({ maxLength: 64 }),
});

export const InvalidateSessionsResponse = Type.Object({ message: Type.String(), revoked: Type.Integer() });
