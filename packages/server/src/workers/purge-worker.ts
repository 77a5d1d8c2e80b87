import type { DomainDeps } from "../domain/shared/domain-deps.js";
import { PURGE_INTERVAL_MS, purgeExpired } from "../domain/shared/purge-expired.js";

export interface Worker {
  /** Stops the loop; a run in progress finishes on its own. */
  stop(): void;
  /** Resolves once a run in progress has finished (for an orderly shutdown). */
  idle?(): Promise<void>;
}

/**
 * Purges expired rows every few minutes (domain/shared/purge-expired.ts). Idempotent, so any
 * number of processes may run it; the server runs one per installation node.
 */
export function startPurgeWorker(
  deps: Pick<DomainDeps, "store" | "clock">,
  log: { error(obj: object, msg: string): void },
  options: { intervalMs?: number; deliveredRetentionMs?: number } = {},
): Worker {
  const timer = setInterval(() => {
    purgeExpired(deps, options).catch((error: unknown) =>
      log.error({ err: error }, "purging expired rows failed"),
    );
  }, options.intervalMs ?? PURGE_INTERVAL_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
