import type { AppRecord } from "../apps/app-repository.js";
import { migrationConfig } from "../login/migration/migration-config.js";
import type { DomainDeps } from "../shared/domain-deps.js";
import type { ActivityMetric } from "./activity-repository.js";
import { utcDay } from "./count-activity.js";

/** The longest window the overview answers, in days. */

/** How users came to be, as the overview groups the sources of `user.created`. */
export const CREATION_SOURCES = ["migration", "api", "import", "sign_up", "login"] as const;
export type CreationSource = (typeof CREATION_SOURCES)[number];

export interface OverviewDay {
  day: string;
  usersCreated: Record<CreationSource, number>;
  migrations: number;
  hookFailures: number;
}

export interface MigrationOverview {
  hookConfigured: boolean;
  userCount: number;
  /** Since counting began (this version), over all days. */
  totals: Omit<OverviewDay, "day">;
  /** One entry per day of the window, oldest first, zeros included. */
  days: OverviewDay[];
}

const emptyDay = (day: string): OverviewDay => ({
  day,
  usersCreated: { migration: 0, api: 0, import: 0, sign_up: 0, login: 0 },
  migrations: 0,
  hookFailures: 0,
});

function add(into: Omit<OverviewDay, "day">, metric: ActivityMetric, count: number) {
  if (metric === "migration.exchanged") into.migrations += count;
  else if (metric === "migration.hook_failed") into.hookFailures += count;
  else {
    const source = metric.slice("user.created.".length) as CreationSource;
    if (source in into.usersCreated) into.usersCreated[source] += count;
  }
}

/**
 * How a migration is going (docs/migration.md, "Overview"): users created per source — lazy
 * migration, backfill through the API or import, sign-up and first login — legacy sessions
 * exchanged, and migration-hook failures, per UTC day over the last `days` days and in total. The
 * counts are of events, kept by the daily counters: a user deleted later still counts as created.
 */
export async function migrationOverview(
  deps: Pick<DomainDeps, "store" | "clock">,
  app: AppRecord,
  days: number,
): Promise<MigrationOverview> {
  const now = deps.clock.now();
  const window = Array.from({ length: days }, (_, i) => utcDay(now - (days - 1 - i) * 86_400_000));
  const byDay = new Map(window.map((d) => [d, emptyDay(d)]));
  for (const row of await deps.store.activity.range(app.id, window[0]!, window[window.length - 1]!)) {
    const day = byDay.get(row.day);
    if (day) add(day, row.metric, row.count);
  }
  const totals = emptyDay("");
  for (const row of await deps.store.activity.totals(app.id)) add(totals, row.metric, row.count);
  const { day: _, ...sums } = totals;
  return {
    hookConfigured: (await migrationConfig.read(deps, app.id)) !== null,
    userCount: await deps.store.users.count(app.id),
    totals: sums,
    days: [...byDay.values()],
  };
}
