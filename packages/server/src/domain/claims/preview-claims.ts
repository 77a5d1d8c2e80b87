import type { AppRecord } from "../apps/app-repository.js";
import { accessTokenContents } from "../sessions/token-contents.js";
import type { DomainDeps } from "../shared/domain-deps.js";
import type { Failure } from "../shared/outcome.js";
import { compileMapping } from "./claims-mapping.js";

/** The session id a preview's token names: no session is created. */
export const PREVIEW_SESSION_ID = "ses_preview";
export const PREVIEW_LOGIN_METHOD = "preview";

export interface ClaimsPreview {
  /** What the token's payload would be, but for `iss`, `iat`, `nbf`, `exp` and `jti`. */
  claims: Record<string, unknown>;
  /** The mapping resolved past its size limit: the token would keep its constants only. */
  overBudget: boolean;
  /** Whether `mapping` was the one given or the app's stored one (or none). */
  source: "given" | "stored" | "none";
}

/**
 * What an access token minted now for `userId` would carry (docs/scopes-and-claims.md, "Preview"):
 * the user's scopes and groups as they are, and either the given mapping — checked as a write
 * would check it, nothing stored — or the app's own. The session-bound inputs describe a new
 * session: `session_id` is `ses_preview`, `login_method` is `preview`, `auth_time` is now, and a
 * preview has no client, so no `ip` or locale. Read-only: what the console shows while a mapping is
 * being edited.
 */
export async function previewClaims(
  deps: DomainDeps,
  app: AppRecord,
  input: { userId: string; mapping?: Record<string, unknown> },
): Promise<{ ok: true; preview: ClaimsPreview } | Failure<"invalid_input" | "user_not_found">> {
  let given = null;
  if (input.mapping !== undefined) {
    const compiled = compileMapping(input.mapping);
    if (!compiled.ok) return { ok: false, reason: "invalid_input", message: compiled.message };
    given = compiled.mapping;
  }
  const user = await deps.store.users.tokenSubject(app.id, input.userId, { withIdentifiers: true });
  if (!user) return { ok: false, reason: "user_not_found" };
  const stored = await deps.tokenContents.get(app.id, user.tokenConfigVersion);
  const contents = given ? { ...stored, claims: given } : stored;
  const now = deps.clock.now();
  const { scope, claims, overBudget } = accessTokenContents(
    contents,
    user,
    user.identifiers,
    {
      id: PREVIEW_SESSION_ID,
      scopes: [],
      groupIds: user.groupIds,
      method: PREVIEW_LOGIN_METHOD,
      createdAt: now,
    },
    { ip: null, locales: [] },
    user.grants.filter((g) => g.expiresAt > now),
  );
  return {
    ok: true,
    preview: {
      claims: {
        ...claims,
        sub: user.id,
        sid: PREVIEW_SESSION_ID,
        scope,
        ...(user.externalId !== null && { external_id: user.externalId }),
      },
      overBudget,
      source: given ? "given" : stored.claims ? "stored" : "none",
    },
  };
}
