import { MigrationOverviewQuery, MigrationOverviewResponse } from "@overture/protocol";
import { migrationOverview, type OverviewDay } from "../../domain/activity/migration-overview.js";
import { defineRoute } from "../route-spec.js";

const counts = (d: Omit<OverviewDay, "day">) => ({
  users_created: d.usersCreated,
  migrations: d.migrations,
  hook_failures: d.hookFailures,
});

export const getMigrationOverview = defineRoute({
  operationId: "getMigrationOverview",
  summary: "How the migration is going",
  description:
    "Per UTC day over the last `days` days (default 30, at most 90) and in total: users created by " +
    "source (lazy migration, the API backfill, sign-up, first login), legacy sessions exchanged, and " +
    "session validation hook failures. Counts of events, kept by daily counters; what the console's " +
    "migration overview charts (docs/migration.md).",
  tag: "Config - Migration",
  query: MigrationOverviewQuery,
  responses: { 200: MigrationOverviewResponse },
  errors: ["invalid_request"],
  handler: async ({ app, query, deps }) => {
    const o = await migrationOverview(deps.domain, app, query.days ?? 30);
    return {
      status: 200,
      body: {
        hook_configured: o.hookConfigured,
        user_count: o.userCount,
        totals: counts(o.totals),
        days: o.days.map((d) => ({ date: d.day, ...counts(d) })),
      },
    };
  },
});
