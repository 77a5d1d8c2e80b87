import type { Identifier, MigrationHookFailure, MigrationHookResponse } from "@overture/protocol";
import type { AppRecord } from "../../apps/app-repository.js";
import { normalizeIdentifiers } from "../../identity/normalize-identifier.js";
import { checkProfile } from "../../identity/user-profile.js";

/** What the hook vouches for, as the migration uses it. */
export interface HookAnswer {
  externalId: string;
  identifiers: Identifier[];
  profile: Record<string, unknown>;
  scopes: string[];
}

export type HookFailure = { reason: MigrationHookFailure; statusCode: number | null; detail: string };

/** The exchange with the hook, as hooks/migration-hook-client.ts reports it. */
export type HookReply =
  | { ok: true; answer: MigrationHookResponse }
  /** The hook says the legacy session is not valid (401 or 403). */
  | { ok: false; rejected: true }
  | ({ ok: false; rejected: false } & HookFailure);

/** The app's session validation hook: a signed call to the customer's backend (docs/migration.md). */
export interface MigrationHook {
  validate(
    app: AppRecord,
    hookUrl: string,
    input: { token: string; dispatchId?: string },
  ): Promise<HookReply>;
}

/**
 * The rules an answer must meet beyond its shape: no reserved `prld:` scopes, identifiers that
 * normalise, a profile within the user limits.
 */
export function readHookAnswer(
  answer: MigrationHookResponse,
): { ok: true; answer: HookAnswer } | ({ ok: false } & HookFailure) {
  const invalid = (detail: string) =>
    ({ ok: false, reason: "invalid_response", statusCode: 200, detail }) as const;
  if (answer.scopes?.some((scope) => scope.startsWith("prld:")))
    return invalid("scopes must not use the reserved prld: prefix");
  const normalized = normalizeIdentifiers(answer.identifiers);
  if (!normalized.ok) return invalid(`identifiers[${normalized.index}] is not valid`);
  // OAuth links ride along (a link must name a known provider: normalisation checks it), but the
  // user must be reachable: at least one email or phone (prelude-api.md §7.2).
  if (!normalized.identifiers.some((i) => i.type !== "oauth"))
    return {
      ok: false,
      reason: "missing_identifiers",
      statusCode: 200,
      detail: "no email or phone identifier",
    };
  const profile = answer.profile ?? {};
  const profileCheck = checkProfile(profile);
  if (!profileCheck.ok) return invalid(profileCheck.message);
  return {
    ok: true,
    answer: {
      externalId: answer.external_id,
      identifiers: normalized.identifiers,
      profile,
      scopes: [...new Set(answer.scopes ?? [])],
    },
  };
}
