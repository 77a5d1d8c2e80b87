import Type from "typebox";

export const SessionConfig = Type.Object(
  {
    access_token_ttl_seconds: Type.Integer({
      minimum: 30,
      maximum: 86_400,
      description: "Access-token lifetime.",
    }),
    session_ttl_seconds: Type.Integer({
      minimum: 300,
      maximum: 31_536_000,
      description: "Absolute session lifetime.",
    }),
    idle_ttl_seconds: Type.Integer({
      minimum: 60,
      maximum: 31_536_000,
      description: "A session not refreshed for this long ends.",
    }),
  },
  { additionalProperties: false },
);
export type SessionConfig = Type.Static<typeof SessionConfig>;

export const SessionConfigResponse = Type.Object({ config: SessionConfig });
