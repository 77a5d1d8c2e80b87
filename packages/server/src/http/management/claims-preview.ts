import { ClaimsPreviewRequest, ClaimsPreviewResponse } from "@overture/protocol";
import { previewClaims } from "../../domain/claims/preview-claims.js";
import { fail } from "../api-error.js";
import { defineRoute } from "../route-spec.js";

export const previewClaimsMapping = defineRoute({
  operationId: "previewClaimsMapping",
  summary: "Preview a user's token claims",
  description:
    "What an access token minted now for the user would carry: `sub`, `sid`, `scope`, `external_id` " +
    "and the mapped claims, with the user's scopes and groups as they are. With `mapping`, that " +
    "mapping is checked as a write would check it (400 with the offending path) and applied instead of " +
    "the stored one; nothing is stored. Session-bound inputs describe a new session: `session_id` is " +
    "`ses_preview`, `login_method` is `preview`, `auth_time` is now, and there is no `ip` or locale " +
    "(docs/scopes-and-claims.md).",
  tag: "Config - Claims",
  body: ClaimsPreviewRequest,
  responses: { 200: ClaimsPreviewResponse },
  errors: ["invalid_request", "user_not_found"],
  handler: async ({ app, body, deps }) => {
    const previewed = await previewClaims(deps.domain, app, {
      userId: body.user_id,
      ...(body.mapping !== undefined && { mapping: body.mapping }),
    });
    if (!previewed.ok) fail(previewed);
    const { claims, overBudget, source } = previewed.preview;
    return { status: 200, body: { claims, over_budget: overBudget, mapping: source } };
  },
});
