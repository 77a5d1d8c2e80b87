import Type from "typebox";
import { IdentifierInput } from "./identifier.js";
import { ScopeName } from "./management/scopes.js";

/**
 * The request Overture POSTs to an app's `session_validation_url` (docs/migration.md). Signed:
 * `X-Webhook-Signature: rsassa-pss-sha256=<base64url>` over the exact body bytes, with the key
 * named by `X-Webhook-Signature-Key-Id` from the app's JWKS.
 */
export const MigrationHookRequest = Type.Object({
  type: Type.Literal("session.validate"),
  /** Unique per call; a receiver may use it to refuse replays. */
  request_id: Type.String(),
  app_id: Type.String(),
  /** The legacy session token the client presented. */
  token: Type.String(),
  dispatch_id: Type.Optional(Type.String()),
  /** Unix seconds; a receiver should refuse requests more than a few minutes old. */
  sent_at: Type.Integer(),
});
export type MigrationHookRequest = Type.Static<typeof MigrationHookRequest>;

/** What a hook answers, with 200, for a valid legacy session; 401 or 403 when it is not valid. */
export const MigrationHookResponse = Type.Object({
  external_id: Type.String({ minLength: 1, maxLength: 128 }),
  identifiers: Type.Array(IdentifierInput, { minItems: 1, maxItems: 20 }),
  profile: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  scopes: Type.Optional(
    Type.Array(ScopeName, {
      maxItems: 50,
      description:
        "Granted to the session it starts; each must be an allowed scope of the app, and none `prld:`.",
    }),
  ),
});
export type MigrationHookResponse = Type.Static<typeof MigrationHookResponse>;
