import { expect, it } from "vitest";
import { contractStore } from "../support/contract-store.js";
import { describeEachDatabase } from "../support/test-databases.js";

describeEachDatabase("contract: ActivityRepository", (dialect) => {
  it("sums shards per day and metric, within an inclusive range, per app, and counts concurrent adds exactly", async () => {
    const { store, t } = await contractStore(dialect, ["aact1", "aact2"]);
    try {
      const { activity } = store;
      await activity.add("aact1", "2026-12-01", "migration.exchanged", 0, 1);
      await activity.add("aact1", "2026-12-01", "migration.exchanged", 3, 2);
      await activity.add("aact1", "2026-12-01", "migration.exchanged", 3, 4);
      await activity.add("aact1", "2026-12-02", "migration.hook_failed", 1, 1);
      await activity.add("aact1", "2026-12-03", "user.created.api", 0, 5);
      await activity.add("aact2", "2026-12-01", "migration.exchanged", 0, 100);
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          activity.add("aact1", "2026-12-02", "user.created.migration", i % 8, 1),
        ),
      );

      expect(await activity.range("aact1", "2026-12-01", "2026-12-02")).toEqual([
        { day: "2026-12-01", metric: "migration.exchanged", count: 7 },
        { day: "2026-12-02", metric: "migration.hook_failed", count: 1 },
        { day: "2026-12-02", metric: "user.created.migration", count: 40 },
      ]);
      expect(await activity.range("aact1", "2026-12-04", "2026-12-09")).toEqual([]);
      expect(await activity.totals("aact1")).toEqual([
        { metric: "migration.exchanged", count: 7 },
        { metric: "migration.hook_failed", count: 1 },
        { metric: "user.created.api", count: 5 },
        { metric: "user.created.migration", count: 40 },
      ]);
      expect(await activity.totals("aact2")).toEqual([{ metric: "migration.exchanged", count: 100 }]);
    } finally {
      await t.drop();
    }
  });
});
