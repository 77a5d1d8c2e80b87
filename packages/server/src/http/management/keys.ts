import { PublishedKeysResponse } from "@overture/protocol";
import { publishedKeys } from "../../domain/apps/apps.js";
import { isoTime } from "../../domain/shared/clock.js";
import { defineRoute } from "../route-spec.js";

export const listKeys = defineRoute({
  operationId: "listKeys",
  summary: "List the app's public keys",
  description:
    "Every key the app's JWKS (`/.well-known/jwks.json` on its Frontend host) publishes, " +
    "with its purpose, status and lifetime. Private parts never leave the server; rotate with " +
    "`overture signing-key rotate` (docs/keys.md).",
  tag: "Signing keys",
  responses: { 200: PublishedKeysResponse },
  errors: [],
  handler: async ({ app, deps }) => {
    const keys = await publishedKeys(deps.domain, app.id);
    return {
      status: 200,
      body: {
        keys: keys.map((k) => ({
          kid: k.id,
          purpose: k.purpose,
          alg: k.alg,
          status: k.retiredAt === null ? ("current" as const) : ("retired" as const),
          public_jwk: k.publicJwk,
          created_at: isoTime(k.createdAt),
          retired_at: k.retiredAt === null ? null : isoTime(k.retiredAt),
          expires_at: k.expiresAt === null ? null : isoTime(k.expiresAt),
        })),
      },
    };
  },
});
