import Type from "typebox";

export const appModes = ["dev", "prod"] as const;
export type AppMode = (typeof appModes)[number];
export const AppMode = Type.Union([Type.Literal("dev"), Type.Literal("prod")]);

export const ModeBody = Type.Object({ mode: AppMode }, { additionalProperties: false });
export type ModeBody = Type.Static<typeof ModeBody>;

export const PublishedKey = Type.Object({
  kid: Type.String({ description: "The key's id, the `kid` of what it signs." }),
  purpose: Type.Union([Type.Literal("token"), Type.Literal("hook")], {
    description: "`token` signs access tokens; `hook` signs step-up delegation-hook calls.",
  }),
  alg: Type.String({ examples: ["ES256"] }),
  status: Type.Union([Type.Literal("current"), Type.Literal("retired")], {
    description: "A retired key signs nothing new and stays published until `expires_at`.",
  }),
  public_jwk: Type.Record(Type.String(), Type.Unknown(), { description: "As the JWKS lists it." }),
  created_at: Type.String({ format: "date-time" }),
  retired_at: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
  expires_at: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
});

export const PublishedKeysResponse = Type.Object({ keys: Type.Array(PublishedKey) });
export type PublishedKeysResponse = Type.Static<typeof PublishedKeysResponse>;
