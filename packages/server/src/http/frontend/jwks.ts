import Type from "typebox";
import { defineRoute } from "../route-spec.js";

export const JwksResponse = Type.Object({
  keys: Type.Array(
    Type.Object(
      {
        kid: Type.String(),
        kty: Type.String(),
        alg: Type.String(),
        use: Type.String(),
        crv: Type.Optional(Type.String()),
        x: Type.Optional(Type.String()),
        y: Type.Optional(Type.String()),
        n: Type.Optional(Type.String()),
        e: Type.Optional(Type.String()),
      },
      { additionalProperties: false },
    ),
  ),
});

export const getJwks = defineRoute({
  operationId: "getJWKSet",
  summary: "The app's public signing keys",
  description:
    "Verify access tokens with these. Retired keys stay listed until every token they signed has " +
    "expired; on an unknown `kid`, fetch again.",
  tag: "Keys",
  responses: { 200: JwksResponse },
  errors: [],
  handler: async ({ app, deps }) => ({
    status: 200,
    body: { keys: await deps.domain.keys.jwks(app.id) },
    headers: { "cache-control": "public, max-age=300" },
  }),
});
