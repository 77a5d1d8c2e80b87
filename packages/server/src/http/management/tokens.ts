import { MintTokenRequest, MintTokenResponse } from "@overture/protocol";
import { mintDevToken } from "../../domain/claims/mint-dev-token.js";
import { isoTime } from "../../domain/shared/clock.js";
import { fail } from "../api-error.js";
import { defineRoute } from "../route-spec.js";

export const mintToken = defineRoute({
  operationId: "mintToken",
  summary: "Mint a token (dev mode)",
  description:
    "A testing aid: signs the given claims with the app's access-token key (`typ: at+jwt`), so the " +
    "app's backend verifier accepts the token as a real one — set `iss` to the issuer it expects. " +
    "`iat` and `jti` are filled in when absent, `exp` from `expires_in` (default and at most 24 h). " +
    "Registered claims must have their registered types. In `prod` mode: 403 `dev_mode_required`.",
  tag: "Tokens",
  body: MintTokenRequest,
  responses: { 201: MintTokenResponse },
  errors: ["invalid_request", "dev_mode_required"],
  handler: async ({ app, body, deps }) => {
    const minted = await mintDevToken(deps.domain, app, {
      claims: body.claims,
      ...(body.expires_in !== undefined && { expiresIn: body.expires_in }),
    });
    if (!minted.ok) fail(minted);
    return { status: 201, body: { token: minted.token, expires_at: isoTime(minted.expiresAt) } };
  },
});
