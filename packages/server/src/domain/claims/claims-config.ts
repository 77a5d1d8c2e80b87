import type { ConfigRecord } from "../apps/config-repository.js";
import type { DomainDeps } from "../shared/domain-deps.js";
import type { Failure } from "../shared/outcome.js";
import { compileMapping } from "./claims-mapping.js";

export const CLAIMS_CONFIG = "claims";

export interface ClaimsConfigValue {
  mapping: Record<string, unknown>;
  /** 1 when created, one more at every change (prelude-api.md §3.8). */
  version: number;
}

type Result<F extends Failure> = { ok: true; config: ConfigRecord<ClaimsConfigValue> } | F;
type Invalid = Failure<"invalid_input">;
const missing: Failure<"not_configured"> = {
  ok: false,
  reason: "not_configured",
  message: "This app has no claims mapping.",
};

/**
 * The app's claims mapping (docs/scopes-and-claims.md): checked when written, applied at every
 * token mint from then on — a change reaches each session at its next refresh. Every write
 * increments the app's token config version in the same transaction, which is how every node's
 * cache learns of it (domain/sessions/token-contents.ts).
 */
export function readClaimsConfig(deps: Pick<DomainDeps, "store">, appId: string) {
  return deps.store.configs.get<ClaimsConfigValue>(appId, CLAIMS_CONFIG);
}

export async function getClaimsConfig(
  deps: Pick<DomainDeps, "store">,
  appId: string,
): Promise<Result<typeof missing>> {
  const config = await readClaimsConfig(deps, appId);
  return config ? { ok: true, config } : missing;
}

export async function createClaimsConfig(
  deps: DomainDeps,
  appId: string,
  mapping: Record<string, unknown>,
): Promise<Result<Invalid | Failure<"already_exists">>> {
  const compiled = compileMapping(mapping);
  if (!compiled.ok) return { ok: false, reason: "invalid_input", message: compiled.message };
  const now = deps.clock.now();
  const value: ClaimsConfigValue = { mapping, version: 1 };
  return deps.store.transaction<Result<Invalid | Failure<"already_exists">>>(async (tx, rollback) => {
    await tx.apps.touchTokenConfig(appId);
    if (!(await tx.configs.create(appId, CLAIMS_CONFIG, value, now)))
      return rollback({
        ok: false,
        reason: "already_exists",
        message: "This app has a claims mapping already; replace it with PUT.",
      });
    return { ok: true, config: { value, createdAt: now, updatedAt: now } };
  });
}

export async function replaceClaimsConfig(
  deps: DomainDeps,
  appId: string,
  mapping: Record<string, unknown>,
): Promise<Result<Invalid | typeof missing>> {
  const compiled = compileMapping(mapping);
  if (!compiled.ok) return { ok: false, reason: "invalid_input", message: compiled.message };
  const now = deps.clock.now();
  return deps.store.transaction<Result<Invalid | typeof missing>>(async (tx, rollback) => {
    // First: it locks the app's row, so two replacements take turns and each gets its own version.
    await tx.apps.touchTokenConfig(appId);
    const current = await tx.configs.get<ClaimsConfigValue>(appId, CLAIMS_CONFIG);
    if (!current) return rollback(missing);
    const value: ClaimsConfigValue = { mapping, version: current.value.version + 1 };
    await tx.configs.replace(appId, CLAIMS_CONFIG, value, now);
    return { ok: true, config: { value, createdAt: current.createdAt, updatedAt: now } };
  });
}

/** Tokens minted afterwards carry no mapped claims. */
export async function deleteClaimsConfig(
  deps: DomainDeps,
  appId: string,
): Promise<{ ok: true } | typeof missing> {
  return deps.store.transaction<{ ok: true } | typeof missing>(async (tx, rollback) => {
    await tx.apps.touchTokenConfig(appId);
    if (!(await tx.configs.delete(appId, CLAIMS_CONFIG))) return rollback(missing);
    return { ok: true };
  });
}
