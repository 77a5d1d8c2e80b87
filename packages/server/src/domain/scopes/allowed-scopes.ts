import { OAUTH_PROVIDERS, SCOPE_LIMITS } from "@overture/protocol";
import { recordUserUpdated } from "../identity/user-updated.js";
import { oauthConfigKind } from "../oauth/oauth-config.js";
import { PASSKEY_CONFIG } from "../passkeys/passkey-config.js";
import type { DomainDeps } from "../shared/domain-deps.js";
import type { Failure } from "../shared/outcome.js";
import type { Repositories } from "../shared/store.js";
import { STEP_UP_CONFIG, type StepUpConfigValue } from "../step-up/step-up-config.js";
import { sortedUnique, undeclarableReason } from "./scope-names.js";
import type { RowLock } from "./scope-repository.js";

type Scopes = { ok: true; scopes: string[] };

export async function listAllowedScopes(deps: Pick<DomainDeps, "store">, appId: string): Promise<string[]> {
  return deps.store.scopes.listAllowed(appId);
}

/** Declares an allowed scope; declaring one again changes nothing. Answers the allowed scopes. */
export async function addAllowedScope(
  deps: DomainDeps,
  appId: string,
  scope: string,
): Promise<Scopes | Failure<"invalid_input">> {
  const why = undeclarableReason(scope);
  if (why) return { ok: false, reason: "invalid_input", message: why };
  return deps.store.transaction<Scopes | Failure<"invalid_input">>(async (tx, rollback) => {
    // First, so that concurrent changes to the app's scopes and groups take turns (it locks the
    // app's row on PostgreSQL) and the limits below hold.
    await tx.apps.touchTokenConfig(appId);
    const current = await tx.scopes.listAllowed(appId);
    if (current.includes(scope)) return rollback({ ok: true, scopes: current });
    const next = sortedUnique([...current, scope]);
    if (next.length > SCOPE_LIMITS.allowedScopesMax)
      return rollback(invalid(`An app has at most ${SCOPE_LIMITS.allowedScopesMax} allowed scopes.`));
    if (next.join(" ").length > SCOPE_LIMITS.allowedScopesCharsMax)
      return rollback(
        invalid(
          `The allowed scopes, joined by spaces, must fit in ${SCOPE_LIMITS.allowedScopesCharsMax} characters: they are the longest scope claim a token can carry.`,
        ),
      );
    await tx.scopes.addAllowed(appId, scope, deps.clock.now());
    return { ok: true, scopes: next };
  });
}

/**
 * Removes an allowed scope. Refused while a group or a login config grants it, naming them, so
 * nothing is left granting a scope that no longer exists; users holding it lose it, each with a
 * `user.updated` event, and tokens minted afterwards no longer carry it.
 */
export async function removeAllowedScope(
  deps: DomainDeps,
  appId: string,
  scope: string,
): Promise<Scopes | Failure<"scope_not_found" | "scope_in_use">> {
  return deps.store.transaction<Scopes | Failure<"scope_not_found" | "scope_in_use">>(
    async (tx, rollback) => {
      await tx.apps.touchTokenConfig(appId);
      // Locked: a grant of it in a concurrent transaction waits for this one, then finds it gone.
      if ((await tx.scopes.findAllowed(appId, [scope], "update")).length === 0)
        return rollback({
          ok: false,
          reason: "scope_not_found",
          message: `"${scope}" is not an allowed scope of this app.`,
        });
      const users = await scopeUsers(tx, appId, scope);
      if (users.length > 0)
        return rollback({
          ok: false,
          reason: "scope_in_use",
          message: `"${scope}" is granted by ${users.join(", ")}; remove it there first.`,
        });
      const holders = await tx.scopes.usersHolding(appId, scope);
      await tx.scopes.removeAllowed(appId, scope);
      const now = deps.clock.now();
      for (const user of await tx.users.getMany(appId, holders))
        await recordUserUpdated(tx, appId, user, ["scopes"], now);
      return { ok: true, scopes: await tx.scopes.listAllowed(appId) };
    },
  );
}

/**
 * The first of `scopes` that is not an allowed scope of the app, as a message naming `field` (its
 * `[]` becomes the index: `scopes[2]`), or null. With `lock`, the allowed ones stay allowed until the caller's transaction ends (RowLock).
 */
export async function unknownScope(
  tx: Pick<Repositories, "scopes">,
  appId: string,
  scopes: string[],
  field: string,
  lock?: RowLock,
): Promise<string | null> {
  if (scopes.length === 0) return null;
  const allowed = new Set(await tx.scopes.findAllowed(appId, scopes, lock));
  const index = scopes.findIndex((s) => !allowed.has(s));
  if (index < 0) return null;
  const where = field.replace("[]", `[${index}]`);
  return `${where} "${scopes[index]}" is not an allowed scope of this app; declare it with POST /config/scopes first.`;
}

/**
 * What grants `scope` besides users: the groups, login configs and step-up entries that would be
 * left dangling.
 */
async function scopeUsers(tx: Repositories, appId: string, scope: string): Promise<string[]> {
  const groups = (await tx.scopes.groupsUsing(appId, scope)).map((name) => `group "${name}"`);
  const otp = (await tx.otp.listConfigs(appId))
    .filter((c) => c.grantedScopes.includes(scope))
    .map((c) => `OTP login config ${c.id}`);
  const oauth: string[] = [];
  for (const provider of OAUTH_PROVIDERS) {
    const config = await tx.configs.get<{ granted_scopes: string[] }>(appId, oauthConfigKind(provider));
    if (config?.value.granted_scopes.includes(scope)) oauth.push(`${provider} login config`);
  }
  const stepUp = (await tx.configs.get<StepUpConfigValue>(appId, STEP_UP_CONFIG))?.value.allowed_scopes
    .map((entry, i) => (entry.scope === scope ? `step-up config allowed_scopes[${i}]` : null))
    .filter((where) => where !== null);
  const passkey = (
    await tx.configs.get<{ granted_scopes: string[] }>(appId, PASSKEY_CONFIG)
  )?.value.granted_scopes.includes(scope)
    ? ["passkey config"]
    : [];
  return [...groups, ...otp, ...oauth, ...passkey, ...(stepUp ?? [])];
}

function invalid(message: string): Failure<"invalid_input"> {
  return { ok: false, reason: "invalid_input", message };
}
