import Type from "typebox";

export const SessionView = Type.Object({
  id: Type.String(),
  device_model: Type.String(),
  device_type: Type.Union([
    Type.Literal("desktop"),
    Type.Literal("mobile"),
    Type.Literal("tablet"),
    Type.Literal("unknown"),
  ]),
  os_version: Type.String(),
  country_code: Type.String(),
  created_at: Type.String({ format: "date-time" }),
  last_seen_at: Type.String({ format: "date-time" }),
  expires_at: Type.String({ format: "date-time" }),
});
export type SessionView = Type.Static<typeof SessionView>;

export const MeListQuery = Type.Object({
  limit: Type.Optional(Type.String({ maxLength: 12 })),
  offset: Type.Optional(Type.String({ maxLength: 12 })),
});

export const MeListResponse = Type.Object({
  sessions: Type.Array(SessionView),
  total: Type.Integer(),
  limit: Type.Integer(),
  offset: Type.Integer(),
});

export const MeRevokeQuery = Type.Object({
  target: Type.Union([
    Type.Literal("all"),
    Type.Literal("others"),
    Type.Literal("mine"),
    Type.Literal("session"),
  ]),
  session_id: Type.Optional(Type.String({ maxLength: 64 })),
});

export const MeIdentifiersResponse = Type.Object({
  identifiers: Type.Array(Type.Object({ id: Type.String(), type: Type.String(), value: Type.String() })),
});
