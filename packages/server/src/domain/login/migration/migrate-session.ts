import type { Identifier } from "@overture/protocol";
import { countActivity } from "../../activity/count-activity.js";
import type { AppRecord } from "../../apps/app-repository.js";
import { recordEvent } from "../../events/record-event.js";
import { createUser } from "../../identity/create-user.js";
import { addIdentifier } from "../../identity/user-identifiers.js";
import type { UserRecord } from "../../identity/user-repository.js";
import { unknownScope } from "../../scopes/allowed-scopes.js";
import { issueChallengeToken } from "../../sessions/challenge-token.js";
import { isoTime } from "../../shared/clock.js";
import type { DomainDeps } from "../../shared/domain-deps.js";
import { consumeRateLimit } from "../../shared/rate-limit.js";
import { migrationConfig } from "./migration-config.js";
import { type HookAnswer, type HookFailure, readHookAnswer } from "./migration-hook.js";

/** Hook calls per client IP and app: each one costs the customer's backend a request. */
export const MIGRATION_RATE_LIMIT = { ttl: 60_000_000_000, limit: 120 };

/** Create/find rounds before giving up on a user that keeps changing under concurrent writes. */
const RESOLVE_ATTEMPTS = 5;

type Failure = {
  ok: false;
  reason: "not_configured" | "legacy_session_rejected" | "hook_failed" | "rate_limited" | "account_disabled";
  message?: string;
  retryAfterSeconds?: number;
};

/**
 * Lazy migration (seed 001, docs/migration.md): the app's hook vouches for a legacy session, the
 * user is found by external_id or created, and a challenge token bound to the client's PKCE
 * challenge comes back, to be finalized with DPoP like any other login.
 */
export async function migrateSession(
  deps: DomainDeps,
  app: AppRecord,
  input: { token: string; codeChallenge: string; dispatchId?: string; ip: string; issuer: string },
): Promise<{ ok: true; challengeToken: string } | Failure> {
  const config = await migrationConfig.read(deps, app.id);
  if (!config) {
    return { ok: false, reason: "not_configured", message: "Lazy migration is not configured for this app." };
  }
  const limited = await consumeRateLimit(
    deps.store,
    { operation: "migration", appId: app.id, dimension: "ip", value: input.ip },
    MIGRATION_RATE_LIMIT,
    deps.clock.now(),
  );
  if (!limited.ok) return limited;

  const reply = await deps.migrationHook.validate(app, config.value.session_validation_url, {
    token: input.token,
    ...(input.dispatchId !== undefined && { dispatchId: input.dispatchId }),
  });
  if (!reply.ok && reply.rejected) {
    return { ok: false, reason: "legacy_session_rejected", message: "The legacy session is not valid." };
  }
  const hook = reply.ok ? readHookAnswer(reply.answer) : reply;
  if (!hook.ok) return hookFailed(deps, app, hook);
  // The scopes a hook grants are held to the same rule as any login method's: allowed ones only.
  const unknown = await unknownScope(deps.store, app.id, hook.answer.scopes, "scopes[]");
  if (unknown) return hookFailed(deps, app, { reason: "invalid_response", statusCode: 200, detail: unknown });

  const user = await resolveUser(deps, app.id, hook.answer);
  if (!user)
    return {
      ok: false,
      reason: "hook_failed",
      message: "The user changed while migrating; retry.",
    };
  if (user.status !== "active") return { ok: false, reason: "account_disabled" };
  const challengeToken = await issueChallengeToken(
    deps.keys,
    app,
    input.issuer,
    {
      userId: user.id,
      method: "migration",
      codeChallenge: input.codeChallenge,
      ...(hook.answer.scopes.length > 0 && { scopes: hook.answer.scopes }),
    },
    deps.clock.now(),
  );
  // Each vouched-for legacy session: the traffic the migration overview watches drain.
  await countActivity(deps.store, app.id, "migration.exchanged", deps.clock.now());
  return { ok: true, challengeToken };
}

/**
 * The Overture user of a legacy user: found by external_id, or created with the hook's identifiers
 * and profile. Identifiers another user owns are left with that user; missing ones the legacy user
 * gained since are attached. The unique indexes settle races: a create that loses to a concurrent
 * one (another migration, a backfill) finds the winner on the next round.
 */
async function resolveUser(deps: DomainDeps, appId: string, answer: HookAnswer): Promise<UserRecord | null> {
  for (let attempt = 0; attempt < RESOLVE_ATTEMPTS; attempt++) {
    const [existing] = await deps.store.users.findByExternalIds(appId, [answer.externalId]);
    if (existing) return attachMissing(deps, appId, existing, answer.identifiers);
    const created = await createUser(
      deps,
      appId,
      {
        externalId: answer.externalId,
        identifiers: await unowned(deps, appId, answer.identifiers),
        profile: answer.profile,
      },
      "migration",
    );
    if (created.ok) return created.user;
    // external_id taken: the next round finds that user; an identifier taken meanwhile: the next
    // round leaves it out. Anything else cannot come from an answer that passed validation.
    if (created.reason !== "external_id_taken" && created.reason !== "identifier_taken")
      throw new Error(`creating a migrated user failed: ${created.reason}`);
  }
  return null;
}

async function unowned(deps: DomainDeps, appId: string, identifiers: Identifier[]): Promise<Identifier[]> {
  const owners = await deps.store.users.findByIdentifiers(appId, identifiers);
  const owned = new Set(owners.flatMap((u) => u.identifiers.map((i) => `${i.type}:${i.value}`)));
  return identifiers.filter((i) => !owned.has(`${i.type}:${i.value}`));
}

async function attachMissing(
  deps: DomainDeps,
  appId: string,
  user: UserRecord,
  identifiers: Identifier[],
): Promise<UserRecord> {
  const has = new Set(user.identifiers.map((i) => `${i.type}:${i.value}`));
  let current = user;
  for (const identifier of await unowned(
    deps,
    appId,
    identifiers.filter((i) => !has.has(`${i.type}:${i.value}`)),
  )) {
    // A concurrent migration may attach it first; already attached is the state wanted.
    const added = await addIdentifier(deps, appId, user.id, identifier);
    if (added.ok) current = added.user;
  }
  return current;
}

/** A hook that could not be used: logged with its detail, recorded as `migration.hook_failed`. */
async function hookFailed(deps: DomainDeps, app: AppRecord, hook: HookFailure): Promise<Failure> {
  const now = deps.clock.now();
  deps.log.warn(
    { app_id: app.id, reason: hook.reason, status_code: hook.statusCode, detail: hook.detail },
    "migration hook failed",
  );
  await deps.store.transaction((tx) =>
    recordEvent(
      tx,
      app.id,
      "migration.hook_failed",
      { reason: hook.reason, status_code: hook.statusCode, occurred_at: isoTime(now) },
      now,
    ),
  );
  return { ok: false, reason: "hook_failed" };
}
