import type { DomainDeps } from "../shared/domain-deps.js";
import type { Failure } from "../shared/outcome.js";
import type { AppRecord } from "./app-repository.js";

/**
 * Default lifetimes of a new app's tokens, in seconds (docs/sessions.md). The migration that added
 * the columns uses the same values as column defaults.
 */
export const DEFAULT_LIFETIMES = {
  /** Access token: short, because it cannot be revoked before it expires. */
  accessTtlSeconds: 300,
  /** Session (refresh token family) absolute lifetime: 30 days from sign-in. */
  sessionTtlSeconds: 30 * 86_400,
  /** Idle limit: a session not refreshed for 7 days ends. */
  idleTtlSeconds: 7 * 86_400,
} as const;

export type Lifetimes = Pick<AppRecord, "accessTtlSeconds" | "sessionTtlSeconds" | "idleTtlSeconds">;

/**
 * Sets an app's token and session lifetimes. They apply to tokens issued from now on (on this node
 * at once); sessions keep the absolute end they started with. The idle limit may not exceed the
 * session's lifetime.
 */
export async function setSessionLifetimes(
  deps: Pick<DomainDeps, "store" | "clock" | "directory">,
  app: AppRecord,
  lifetimes: Lifetimes,
): Promise<{ ok: true; lifetimes: Lifetimes } | Failure<"invalid_input">> {
  if (lifetimes.idleTtlSeconds > lifetimes.sessionTtlSeconds)
    return {
      ok: false,
      reason: "invalid_input",
      message: "idle_ttl_seconds may not exceed session_ttl_seconds.",
    };
  await deps.store.apps.setLifetimes(app.id, lifetimes, deps.clock.now());
  deps.directory.appChanged(app.id);
  return { ok: true, lifetimes };
}
